import { describe, expect, it } from 'vitest';
import { compareReports, DEFAULT_COMPARE } from '../../core/compare.js';
import type { SessionRecord } from '../../core/records.js';
import { renderComparison } from '../../core/render-compare.js';
import { buildReport } from '../../core/report.js';
import type { Report } from '../../core/report-model.js';
import { pipelineProfile } from '../fixtures/profile.js';

const PROFILE = pipelineProfile(['received', 'built'], {
  name: 'cmp',
  scenarios: [
    { type: 'burst', sessions: 4 },
    { type: 'sustained', ratePerMinute: 4, durationMinutes: 1 },
  ],
});

/** A report whose sessions take `received` then `built` ms, all ok unless `failed` says how many fail. */
function report(runId: string, received: number, built: number, failed = 0): Report {
  const sessions: SessionRecord[] = ['burst', 'sustained'].flatMap((scenario) =>
    Array.from({ length: 4 }, (_, index) => ({
      runId,
      sessionId: `${scenario}-${index}`,
      scenario,
      scenarioType: scenario as 'burst' | 'sustained',
      index,
      userId: `u${index}`,
      token: `t${index}`,
      key: `u${index}`,
      scheduledAt: 0,
      sentAt: 0,
      stages: { received, built: received + built },
      status: scenario === 'burst' && index < failed ? ('failed' as const) : ('ok' as const),
    })),
  );
  return buildReport({
    run: { runId, profile: PROFILE, startedAt: 0 },
    sessions,
    taskSamples: [],
    cpu: null,
    memory: null,
    finishedAt: 1,
  });
}

describe('compareReports', () => {
  it('finds no regression between equal runs', () => {
    const result = compareReports(report('a', 1_000, 5_000), report('b', 1_000, 5_000));
    expect(result.regressions).toBe(0);
    expect(
      result.rows.filter((r) => r.metric === 'built' && r.scenario === 'burst').map((r) => r.delta),
    ).toEqual([0, 0]);
  });

  it('flags a duration that grew beyond both the tolerance and the minimum delta', () => {
    const slower = compareReports(report('a', 1_000, 5_000), report('b', 1_000, 6_000));
    const built = slower.rows.filter((r) => r.metric === 'built' && r.regression);
    expect(built.map((r) => [r.scenario, r.stat, r.delta])).toEqual([
      ['burst', 'p50', 1_000],
      ['burst', 'p95', 1_000],
      ['sustained', 'p50', 1_000],
      ['sustained', 'p95', 1_000],
      ['all', 'p50', 1_000],
      ['all', 'p95', 1_000],
    ]);
    expect(slower.rows.some((r) => r.metric === 'received' && r.regression)).toBe(false);
  });

  it('ignores growth under the minimum delta, however large in relative terms', () => {
    const result = compareReports(report('a', 10, 20), report('b', 10, 80));
    expect(result.regressions).toBe(0);
    expect(
      compareReports(report('a', 10, 20), report('b', 10, 80), { ...DEFAULT_COMPARE, minDeltaMs: 10 })
        .regressions,
    ).toBeGreaterThan(0);
  });

  it('flags a success rate that fell by more than the allowed drop', () => {
    const result = compareReports(report('a', 1_000, 5_000), report('b', 1_000, 5_000, 1));
    expect(
      result.rows.filter((r) => r.metric === 'success' && r.regression).map((r) => [r.scenario, r.delta]),
    ).toEqual([
      ['burst', -0.25],
      ['all', -0.125],
    ]);
  });

  it('names scenarios found in only one report and renders the verdict', () => {
    const base = report('a', 1_000, 5_000);
    const current = {
      ...report('b', 1_000, 6_000),
      scenarios: report('b', 1_000, 6_000).scenarios.slice(0, 1),
    };
    const result = compareReports(base, current);
    expect(result.unmatched).toEqual(['sustained']);
    const text = renderComparison(result);
    expect(text).toContain('Only in one report: sustained');
    expect(text).toMatch(/built +5\.00 s +6\.00 s +\+1\.00 s \(\+20%\)/);
    expect(text).toContain('regression');
  });
});
