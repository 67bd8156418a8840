import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ProfileInput } from '../../core/profile.js';
import type { SessionRecord, SessionStatus } from '../../core/records.js';
import { renderHtml } from '../../core/render-html.js';
import { renderMarkdown } from '../../core/render-markdown.js';
import { renderText } from '../../core/render-text.js';
import { buildReport } from '../../core/report.js';
import { pipelineProfile } from '../fixtures/profile.js';

const STAGES = ['received', 'built', 'deployed'] as const;
const PASS = [
  { metric: 'success', condition: 'rate >= 100%' },
  { metric: 'total', condition: 'p(95) < 5s' },
];

function limitProfile(loads: readonly number[], extra: Partial<ProfileInput> = {}) {
  return pipelineProfile(STAGES, {
    name: 'limit',
    scenarios: [{ type: 'limit', name: 'find', steps: { burst: [...loads] }, pass: PASS }],
    ...extra,
  });
}

let counter = 0;
/** A session of a step whose stages take the given segments (ms) from its scheduled start. */
function session(scenario: string, segments: readonly number[], status: SessionStatus = 'ok'): SessionRecord {
  counter += 1;
  const at = 10_000;
  const stages: Record<string, number> = {};
  let t = at;
  if (status !== 'skipped')
    segments.forEach((segment, i) => {
      t += segment;
      stages[STAGES[i]!] = t;
    });
  return {
    runId: 'run-l',
    sessionId: `s-${counter}`,
    scenario,
    scenarioType: 'burst',
    index: counter,
    userId: `u-${counter}`,
    token: `t${counter}`,
    key: `u-${counter}`,
    ...(status === 'skipped' ? {} : { scheduledAt: at, sentAt: at }),
    stages,
    status,
  };
}

const times = (n: number, make: () => SessionRecord) => Array.from({ length: n }, make);

function report(loads: readonly number[], sessions: SessionRecord[], extra: Partial<ProfileInput> = {}) {
  return buildReport({
    run: { runId: 'run-l', profile: limitProfile(loads, extra), startedAt: 1_000 },
    sessions,
    taskSamples: [],
    cpu: null,
    memory: null,
    finishedAt: 99_000,
  });
}

