import { type Pending, p50Row, p95Row, rateRow } from './compare-rows.js';
import type { Interval, Report } from './report-model.js';
import { metricValues, scenarioSessions } from './report-values.js';
import { holmAdjust } from './significance.js';

/**
 * Compares two reports scenario by scenario, from their raw per-session
 * values, and calls a change credible only when the data can carry it:
 *
 * - **p50** of every stage, the total and lateness: a Mann–Whitney rank test
 *   (does one run tend to be slower?), with at least `minSessions` values a
 *   side, its p-value adjusted (Holm) over every test of the comparison so
 *   that dozens of stages do not raise a false alarm between them;
 * - **p95**: the two 95 % distribution-free intervals (core/percentiles.ts)
 *   do not overlap; below 59 values a side there is no interval, and no
 *   verdict on p95;
 * - **success rate**: Fisher's exact test, in the same Holm family.
 *
 * A credible difference must also be material: larger than `tolerance` of
 * the baseline and than `minDeltaMs` (a rate: than `successDrop`; an S3
 * stage: than its one-second resolution). The
 * comparison warns when the two runs come from different profiles or stage
 * sets: their figures may not measure the same thing.
 */

export interface CompareOptions {
  /** Relative change that matters (0.1 = 10 %). */
  readonly tolerance: number;
  /** Absolute change (ms) a duration must also exceed. */
  readonly minDeltaMs: number;
  /** Change of the success rate (a fraction, 0.05 = 5 points) that matters. */
  readonly successDrop: number;
  /** Family-wise false-alarm rate of the tests (0.05). */
  readonly alpha: number;
  /** Fewest values a side for a rank test or a rate test. */
  readonly minSessions: number;
}

export const DEFAULT_COMPARE: CompareOptions = {
  tolerance: 0.1,
  minDeltaMs: 100,
  successDrop: 0.05,
  alpha: 0.05,
  minSessions: 8,
};

/** S3's LastModified resolution: an S3 stage's change must exceed it to matter. */
export const S3_RESOLUTION_MS = 1_000;

export type Stat = 'p50' | 'p95' | 'rate';
/** `regression` / `improvement`: credible and material; `same`: no credible, material change; `insufficient`: too little data to say. */
export type Verdict = 'regression' | 'improvement' | 'same' | 'insufficient';

export interface ComparisonRow {
  readonly scenario: string;
  /** A stage name, `total`, `lateness`, or `success`. */
  readonly metric: string;
  readonly stat: Stat;
  readonly baseline: number | null;
  readonly current: number | null;
  /** current - baseline (ms, or a fraction for the rate); null when either is missing. */
  readonly delta: number | null;
  /** delta / |baseline|; null when not computable. */
  readonly relative: number | null;
  readonly n: { readonly baseline: number; readonly current: number };
  /** The test's p-value, Holm-adjusted over the comparison (p50 and rate rows). */
  readonly p?: number;
  /** The 95 % intervals (p95 rows, when both sides have enough values). */
  readonly intervals?: { readonly baseline: Interval; readonly current: Interval };
  readonly verdict: Verdict;
  /** How sure, in words: the test and its outcome, or why there is no verdict. */
  readonly evidence: string;
  /** Kept for readers of the previous shape: verdict === 'regression'. */
  readonly regression: boolean;
}

export interface RunRef {
  readonly runId: string;
  readonly profile: string;
  readonly startedAt: number;
  readonly partial: boolean;
}

export interface Comparison {
  readonly baseline: RunRef;
  readonly current: RunRef;
  readonly options: CompareOptions;
  readonly rows: readonly ComparisonRow[];
  readonly regressions: number;
  readonly improvements: number;
  /** Scenarios in only one of the two reports. */
  readonly unmatched: readonly string[];
  /** Why the two runs may not be comparable (different profiles, stage sets, a partial run). */
  readonly warnings: readonly string[];
}

