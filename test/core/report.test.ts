import { describe, expect, it } from 'vitest';
import { percentile, sortValues } from '../../core/percentiles.js';
import type { Profile, ProfileInput } from '../../core/profile.js';
import type { RunRecord, SessionRecord } from '../../core/records.js';
import { buildReport, type ReportInput, sessionTimings } from '../../core/report.js';
import { pipelineProfile } from '../fixtures/profile.js';

const STAGES = ['received', 'built', 'deployed'] as const;

function profile(overrides: Partial<ProfileInput> = {}): Profile {
  return pipelineProfile(STAGES, { name: 'test', scenarios: [{ type: 'burst', sessions: 3 }], ...overrides });
}

let counter = 0;
/** A session scheduled at `at`, sent `late` ms later, whose stages take the given segments (null: stage missing). */
function session(
  scenario: string,
  at: number,
  late: number,
  segments: readonly (number | null)[],
  extra: Partial<SessionRecord> = {},
): SessionRecord {
  counter += 1;
  const stages: Record<string, number> = {};
  let t = at + late;
  segments.forEach((segment, i) => {
    if (segment === null) return;
    t += segment;
    stages[STAGES[i]!] = t;
  });
  return {
    runId: 'run-1',
    sessionId: `s-${counter}`,
    scenario,
    scenarioType: 'burst',
    index: counter,
    userId: `bench-${counter}`,
    token: `t${counter}`,
    key: `bench-${counter}`,
    scheduledAt: at,
    sentAt: at + late,
    stages,
    status: segments.length === STAGES.length && segments.every((s) => s !== null) ? 'ok' : 'failed',
    ...extra,
  };
}

function input(p: Profile, sessions: SessionRecord[], extra: Partial<ReportInput> = {}): ReportInput {
  const run: RunRecord = { runId: 'run-1', profile: p, startedAt: 1_000 };
  return { run, sessions, taskSamples: [], cpu: null, memory: null, finishedAt: 99_000, ...extra };
}

describe('sessionTimings', () => {
  it.each([
    {
      what: 'all stages present',
      session: {
        scheduledAt: 1_000,
        sentAt: 1_100,
        stages: { received: 1_300, built: 1_800, deployed: 2_000 },
      },
      expected: { segments: { received: 200, built: 500, deployed: 200 }, total: 1_000, lateness: 100 },
    },
    {
      what: 'a middle stage missing: the next one is not bridged',
      session: { scheduledAt: 1_000, sentAt: 1_000, stages: { received: 1_300, deployed: 2_000 } },
      expected: { segments: { received: 300 }, total: 1_000, lateness: 0 },
    },
    {
      what: 'no sentAt: the first segment is not computed',
      session: { scheduledAt: 1_000, stages: { received: 1_300, built: 1_500 } },
      expected: { segments: { built: 200 }, total: null, lateness: null },
    },
    {
      what: 'no scheduledAt: no total, no lateness',
      session: { sentAt: 1_000, stages: { received: 1_300, built: 1_500, deployed: 1_600 } },
      expected: { segments: { received: 300, built: 200, deployed: 100 }, total: null, lateness: null },
    },
    {
      what: 'out-of-order clocks: a negative segment is kept as measured',
      session: { scheduledAt: 0, sentAt: 0, stages: { received: 500, built: 450, deployed: 900 } },
      expected: { segments: { received: 500, built: -50, deployed: 450 }, total: 900, lateness: 0 },
    },
    {
      what: 'a stage named like an Object property is not read from the prototype',
      session: { scheduledAt: 0, sentAt: 0, stages: {} },
      names: ['constructor', 'toString'],
      expected: { segments: {}, total: null, lateness: 0 },
    },
  ])('computes segments when $what', ({ session, expected, names }) => {
    const info = (names ?? STAGES).map((name) => ({
      name,
      source: 'log' as const,
      measuredFrom: 'previous' as const,
    }));
    expect(sessionTimings(session, info)).toEqual(expected);
  });
});