describe('the limit report', () => {
  // Steps 1 and 2 fit; step 3 queues: `received` (waiting for a container) grows for two of its sessions.
  const sessions = [
    ...times(4, () => session('find-step1', [500, 1_000, 500])),
    ...times(6, () => session('find-step2', [600, 1_000, 500])),
    ...times(6, () => session('find-step3', [550, 1_000, 500])),
    ...times(2, () => session('find-step3', [4_000, 1_000, 500])),
    ...times(10, () => session('find-step4', [], 'skipped')),
  ];
  const built = report([4, 6, 8, 10], sessions);
  const limit = built.limits?.[0];

  it('gives the highest passing step as the limit, the step that broke, and every step’s figures', () => {
    expect(limit).toMatchObject({
      scenario: 'find',
      unit: 'sessions',
      limit: 6,
      stoppedBy: 'failure',
      brokeAt: 3,
    });
    expect(limit?.steps.map((s) => [s.step, s.load, s.verdict, s.planned, s.ok, s.successRate])).toEqual([
      [1, 4, 'pass', 4, 4, 1],
      [2, 6, 'pass', 6, 6, 1],
      [3, 8, 'fail', 8, 8, 1],
      [4, 10, 'notRun', 10, 0, null],
    ]);
    expect(limit?.steps[2]?.total).toEqual({ n: 8, p50: 2_050, p95: 5_500 });
    expect(limit?.steps[2]?.checks.map((c) => [c.metric, c.actual, c.ok])).toEqual([
      ['success', 1, true],
      ['total', 5_500, false],
    ]);
  });

  it('names the stage whose p95 grew most from the first step to the breaking one', () => {
    expect(limit?.degraded).toMatchObject({
      stage: 'received',
      fromStep: 1,
      toStep: 3,
      from: { n: 4, p95: 500 },
      to: { n: 8, p95: 4_000 },
      addedP95: 3_500,
      ratioP95: 8,
    });
  });

  it('keeps skipped sessions out of every figure: not run is never a failure', () => {
    expect(built.scenarios.map((s) => s.name)).toEqual(['find-step1', 'find-step2', 'find-step3']);
    expect(built.overall.sessions).toMatchObject({ planned: 18, ok: 18, failed: 0, unfinished: 0 });
    expect(built.sessions.some((s) => s.scenario === 'find-step4')).toBe(false);
  });

  it('leaves the steps out of run-wide thresholds, which judge the other scenarios', () => {
    const withOther = report(
      [4, 6, 8, 10],
      [...sessions, ...times(3, () => session('burst', [100, 100, 100]))],
      {
        scenarios: [
          { type: 'limit', name: 'find', steps: { burst: [4, 6, 8, 10] }, pass: PASS },
          { type: 'burst', sessions: 3 },
        ],
        thresholds: [{ metric: 'total', condition: 'p(95) < 1s' }],
      },
    );
    expect(withOther.thresholds[0]).toMatchObject({ actual: 300, count: 3, ok: true });
    expect(withOther.verdict).toBe('pass');
  });

  it('says so in text, Markdown and HTML', () => {
    for (const out of [renderText(built), renderMarkdown(built), renderHtml(built)]) {
      expect(out).toContain('Limit find: 6 sessions');
      expect(out).toContain('Broke first: received');
      expect(out).toContain('not run');
    }
  });

  it('reports the ceiling when every step passes, and no limit when the first fails', () => {
    const all = report(
      [2, 3],
      [
        ...times(2, () => session('find-step1', [100, 100, 100])),
        ...times(3, () => session('find-step2', [100, 100, 100])),
      ],
    );
    expect(all.limits?.[0]).toMatchObject({ limit: 3, stoppedBy: 'ceiling', brokeAt: null });
    const none = report(
      [2, 3],
      [
        session('find-step1', [100, 100, 100]),
        session('find-step1', [100, 100, 100], 'failed'),
        ...times(3, () => session('find-step2', [], 'skipped')),
      ],
    );
    expect(none.limits?.[0]).toMatchObject({ limit: null, stoppedBy: 'failure', brokeAt: 1, degraded: null });
    expect(renderText(none)).toContain(
      'No step passed: the first step (2 sessions) failed success rate >= 100%',
    );
  });

  it('reports a step that never started (a run cut short) as not run, and stops there', () => {
    const cut = report(
      [2, 3],
      [
        ...times(2, () => session('find-step1', [100, 100, 100])),
        ...times(3, () => session('find-step2', [], 'planned')),
      ],
    );
    expect(cut.limits?.[0]).toMatchObject({ limit: 2, stoppedBy: 'incomplete', brokeAt: null });
    expect(cut.limits?.[0]?.steps[1]?.verdict).toBe('notRun');
  });

  it('finds as the limit the load of the last step before the first that fails, whatever the steps', () => {
    fc.assert(
      fc.property(
        fc
          .uniqueArray(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 6 })
          .map((a) => a.sort((x, y) => x - y)),
        fc.nat(),
        (loads, k) => {
          const failing = k % (loads.length + 1); // loads.length: every step passes
          const records = loads.flatMap((load, i) => {
            const name = `find-step${i + 1}`;
            if (i < failing) return times(Math.min(load, 3), () => session(name, [100, 100, 100]));
            if (i === failing)
              return times(Math.min(load, 3), () => session(name, [100, 100, 100], 'timedOut'));
            return times(Math.min(load, 3), () => session(name, [], 'skipped'));
          });
          const found = report(loads, records).limits?.[0];
          expect(found?.limit).toBe(failing === 0 ? null : loads[failing - 1]);
          expect(found?.brokeAt).toBe(failing < loads.length ? failing + 1 : null);
          expect(found?.stoppedBy).toBe(failing < loads.length ? 'failure' : 'ceiling');
        },
      ),
      { numRuns: 60 },
    );
  });
});
