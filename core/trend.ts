import { bottlenecks } from './bottlenecks.js';
import { type CompareOptions, compareReports, DEFAULT_COMPARE, type Stat } from './compare.js';
import { percentile, sortValues } from './percentiles.js';
import type { Report } from './report-model.js';
import { metricValues, scenarioSessions } from './report-values.js';

/**
 * Trends over runs: p50 and p95 of every stage and the total per scenario,
 * run after run (oldest first), each run's verdict and bottlenecks, and the
 * change points: where a figure changed credibly from the previous run, by
 * the same tests as `bench compare` (core/compare.ts).
 */

export interface TrendRun {
  readonly runId: string;
  readonly profile: string;
  readonly startedAt: number;
  readonly verdict: 'pass' | 'fail';
  readonly partial: boolean;
  readonly bottlenecks: readonly {
    readonly scenario: string;
    readonly stage: string | null;
    readonly text: string;
  }[];
}

export interface TrendPoint {
  readonly p50: number;
  readonly p95: number;
  readonly n: number;
}

export interface ChangePoint {
  /** Index into `runs` of the run where the change shows (compared with the run before). */
  readonly run: number;
  readonly stat: Stat;
  readonly direction: 'regression' | 'improvement';
  readonly evidence: string;
}

export interface TrendSeries {
  readonly scenario: string;
  readonly metric: string;
  /** One per run; null when that run has no value. */
  readonly points: readonly (TrendPoint | null)[];
  readonly changes: readonly ChangePoint[];
}

export interface Trend {
  readonly runs: readonly TrendRun[];
  readonly series: readonly TrendSeries[];
  readonly warnings: readonly string[];
}

export function buildTrend(reports: readonly Report[], options: CompareOptions = DEFAULT_COMPARE): Trend {
  const ordered = [...reports].sort((a, b) => a.startedAt - b.startedAt || a.runId.localeCompare(b.runId));
  const runs = ordered.map(
    (r): TrendRun => ({
      runId: r.runId,
      profile: r.profile,
      startedAt: r.startedAt,
      verdict: r.verdict,
      partial: r.partial !== undefined,
      bottlenecks: bottlenecks(r).map((v) => ({ scenario: v.scenario, stage: v.bottleneck, text: v.text })),
    }),
  );
  const scenarios = unique(ordered.flatMap((r) => r.scenarios.map((s) => s.name)));
  const metrics = [...unique(ordered.flatMap((r) => r.stageNames)), 'total'];
  const changes = new Map<string, ChangePoint[]>();
  for (let i = 1; i < ordered.length; i += 1) {
    const comparison = compareReports(ordered[i - 1]!, ordered[i]!, options);
    for (const row of comparison.rows) {
      if (row.verdict !== 'regression' && row.verdict !== 'improvement') continue;
      const key = `${row.scenario}\u0000${row.metric}`;
      changes.set(key, [
        ...(changes.get(key) ?? []),
        { run: i, stat: row.stat, direction: row.verdict, evidence: row.evidence },
      ]);
    }
  }
  const series: TrendSeries[] = [];
  for (const scenario of scenarios) {
    for (const metric of metrics) {
      const points = ordered.map((r) => {
        if (!r.scenarios.some((s) => s.name === scenario)) return null;
        const values = sortValues(metricValues(scenarioSessions(r, scenario), metric));
        return values.length === 0
          ? null
          : { p50: percentile(values, 50), p95: percentile(values, 95), n: values.length };
      });
      if (points.every((p) => p === null)) continue;
      series.push({ scenario, metric, points, changes: changes.get(`${scenario}\u0000${metric}`) ?? [] });
    }
  }
  const profiles = unique(ordered.map((r) => r.profile));
  const warnings =
    profiles.length > 1 ? [`runs of ${profiles.length} different profiles: ${profiles.join(', ')}`] : [];
  return { runs, series, warnings };
}

function unique(values: readonly string[]): string[] {
  return [...new Set(values)];
}
