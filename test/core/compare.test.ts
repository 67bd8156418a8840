import { describe, expect, it } from 'vitest';
import { compareReports, DEFAULT_COMPARE } from '../../core/compare.js';
import type { SessionRecord } from '../../core/records.js';
import { renderComparison, renderComparisonMarkdown } from '../../core/render-compare.js';
import { buildReport } from '../../core/report.js';
import type { Report } from '../../core/report-model.js';
import { pipelineProfile } from '../fixtures/profile.js';

const PROFILE = pipelineProfile(['received', 'built'], {
  name: 'cmp',
  scenarios: [
    { type: 'burst', sessions: 12 },
    { type: 'sustained', ratePerMinute: 12, durationMinutes: 1 },
  ],
});

/**
 * A report of `n` sessions a scenario: `received` then `built` ms, each
 * session a little different (±5 %, in a fixed order), all ok unless `failed`
 * says how many of the burst fail.
 */
function report(
  runId: string,
  received: number,
  built: number,
  failed = 0,
  profile = PROFILE,
  n = 12,
): Report {
  const sessions: SessionRecord[] = ['burst', 'sustained'].flatMap((scenario) =>
    Array.from({ length: n }, (_, index) => {
      const jitter = 1 + (((index * 7) % 12) - 6) / 120 + index / 10_000;
      return {
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
        stages: { received: received * jitter, built: (received + built) * jitter },
        status: scenario === 'burst' && index < failed ? ('failed' as const) : ('ok' as const),
      };
    }),
  );
  return buildReport({
    run: { runId, profile, startedAt: 0 },
    sessions,
    taskSamples: [],
    cpu: null,
    memory: null,
    finishedAt: 1,
  });
}

describe('compareReports', () => {
  it('finds no change between equal runs', () => {
    const result = compareReports(report('a', 1_000, 5_000), report('b', 1_000, 5_000));
    expect(result.regressions).toBe(0);
    expect(result.warnings).toEqual([]);
    const built = result.rows.filter((r) => r.metric === 'built' && r.scenario === 'burst');
    expect(built.map((r) => [r.stat, r.delta, r.verdict])).toEqual([
      ['p50', 0, 'same'],
      ['p95', 0, 'insufficient'],
    ]);
  });

  it('calls a credible, material p50 growth a regression, saying by how much and how sure', () => {
    const slower = compareReports(report('a', 1_000, 5_000), report('b', 1_000, 7_000));
    const built = slower.rows.filter((r) => r.metric === 'built' && r.regression);
    expect(built.map((r) => [r.scenario, r.stat])).toEqual([
      ['burst', 'p50'],
      ['sustained', 'p50'],
      ['all', 'p50'],
    ]);
    expect(built[0]!.relative!).toBeCloseTo(0.4, 2);
    expect(built[0]!.p!).toBeLessThan(0.05);
    expect(built[0]!.evidence).toMatch(
      /^rank test: a current session is slower than a baseline one \d+ % of the time \(n 12 \/ 12\); p = /,
    );
    expect(slower.rows.some((r) => r.metric === 'received' && r.regression)).toBe(false);
    expect(slower.rows.filter((r) => r.stat === 'p95').every((r) => r.verdict === 'insufficient')).toBe(true);
  });

  it('ignores a credible change under the minimum delta, however large in relative terms', () => {
    const result = compareReports(report('a', 10, 20), report('b', 10, 80));
    expect(result.regressions).toBe(0);
    expect(result.rows.find((r) => r.metric === 'built' && r.stat === 'p50')?.evidence).toContain(
      'too small to matter',
    );
    expect(
      compareReports(report('a', 10, 20), report('b', 10, 80), { ...DEFAULT_COMPARE, minDeltaMs: 10 })
        .regressions,
    ).toBeGreaterThan(0);
  });

  it('does not judge samples below the minimum n', () => {
    const result = compareReports(report('a', 1_000, 5_000), report('b', 1_000, 9_000), {
      ...DEFAULT_COMPARE,
      minSessions: 13,
    });
    const scoped = result.rows.filter((r) => r.scenario !== 'all' && r.stat === 'p50');
    expect(scoped.every((r) => r.verdict === 'insufficient')).toBe(true);
    expect(scoped[0]!.evidence).toBe('n 12 / 12: a rank test needs 13 sessions a side');
    expect(result.rows.filter((r) => r.regression).every((r) => r.scenario === 'all')).toBe(true);
  });

  it("calls a success-rate drop a regression only when Fisher's test says it is credible", () => {
    const fewFailed = compareReports(report('a', 1_000, 5_000), report('b', 1_000, 5_000, 2));
    expect(fewFailed.rows.filter((r) => r.metric === 'success' && r.regression)).toEqual([]);
    const manyFailed = compareReports(report('a', 1_000, 5_000), report('b', 1_000, 5_000, 9));
    expect(
      manyFailed.rows.filter((r) => r.metric === 'success' && r.regression).map((r) => [r.scenario, r.delta]),
    ).toEqual([
      ['burst', -0.75],
      ['all', -0.375],
    ]);
  });

  it('uses the p95 intervals when both sides have enough sessions', () => {
    const result = compareReports(
      report('a', 1_000, 5_000, 0, PROFILE, 80),
      report('b', 1_000, 8_000, 0, PROFILE, 80),
    );
    const p95 = result.rows.find((r) => r.scenario === 'burst' && r.metric === 'built' && r.stat === 'p95')!;
    expect(p95.verdict).toBe('regression');
    expect(p95.evidence).toMatch(/^95 % intervals \d+–\d+ ms and \d+–\d+ ms do not overlap$/);
    const same = compareReports(
      report('a', 1_000, 5_000, 0, PROFILE, 80),
      report('b', 1_000, 5_000, 0, PROFILE, 80),
    );
    expect(same.rows.find((r) => r.metric === 'built' && r.stat === 'p95')!.evidence).toContain(
      'overlap: could be noise',
    );
  });

  it('warns about different profiles and stage sets, names unmatched scenarios, and renders text and Markdown', () => {
    const other = pipelineProfile(['received', 'tested', 'built'], {
      name: 'cmp2',
      scenarios: [{ type: 'burst', sessions: 12 }],
    });
    const current = report('b', 1_000, 7_000, 0, other);
    const result = compareReports(report('a', 1_000, 5_000), {
      ...current,
      scenarios: current.scenarios.slice(0, 1),
      sessions: current.sessions.filter((s) => s.scenario === 'burst'),
    });
    expect(result.warnings).toEqual([
      'different profiles: cmp vs cmp2; the runs may not measure the same thing',
      'different stage sets: [received, built] vs [received, tested, built]; segments of the stages around a change differ',
    ]);
    expect(result.unmatched).toEqual(['sustained']);
    const text = renderComparison(result);
    expect(text).toContain('⚠ different profiles');
    expect(text).toContain('Only in one report: sustained');
    // `tested` has no timestamps, so `built` has no segment now (a gap is never bridged): the total carries the change.
    expect(text).toMatch(
      /▲ regression: burst total p50 5\.\d\d s → 7\.\d\d s, \+1\.\d\d s \(\+33%\); rank test/,
    );
    expect(text).toContain('Result: 1 credible regression');
    const md = renderComparisonMarkdown(result);
    expect(md).toContain('> ⚠️ different profiles');
    expect(md).toMatch(/^\| total \| 12\/12 \|/m);
  });
});