describe('coldStartShare with an S3 milestone', () => {
  it('gives the milestone no share of its own', () => {
    const p = pipelineProfile(['received'], {
      name: 'cw',
      scenarios: [{ type: 'coldWarm', cold: 1, warm: 1 }],
    });
    const withS3 = {
      ...p,
      target: {
        ...p.target,
        stages: [
          ...p.target.stages,
          { name: 'live', s3: { bucket: 'b', key: 'k', check: 'modifiedAfter' as const } },
        ],
      },
    };
    const session = (phase: 'cold' | 'warm', received: number, live: number): SessionRecord => ({
      runId: 'r',
      sessionId: `coldWarm-${phase}-0000`,
      scenario: 'coldWarm',
      scenarioType: 'coldWarm',
      index: 0,
      phase,
      userId: phase,
      token: 't',
      key: phase,
      scheduledAt: 0,
      sentAt: 0,
      stages: { received, live },
      status: 'ok',
    });
    const report = buildReport({
      run: { runId: 'r', profile: withS3, startedAt: 0 },
      sessions: [session('cold', 4_000, 5_000), session('warm', 1_000, 2_000)],
      taskSamples: [],
      cpu: null,
      memory: null,
      finishedAt: 1,
    });
    expect(report.scenarios[0]?.phases?.coldStartShare).toEqual({ received: 1, live: null });
  });
});

describe('sessionTimings with an S3 stage', () => {
  it('measures the S3 milestone from the send and keeps the log chain unbroken', () => {
    const stages = [
      { name: 'built', source: 'log', measuredFrom: 'previous' },
      { name: 'live', source: 's3', measuredFrom: 'sent' },
      { name: 'synced', source: 'log', measuredFrom: 'previous' },
    ] as const;
    const timings = sessionTimings(
      { scheduledAt: 0, sentAt: 100, stages: { built: 1_500, live: 2_000, synced: 2_300 } },
      stages,
    );
    expect(timings.segments).toEqual({ built: 1_400, live: 1_900, synced: 800 });
    expect(timings.total).toBe(2_300);
  });
});

