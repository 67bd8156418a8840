import type { PutMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildMetricData,
  estimateDatumBytes,
  METRIC_DATA_LIMITS,
  type MetricDatum,
  type PutMetricDataInput,
  valueCounts,
} from '../../core/metric-data.js';
import type { Profile } from '../../core/profile.js';
import type { SessionRecord } from '../../core/records.js';
import { buildReport } from '../../core/report.js';
import type { Report } from '../../core/report-model.js';
import { pipelineProfile } from '../fixtures/profile.js';

const OPTIONS = {
  namespace: 'WebOrdinary/Performance',
  profileName: 'nightly',
  timestamp: new Date(1_700_000_000_000),
};

function profile(scenarios: Profile['scenarios']): Profile {
  return pipelineProfile(['received', 'deployed'], { name: 'nightly', scenarios });
}

/** A session with `lateness` then the two segments; null segments leave the stage out. */
function session(
  i: number,
  scenario: string,
  lateness: number,
  received: number | null,
  deployed: number | null,
): SessionRecord {
  const scheduledAt = 1_000_000;
  const sentAt = scheduledAt + lateness;
  const stages: Record<string, number> = {};
  if (received !== null) stages.received = sentAt + received;
  if (received !== null && deployed !== null) stages.deployed = sentAt + received + deployed;
  return {
    runId: 'run',
    sessionId: `s${i}`,
    scenario,
    scenarioType: 'burst',
    index: i,
    userId: `u${i}`,
    token: `t${i}`,
    key: `u${i}`,
    scheduledAt,
    sentAt,
    stages,
    status: deployed === null ? 'timedOut' : 'ok',
  };
}

function report(scenarios: Profile['scenarios'], sessions: SessionRecord[]): Report {
  return buildReport({
    run: { runId: 'run', profile: profile(scenarios), startedAt: 0 },
    sessions,
    taskSamples: [],
    cpu: null,
    memory: null,
    finishedAt: 1,
  });
}

const datums = (requests: PutMetricDataInput[]): MetricDatum[] => requests.flatMap((r) => r.MetricData);
const dims = (d: MetricDatum): string => d.Dimensions.map((x) => `${x.Name}=${x.Value}`).join(',');

describe('valueCounts', () => {
  it.each([
    { values: [], chunks: [] },
    { values: [300, 100, 300, 300], chunks: [{ Values: [100, 300], Counts: [1, 3] }] },
    { values: [-5, 0, 7], chunks: [{ Values: [0, 7], Counts: [1, 1] }] },
  ])('merges $values into $chunks', ({ values, chunks }) => {
    expect(valueCounts(values)).toEqual(chunks);
  });

  it('splits more than 150 distinct values into chunks of 150, ascending', () => {
    const chunks = valueCounts(Array.from({ length: 400 }, (_, i) => 400 - i));
    expect(chunks.map((c) => c.Values.length)).toEqual([150, 150, 100]);
    expect(chunks[1]?.Values[0]).toBe(151);
  });
});