export function compareReports(
  baseline: Report,
  current: Report,
  options: CompareOptions = DEFAULT_COMPARE,
): Comparison {
  const before = new Set(baseline.scenarios.map((s) => s.name));
  const after = new Set(current.scenarios.map((s) => s.name));
  const stageNames = [...new Set([...baseline.stageNames, ...current.stageNames])];
  // An S3 milestone has whole seconds, and the rounding is shared by a run's sessions (sent together):
  // a change smaller than that resolution is not material, however many sessions agree on it.
  const milestones = new Set(
    [...(baseline.stageInfo ?? []), ...(current.stageInfo ?? [])]
      .filter((s) => s.source === 's3')
      .map((s) => s.name),
  );
  const optionsFor = (metric: string): CompareOptions =>
    milestones.has(metric)
      ? { ...options, minDeltaMs: Math.max(options.minDeltaMs, S3_RESOLUTION_MS) }
      : options;
  const scopes: (string | null)[] = current.scenarios.filter((s) => before.has(s.name)).map((s) => s.name);
  // The whole run, when it has more than one scenario (otherwise it would repeat the one).
  if (current.scenarios.length > 1 && baseline.scenarios.length > 1) scopes.push(null);

  const pending: Pending[] = [];
  const fixed: ComparisonRow[] = [];
  for (const scope of scopes) {
    const b = scenarioSessions(baseline, scope);
    const c = scenarioSessions(current, scope);
    const scenario = scope ?? 'all';
    for (const metric of [...stageNames, 'total', 'lateness']) {
      const bv = metricValues(b, metric);
      const cv = metricValues(c, metric);
      if (bv.length === 0 && cv.length === 0) continue;
      pending.push(p50Row(scenario, metric, bv, cv, optionsFor(metric)));
      fixed.push(p95Row(scenario, metric, bv, cv, optionsFor(metric)));
    }
    pending.push(rateRow(scenario, b, c, options));
  }
  const adjusted = holmAdjust(pending.filter((r) => r.rawP !== null).map((r) => r.rawP!));
  let k = 0;
  const tested = pending.map((entry): ComparisonRow => {
    if (entry.rawP === null)
      return { ...entry.row, verdict: 'insufficient', evidence: entry.evidence, regression: false };
    const p = adjusted[k++]!;
    const credible = p < options.alpha;
    const verdict: Verdict =
      credible && entry.material ? (entry.direction > 0 ? 'regression' : 'improvement') : 'same';
    // p: how often runs of one unchanged target would differ this clearly by chance (after Holm's adjustment).
    const sure = credible
      ? `${entry.evidence}; p = ${formatP(p)} after Holm: chance alone would rarely do this`
      : `${entry.evidence}; p = ${formatP(p)} after Holm: within chance`;
    const why = credible && !entry.material ? `${sure}; too small to matter` : sure;
    return { ...entry.row, p, verdict, evidence: why, regression: verdict === 'regression' };
  });
  // Keep the rows in reading order: each scenario's p50 and p95 of each metric, then its rate.
  const rows = [...tested, ...fixed].sort(
    (x, y) =>
      order(scopes, x.scenario) - order(scopes, y.scenario) ||
      metricOrder(stageNames, x.metric) - metricOrder(stageNames, y.metric) ||
      statOrder(x.stat) - statOrder(y.stat),
  );
  return {
    baseline: ref(baseline),
    current: ref(current),
    options,
    rows,
    regressions: rows.filter((r) => r.verdict === 'regression').length,
    improvements: rows.filter((r) => r.verdict === 'improvement').length,
    unmatched: [...before, ...after].filter((name) => !(before.has(name) && after.has(name))).filter(unique),
    warnings: warnings(baseline, current),
  };
}

function warnings(baseline: Report, current: Report): string[] {
  const out: string[] = [];
  if (baseline.profile !== current.profile)
    out.push(
      `different profiles: ${baseline.profile} vs ${current.profile}; the runs may not measure the same thing`,
    );
  const bs = baseline.stageNames.join(', ');
  const cs = current.stageNames.join(', ');
  if (bs !== cs)
    out.push(`different stage sets: [${bs}] vs [${cs}]; segments of the stages around a change differ`);
  for (const [which, report] of [
    ['baseline', baseline],
    ['current', current],
  ] as const) {
    if (report.partial) out.push(`the ${which} run was interrupted: its report is partial`);
  }
  return out;
}

function ref(report: Report): RunRef {
  return {
    runId: report.runId,
    profile: report.profile,
    startedAt: report.startedAt,
    partial: report.partial !== undefined,
  };
}

export function formatP(p: number): string {
  return p < 0.0001 ? '< 0.0001' : p.toFixed(p < 0.01 ? 4 : 3);
}

const unique = <T>(value: T, index: number, all: readonly T[]): boolean => all.indexOf(value) === index;
const order = (scopes: readonly (string | null)[], scenario: string): number => {
  const i = scopes.indexOf(scenario === 'all' ? null : scenario);
  return i < 0 ? scopes.length : i;
};
const metricOrder = (stages: readonly string[], metric: string): number => {
  const extra = ['total', 'lateness', 'success'];
  return stages.includes(metric) ? stages.indexOf(metric) : stages.length + extra.indexOf(metric);
};
const statOrder = (stat: Stat): number => ['p50', 'p95', 'rate'].indexOf(stat);