describe('buildReport', () => {
  it('summarizes segment durations per stage, total from scheduledAt and lateness', () => {
    const report = buildReport(
      input(profile(), [
        session('burst', 10_000, 100, [200, 500, 300]),
        session('burst', 10_000, 300, [400, 700, 100]),
        session('burst', 10_000, 0, [600, 900, 200]),
      ]),
    );
    const [burst] = report.scenarios;
    expect(burst?.stages.received).toMatchObject({ count: 3, min: 200, p50: 400, max: 600, mean: 400 });
    expect(burst?.stages.built).toMatchObject({ count: 3, min: 500, p50: 700, max: 900 });
    expect(burst?.total).toMatchObject({ count: 3, min: 1_100, max: 1_700 });
    expect(burst?.lateness).toMatchObject({ count: 3, min: 0, p50: 100, max: 300 });
  });

  it('counts lateness of the harness in total', () => {
    const onTime = buildReport(input(profile(), [session('burst', 0, 0, [100, 100, 100])]));
    const late = buildReport(input(profile(), [session('burst', 0, 5_000, [100, 100, 100])]));
    expect(onTime.scenarios[0]?.total?.p50).toBe(300);
    expect(late.scenarios[0]?.total?.p50).toBe(5_300);
    expect(late.scenarios[0]?.stages.received?.p50).toBe(100);
  });

  it('does not bridge a missing stage and leaves sessions short of the last stage out of total', () => {
    const report = buildReport(
      input(profile(), [session('burst', 0, 0, [100, null, 300]), session('burst', 0, 0, [100, 200, null])]),
    );
    const [burst] = report.scenarios;
    expect(burst?.stages.received?.count).toBe(2);
    expect(burst?.stages.built?.count).toBe(1);
    expect(burst?.stages.deployed).toBeNull();
    expect(burst?.total).toMatchObject({ count: 1, max: 400 });
  });

  it('counts statuses, and sessions still planned or sent as unfinished', () => {
    const report = buildReport(
      input(profile(), [
        session('burst', 0, 0, [1, 1, 1]),
        session('burst', 0, 0, [1, null, null], { status: 'failed', error: 'boom' }),
        session('burst', 0, 0, [1, null, null], { status: 'timedOut' }),
        session('burst', 0, 0, [], { status: 'sent' }),
        session('burst', 0, 0, [], { status: 'planned' }),
      ]),
    );
    const [burst] = report.scenarios;
    expect(burst?.sessions).toEqual({
      failedBy: { other: 1 },
      planned: 5,
      ok: 1,
      failed: 1,
      timedOut: 1,
      unfinished: 2,
    });
    expect(burst?.successRate).toBe(0.2);
    expect(report.sessions.find((s) => s.status === 'failed')?.error).toBe('boom');
  });

  it('computes the run figures from the merged raw values, not from the scenarios’ percentiles', () => {
    const p = profile({ scenarios: [{ type: 'burst', sessions: 20 }, { type: 'stages' }] });
    const fast = Array.from({ length: 20 }, (_, i) => session('burst', 0, 0, [100 + i, 1, 1]));
    const slow = [session('stages', 0, 0, [10_000, 1, 1])];
    const report = buildReport(input(p, [...fast, ...slow]));
    const merged = sortValues([...fast, ...slow].map((s) => s.stages.received! - s.sentAt!));
    expect(report.overall.stages.received?.p95).toBe(percentile(merged, 95));
    expect(report.overall.stages.received?.p95).toBe(119);
    expect(report.overall.sessions.planned).toBe(21);
    expect(report.scenarios.map((s) => s.name)).toEqual(['burst', 'stages']);
  });

  it('splits coldWarm sessions into phases and attributes the cold-start penalty to stages', () => {
    const p = profile({ scenarios: [{ type: 'coldWarm', cold: 2, warm: 2 }] });
    const cold = { phase: 'cold', scenarioType: 'coldWarm' } as const;
    const warm = { phase: 'warm', scenarioType: 'coldWarm' } as const;
    const report = buildReport(
      input(p, [
        session('coldWarm', 0, 0, [30_000, 1_000, 500], cold),
        session('coldWarm', 0, 0, [31_000, 1_000, 500], cold),
        session('coldWarm', 0, 0, [1_000, 1_000, 500], warm),
        session('coldWarm', 0, 0, [1_200, 1_000, 500], warm),
      ]),
    );
    const phases = report.scenarios[0]?.phases;
    expect(phases?.cold.total?.p50).toBe(31_500);
    expect(phases?.warm.total?.p50).toBe(2_500);
    expect(phases?.coldStartShare).toEqual({ received: 1, built: 0, deployed: 0 });
    expect(phases?.cold.sessions.planned).toBe(2);
  });

  it('gives no cold-start share when a phase has no data', () => {
    const p = profile({ scenarios: [{ type: 'coldWarm', cold: 1, warm: 0 }] });
    const report = buildReport(
      input(p, [session('coldWarm', 0, 0, [3_000, 1_000, 500], { phase: 'cold', scenarioType: 'coldWarm' })]),
    );
    expect(report.scenarios[0]?.phases?.coldStartShare.received).toBeNull();
    expect(report.scenarios[0]?.phases?.warm.total).toBeNull();
  });

  it.each([
    { metric: 'total', condition: 'p(95) < 2s', actual: 1_900, ok: true },
    { metric: 'total', condition: 'p(50) < 1s', actual: 1_000, ok: false },
    { metric: 'total', condition: 'med <= 1000', actual: 1_000, ok: true },
    { metric: 'total', condition: 'avg < 1s', actual: 1_000, ok: false },
    { metric: 'total', condition: 'min >= 100ms', actual: 100, ok: true },
    { metric: 'total', condition: 'max < 1.9s', actual: 1_900, ok: false },
    { metric: 'received', condition: 'p(99) < 1s', actual: 1_900, ok: false },
    { metric: 'lateness', condition: 'max == 0', actual: 0, ok: true },
    { metric: 'success', condition: 'rate > 95%', actual: 1, ok: true },
  ])('evaluates $metric $condition to $actual ($ok)', ({ metric, condition, actual, ok }) => {
    const p = profile({ thresholds: [{ metric, condition }] });
    const sessions = [100, 1_000, 1_900].map((ms) => session('burst', 0, 0, [ms, 0, 0]));
    const report = buildReport(input(p, sessions));
    expect(report.thresholds).toEqual([{ metric, scenario: null, condition, actual, count: 3, ok }]);
    expect(report.verdict).toBe(ok ? 'pass' : 'fail');
  });

  it('fails a threshold that has no data', () => {
    const p = profile({ thresholds: [{ metric: 'deployed', condition: 'p(95) < 1s' }] });
    const report = buildReport(input(p, [session('burst', 0, 0, [100, 100, null])]));
    expect(report.thresholds[0]).toMatchObject({ actual: null, count: 0, ok: false });
    expect(report.verdict).toBe('fail');
  });

  it('checks a scenario threshold against that scenario only and a global one against all sessions', () => {
    const p = profile({
      scenarios: [{ type: 'burst', sessions: 2 }, { type: 'stages' }],
      thresholds: [
        { metric: 'total', scenario: 'burst', condition: 'max < 1s' },
        { metric: 'total', condition: 'max < 1s' },
        { metric: 'success', scenario: 'stages', condition: 'rate == 100%' },
      ],
    });
    const report = buildReport(
      input(p, [
        session('burst', 0, 0, [100, 100, 100]),
        session('burst', 0, 0, [200, 100, 100]),
        session('stages', 0, 0, [5_000, 100, 100]),
      ]),
    );
    expect(report.thresholds.map((t) => [t.scenario, t.actual, t.count, t.ok])).toEqual([
      ['burst', 400, 2, true],
      [null, 5_200, 3, false],
      ['stages', 1, 1, true],
    ]);
    expect(report.verdict).toBe('fail');
  });

  it('passes when there are no thresholds', () => {
    expect(buildReport(input(profile(), [])).verdict).toBe('pass');
  });

  it('records an unparseable condition as a failed threshold with the reason', () => {
    const p = profile({ thresholds: [{ metric: 'total', condition: 'p95 < 1s' }] });
    const threshold = buildReport(input(p, [])).thresholds[0];
    expect(threshold).toMatchObject({ actual: null, ok: false });
    expect(threshold?.error).toMatch(/cannot parse/);
  });

  it('fills resources with the average and max of each series and of running tasks', () => {
    const p = profile({ scenarios: [{ type: 'burst', sessions: 1 }, { type: 'resources' }] });
    const points = [10, 30, 80].map((value, i) => ({ at: i * 60_000, value }));
    const report = buildReport(
      input(p, [session('burst', 0, 0, [1, 1, 1])], {
        cpu: { name: 'CPUUtilization', unit: 'Percent', points },
        memory: { name: 'MemoryUtilization', unit: 'Percent', points: [] },
        taskSamples: [1, 3, 2].map((running, i) => ({ at: i, running, desired: 3, pending: 0 })),
      }),
    );
    expect(report.scenarios.map((s) => s.type)).toEqual(['burst']);
    expect(report.resources).toMatchObject({
      cluster: 'edit-cluster',
      service: 'edit-service',
      cpu: { average: 40, max: 80 },
      memory: null,
      tasks: { average: 2, max: 3 },
    });
  });

  it('leaves resources null when the profile has no resources scenario', () => {
    expect(buildReport(input(profile(), [])).resources).toBeNull();
  });

  it('keeps sessions of a scenario missing from the profile, after the profile’s own', () => {
    const report = buildReport(
      input(profile(), [session('ghost', 0, 0, [1, 1, 1]), session('burst', 0, 0, [1, 1, 1])]),
    );
    expect(report.scenarios.map((s) => s.name)).toEqual(['burst', 'ghost']);
    expect(report.sessions.map((s) => s.scenario)).toEqual(['burst', 'ghost']);
  });
});

