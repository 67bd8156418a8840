/**
 * Statistics of raw values, computed once from all of them (never from other
 * percentiles).
 *
 * Percentile definition, used everywhere in the project (report, thresholds,
 * renderers): **nearest rank**. The p-th percentile of n values sorted
 * ascending is the value at 1-based rank ceil(p / 100 × n). It is always a
 * value some session measured (no interpolation), so every percentile in a
 * report points at a session record; p(100) is the maximum, and p50 of an even
 * count is the lower of the two middle values.
 */
import type { Interval, Summary } from './report-model.js';

/** The 1-based rank of the p-th percentile among n values (nearest rank). */
export function percentileRank(n: number, p: number): number {
  if (!Number.isInteger(n) || n < 1)
    throw new RangeError(`percentileRank: n must be an integer >= 1, got ${n}`);
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentileRank: p must be in (0, 100], got ${p}`);
  const exact = (p * n) / 100;
  // p * n / 100 can land a hair above an integer (e.g. 99.9 * 1000 / 100); such a rank is that integer.
  const nearest = Math.round(exact);
  const rank = Math.abs(exact - nearest) < 1e-9 ? nearest : Math.ceil(exact);
  return Math.min(n, Math.max(1, rank));
}

/** The p-th percentile (0 < p <= 100) of values already sorted ascending, by nearest rank. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new RangeError('percentile: no values');
  return sorted[percentileRank(sorted.length, p) - 1]!;
}

/** Arithmetic mean, clamped to [min, max] so that float rounding cannot push it outside the data. */
export function mean(sorted: readonly number[]): number {
  if (sorted.length === 0) throw new RangeError('mean: no values');
  let sum = 0;
  for (const value of sorted) sum += value;
  return Math.min(sorted.at(-1)!, Math.max(sorted[0]!, sum / sorted.length));
}

/** Sorts a copy ascending; rejects NaN and infinities, which no measurement can produce. */
export function sortValues(values: readonly number[]): number[] {
  for (const value of values) {
    if (!Number.isFinite(value))
      throw new RangeError(`statistics: values must be finite numbers, got ${value}`);
  }
  return [...values].sort((a, b) => a - b);
}

/** count, min, p50, p90, p95, p99, max, mean of raw values; null when there are none. */
export function summarize(values: readonly number[]): Summary | null {
  if (values.length === 0) return null;
  const sorted = sortValues(values);
  const interval = quantileInterval(sorted, 95);
  return {
    count: sorted.length,
    min: sorted[0]!,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1)!,
    mean: mean(sorted),
    ...(interval ? { p95Interval: interval } : {}),
  };
}

/**
 * Distribution-free confidence interval for the p-th percentile: the order
 * statistics [x(l), x(u)] that cover the true percentile with probability at
 * least `confidence`, from the binomial distribution of how many values fall
 * below it (each tail gets at most (1 - confidence) / 2). Null when n is too
 * small for such ranks to exist within the data (for p95 at 95 %, below 59
 * values): then the sample cannot pin the percentile down.
 */
export function quantileInterval(sorted: readonly number[], p: number, confidence = 0.95): Interval | null {
  const n = sorted.length;
  if (n === 0) return null;
  const q = p / 100;
  const tail = (1 - confidence) / 2;
  const cdf = binomialCdf(n, q);
  // P(B <= l - 1) <= tail, with B the number of values below the percentile: l is the lower rank.
  let lower = 0;
  while (lower < n && cdf[lower]! <= tail) lower += 1;
  // P(B >= u) <= tail  <=>  P(B <= u - 1) >= 1 - tail: u is the upper rank.
  let upper = 1;
  while (upper <= n && cdf[upper - 1]! < 1 - tail) upper += 1;
  if (lower < 1 || upper > n) return null;
  return { low: sorted[lower - 1]!, high: sorted[upper - 1]!, confidence };
}

/** cdf[k] = P(B <= k) for B ~ Binomial(n, q), computed in log space so large n does not underflow. */
function binomialCdf(n: number, q: number): number[] {
  const logQ = Math.log(q);
  const log1Q = Math.log1p(-q);
  const cdf: number[] = [];
  let logChoose = 0;
  let sum = 0;
  for (let k = 0; k <= n; k += 1) {
    if (k > 0) logChoose += Math.log(n - k + 1) - Math.log(k);
    const term = q === 1 ? (k === n ? 1 : 0) : Math.exp(logChoose + k * logQ + (n - k) * log1Q);
    sum += term;
    cdf.push(Math.min(1, sum));
  }
  return cdf;
}