describe('buildMetricData', () => {
  const small = report(
    [{ type: 'burst', sessions: 4 }],
    [
      session(1, 'burst', 5, 200, 1_000),
      session(2, 'burst', 5, 200, 1_000),
      session(3, 'burst', 0, 300, 2_000),
      session(4, 'burst', 0, 300, null),
    ],
  );

  it('publishes each scenario, then the whole run, with names, units and dimensions', () => {
    const all = datums(buildMetricData(small, OPTIONS));
    expect(all.map((d) => `${d.MetricName} ${d.Unit} ${dims(d)}`)).toEqual([
      'StageDuration Milliseconds Profile=nightly,Scenario=burst,Stage=received',
      'StageDuration Milliseconds Profile=nightly,Scenario=burst,Stage=deployed',
      'TotalDuration Milliseconds Profile=nightly,Scenario=burst,Stage=total',
      'Lateness Milliseconds Profile=nightly,Scenario=burst',
      'SuccessRate Percent Profile=nightly,Scenario=burst',
      'SessionsOk Count Profile=nightly,Scenario=burst',
      'SessionsFailed Count Profile=nightly,Scenario=burst',
      'SessionsTimedOut Count Profile=nightly,Scenario=burst',
      'SessionsUnfinished Count Profile=nightly,Scenario=burst',
      'StageDuration Milliseconds Profile=nightly,Scenario=all,Stage=received',
      'StageDuration Milliseconds Profile=nightly,Scenario=all,Stage=deployed',
      'TotalDuration Milliseconds Profile=nightly,Scenario=all,Stage=total',
      'Lateness Milliseconds Profile=nightly,Scenario=all',
      'SuccessRate Percent Profile=nightly,Scenario=all',
      'SessionsOk Count Profile=nightly,Scenario=all',
      'SessionsFailed Count Profile=nightly,Scenario=all',
      'SessionsTimedOut Count Profile=nightly,Scenario=all',
      'SessionsUnfinished Count Profile=nightly,Scenario=all',
    ]);
    expect(all.every((d) => d.Timestamp === OPTIONS.timestamp)).toBe(true);
  });

  it('sends raw values merged into Values and Counts, and counts as single values', () => {
    const all = datums(buildMetricData(small, OPTIONS));
    const find = (name: string, stage?: string) =>
      all.find((d) => d.MetricName === name && (stage === undefined || dims(d).endsWith(`Stage=${stage}`)));
    expect(find('StageDuration', 'received')).toMatchObject({ Values: [200, 300], Counts: [2, 2] });
    expect(find('StageDuration', 'deployed')).toMatchObject({ Values: [1_000, 2_000], Counts: [2, 1] });
    expect(find('TotalDuration')).toMatchObject({ Values: [1_205, 2_300], Counts: [2, 1] });
    expect(find('Lateness')).toMatchObject({ Values: [0, 5], Counts: [2, 2] });
    expect(find('SuccessRate')).toMatchObject({ Value: 75 });
    expect(find('SessionsTimedOut')).toMatchObject({ Value: 1 });
  });

  it('publishes each captured value (log.capture) under its own name, unit and stage, per scenario and for the run', () => {
    const plain = profile([{ type: 'burst', sessions: 3 }]);
    const captured: Profile = {
      ...plain,
      target: {
        ...plain.target,
        stages: plain.target.stages.map((stage) =>
          stage.name === 'deployed' && 'log' in stage
            ? {
                ...stage,
                log: {
                  ...stage.log,
                  capture: {
                    regex: 'Cost: \\$(?<claudeCost>[0-9.]+), Duration: (?<claudeMs>[0-9]+)ms',
                    units: { claudeCost: 'usd', claudeMs: 'ms' },
                  },
                },
              }
            : stage,
        ),
      },
    };
    const withValues = (i: number, cost: number, ms: number): SessionRecord => ({
      ...session(i, 'burst', 0, 200, 1_000),
      values: { claudeCost: cost, claudeMs: ms },
    });
    const run = buildReport({
      run: { runId: 'run', profile: captured, startedAt: 0 },
      // The third session never reached the marker: it has no values, and none is made up for it.
      sessions: [
        withValues(1, 0.0712, 8_123),
        withValues(2, 0.0712, 9_000),
        session(3, 'burst', 0, 200, null),
      ],
      taskSamples: [],
      cpu: null,
      memory: null,
      finishedAt: 1,
    });
    const all = datums(buildMetricData(run, OPTIONS));
    const of = (name: string) =>
      all
        .filter((d) => d.MetricName === name)
        .map((d) => ({ unit: d.Unit, dims: dims(d), Values: d.Values, Counts: d.Counts }));
    expect(of('claudeCost')).toEqual(
      ['burst', 'all'].map((scenario) => ({
        unit: 'None',
        dims: `Profile=nightly,Scenario=${scenario},Stage=deployed`,
        Values: [0.0712],
        Counts: [2],
      })),
    );
    expect(of('claudeMs')).toEqual(
      ['burst', 'all'].map((scenario) => ({
        unit: 'Milliseconds',
        dims: `Profile=nightly,Scenario=${scenario},Stage=deployed`,
        Values: [8_123, 9_000],
        Counts: [1, 1],
      })),
    );
  });

  it('is a valid PutMetricDataCommandInput and gives the same requests every time', () => {
    const requests: PutMetricDataCommandInput[] = buildMetricData(small, OPTIONS);
    expect(requests).toEqual(buildMetricData(small, OPTIONS));
    expect(requests.map((r) => r.Namespace)).toEqual(['WebOrdinary/Performance']);
  });

  it('leaves out negative durations, which would disable CloudWatch percentiles', () => {
    const skewed = report(
      [{ type: 'burst', sessions: 2 }],
      [session(1, 'burst', 0, -40, 100), session(2, 'burst', 0, 60, 100)],
    );
    const received = datums(buildMetricData(skewed, OPTIONS)).filter((d) =>
      dims(d).endsWith('Stage=received'),
    );
    expect(received.map((d) => d.Values)).toEqual([[60], [60]]);
    expect(skewed.scenarios[0]?.stages.received?.min).toBe(-40);
  });

  it('keeps 150 values per datum and the request size limit with 10,000 distinct sessions', () => {
    const sessions = Array.from({ length: 10_000 }, (_, i) =>
      session(i, 'burst', i % 7, 1_000 + i, 50_000 + 3 * i),
    );
    const requests = buildMetricData(report([{ type: 'burst', sessions: 10_000 }], sessions), OPTIONS);
    const all = datums(requests);
    for (const d of all) {
      expect(d.Values?.length ?? 0).toBeLessThanOrEqual(150);
      expect(new Set(d.Values ?? []).size).toBe(d.Values?.length ?? 0);
    }
    expect(
      all.filter((d) => d.MetricName === 'StageDuration' && dims(d).includes('Scenario=all')),
    ).toHaveLength(2 * 67);
    for (const r of requests) {
      expect(r.MetricData.length).toBeLessThanOrEqual(1_000);
      expect(r.MetricData.reduce((sum, d) => sum + estimateDatumBytes(d), 0)).toBeLessThanOrEqual(
        METRIC_DATA_LIMITS.bytesPerRequest,
      );
      expect(JSON.stringify(r).length).toBeLessThan(1_000_000);
      // What the SDK really sends (JSON) stays inside the budget the estimate was held to.
      expect(Buffer.byteLength(JSON.stringify(r))).toBeLessThanOrEqual(METRIC_DATA_LIMITS.bytesPerRequest);
    }
    expect(requests).toHaveLength(1); // about 560 KB of JSON: one request is enough
  });

  it('splits requests at the size budget', () => {
    const sessions = Array.from({ length: 25_000 }, (_, i) =>
      session(i, 'burst', i % 7, 1_000 + i, 80_000 + 3 * i),
    );
    const requests = buildMetricData(report([{ type: 'burst', sessions: 10_000 }], sessions), OPTIONS);
    expect(requests.length).toBeGreaterThan(1);
    for (const r of requests) {
      expect(Buffer.byteLength(JSON.stringify(r))).toBeLessThanOrEqual(METRIC_DATA_LIMITS.bytesPerRequest);
    }
  });

  it('puts at most 1,000 datums in a request', () => {
    const scenarios = Array.from({ length: 500 }, (_, i) => ({
      type: 'burst' as const,
      name: `b${i}`,
      sessions: 20,
    }));
    const sessions = Array.from({ length: 10_000 }, (_, i) => session(i, `b${i % 500}`, 0, 100, 200));
    const requests = buildMetricData(report(scenarios, sessions), OPTIONS);
    expect(requests.map((r) => r.MetricData.length)).toEqual([1_000, 1_000, 1_000, 1_000, 509]);
    expect(datums(requests).at(-1)).toMatchObject({ MetricName: 'SessionsUnfinished', Value: 0 });
  });

  it('publishes exactly the non-negative raw values of every metric: Counts add up to them', () => {
    const segment = fc.option(fc.integer({ min: -50, max: 400 }), { nil: null });
    const rows = fc.array(
      fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 30 }), segment, segment),
      {
        maxLength: 400,
      },
    );
    fc.assert(
      fc.property(rows, (rows) => {
        const sessions = rows.map(([s, late, a, b], i) => session(i, `b${s}`, late, a, b));
        const built = report(
          [
            { type: 'burst', name: 'b0', sessions: 1 },
            { type: 'burst', name: 'b1', sessions: 1 },
          ],
          sessions,
        );
        const counted = new Map<string, number>();
        for (const d of datums(buildMetricData(built, OPTIONS))) {
          if (!d.Counts) continue;
          const key = `${d.MetricName} ${dims(d)}`;
          counted.set(key, (counted.get(key) ?? 0) + d.Counts.reduce((x, y) => x + y, 0));
        }
        for (const scenario of [...built.scenarios, { name: 'all', ...built.overall }]) {
          const sessionsOf = built.sessions.filter(
            (s) => scenario.name === 'all' || s.scenario === scenario.name,
          );
          const expected = (value: (s: (typeof sessionsOf)[number]) => number | null): number =>
            sessionsOf.map(value).filter((v) => v !== null && v >= 0).length;
          const received = expected((s) =>
            s.sentAt !== null && s.stages.received !== undefined ? s.stages.received - s.sentAt : null,
          );
          const total = expected((s) =>
            s.stages.deployed !== undefined ? s.stages.deployed - s.scheduledAt! : null,
          );
          const base = `Profile=nightly,Scenario=${scenario.name}`;
          expect(counted.get(`StageDuration ${base},Stage=received`) ?? 0).toBe(received);
          expect(counted.get(`TotalDuration ${base},Stage=total`) ?? 0).toBe(total);
          expect(counted.get(`Lateness ${base}`) ?? 0).toBe(sessionsOf.length);
        }
      }),
      { numRuns: 60 },
    );
  });
});