describe('failures by reason', () => {
  it('counts failed sessions by the reason of the line that ended them, per scenario and overall', () => {
    const p = profile();
    const report = buildReport(
      input(p, [
        session('burst', 1_000, 0, [100, 100, 100]),
        session('burst', 1_000, 0, [100, null, null], { failureReason: 'dropped', error: 'dropped: busy' }),
        session('burst', 1_000, 0, [100, null, null], { failureReason: 'dropped', error: 'dropped: busy' }),
        session('burst', 1_000, 0, [100, 100, null], { failureReason: 'build', error: 'build: failed' }),
        session('burst', 1_000, 0, [null, null, null], { error: 'SES refused' }),
      ]),
    );
    expect(report.scenarios[0]?.sessions).toMatchObject({
      planned: 5,
      ok: 1,
      failed: 4,
      failedBy: { dropped: 2, build: 1, other: 1 },
    });
    expect(report.overall.sessions.failedBy).toEqual({ dropped: 2, build: 1, other: 1 });
    expect(report.sessions.filter((s) => s.failureReason).map((s) => s.failureReason)).toEqual([
      'dropped',
      'dropped',
      'build',
    ]);
  });
});

describe('artifacts', () => {
  it('lists what each session left in the target once the stage that makes it was seen, and all of them by kind', () => {
    const p = profile({
      target: {
        ...profile().target,
        artifacts: [
          { kind: 'git-branch', name: 'thread-{token}', stage: 'deployed' },
          { kind: 's3-site', name: 's3://edit.example.com/', stage: 'built' },
        ],
      },
    });
    const report = buildReport(
      input(p, [session('burst', 1_000, 0, [100, 100, 100]), session('burst', 1_000, 0, [100, 100, null])]),
    );
    const [first, second] = report.sessions;
    expect(first?.artifacts).toEqual([
      `git-branch thread-${first?.sessionId.replace('s-', 't')}`,
      's3-site s3://edit.example.com/',
    ]);
    expect(second?.artifacts).toEqual(['s3-site s3://edit.example.com/']);
    expect(report.artifacts).toEqual([
      { kind: 'git-branch', names: [`thread-${first?.sessionId.replace('s-', 't')}`] },
      { kind: 's3-site', names: ['s3://edit.example.com/'] },
    ]);
  });
});
