import type { AggregateReport, Report, Summary } from './report-model.js';

/**
 * Compares two reports of the same profile, scenario by scenario: p50 and p95
 * of every stage, the total and lateness, and the success rate. A duration
 * regressed when it grew by more than `tolerance` and by more than
 * `minDeltaMs` (so noise on millisecond stages is not a regression); the
 * success rate regressed when it fell by more than `successDrop`.
 */

export interface CompareOptions {
  /** Relative growth that counts as a regression (0.1 = 10 %). */
  readonly tolerance: number;
  /** Absolute growth (ms) a duration must also exceed. */
  readonly minDeltaMs: number;
  /** Drop of the success rate (a fraction, 0.05 = 5 points) that counts as a regression. */
  readonly successDrop: number;
}

export const DEFAULT_COMPARE: CompareOptions = { tolerance: 0.1, minDeltaMs: 100, successDrop: 0.05 };

export interface ComparisonRow {
  readonly scenario: string;
  /** A stage name, `total`, `lateness`, or `success`. */
  readonly metric: string;
  readonly stat: 'p50' | 'p95' | 'rate';
  readonly baseline: number | null;
  readonly current: number | null;
  /** current - baseline (ms, or a fraction for the rate); null when either is missing. */
  readonly delta: number | null;
  readonly regression: boolean;
}

export interface Comparison {
  readonly baseline: { readonly runId: string; readonly profile: string; readonly startedAt: number };
  readonly current: { readonly runId: string; readonly profile: string; readonly startedAt: number };
  readonly rows: readonly ComparisonRow[];
  readonly regressions: number;
  /** Scenarios in only one of the two reports. */
  readonly unmatched: readonly string[];
}

export function compareReports(
  baseline: Report,
  current: Report,
  options: CompareOptions = DEFAULT_COMPARE,
): Comparison {
  const rows: ComparisonRow[] = [];
  const before = new Map(baseline.scenarios.map((s) => [s.name, s]));
  const after = new Map(current.scenarios.map((s) => [s.name, s]));
  const stageNames = [...new Set([...baseline.stageNames, ...current.stageNames])];
  const scenarios: [string, AggregateReport | undefined, AggregateReport | undefined][] = [
    ...current.scenarios
      .filter((s) => before.has(s.name))
      .map(
        (s) =>
          [s.name, before.get(s.name), s] as [
            string,
            AggregateReport | undefined,
            AggregateReport | undefined,
          ],
      ),
  ];
  // The whole run, when it has more than one scenario (otherwise it would repeat the one).
  if (current.scenarios.length > 1) scenarios.push(['all', baseline.overall, current.overall]);
  for (const [scenario, b, c] of scenarios) {
    const durations: [string, Summary | null | undefined, Summary | null | undefined][] = [
      ...stageNames.map(
        (n) =>
          [n, b?.stages[n], c?.stages[n]] as [string, Summary | null | undefined, Summary | null | undefined],
      ),
      ['total', b?.total, c?.total],
      ['lateness', b?.lateness, c?.lateness],
    ];
    for (const [metric, bs, cs] of durations) {
      for (const stat of ['p50', 'p95'] as const) {
        rows.push(durationRow(scenario, metric, stat, bs?.[stat] ?? null, cs?.[stat] ?? null, options));
      }
    }
    const rb = b && b.sessions.planned > 0 ? b.successRate : null;
    const rc = c && c.sessions.planned > 0 ? c.successRate : null;
    const delta = rb !== null && rc !== null ? rc - rb : null;
    rows.push({
      scenario,
      metric: 'success',
      stat: 'rate',
      baseline: rb,
      current: rc,
      delta,
      regression: delta !== null && -delta > options.successDrop,
    });
  }
  const unmatched = [...before.keys(), ...after.keys()].filter(
    (name) => !(before.has(name) && after.has(name)),
  );
  return {
    baseline: { runId: baseline.runId, profile: baseline.profile, startedAt: baseline.startedAt },
    current: { runId: current.runId, profile: current.profile, startedAt: current.startedAt },
    rows,
    regressions: rows.filter((r) => r.regression).length,
    unmatched: [...new Set(unmatched)],
  };
}

function durationRow(
  scenario: string,
  metric: string,
  stat: 'p50' | 'p95',
  baseline: number | null,
  current: number | null,
  options: CompareOptions,
): ComparisonRow {
  const delta = baseline !== null && current !== null ? current - baseline : null;
  const regression =
    delta !== null &&
    baseline !== null &&
    delta > options.minDeltaMs &&
    delta > Math.abs(baseline) * options.tolerance;
  return { scenario, metric, stat, baseline, current, delta, regression };
}
