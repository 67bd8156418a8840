/** Raw values of one datapoint: (value, count) pairs, or an aggregated statistic set. */
export interface MetricSample {
  values: [value: number, count: number][];
  statSet?: { sampleCount: number; sum: number; minimum: number; maximum: number };
}

const PERCENTILE = /^p(\d{1,2}(?:\.\d{1,10})?|100(?:\.0{1,10})?)$/;
const STATS = new Set(['Average', 'Sum', 'Minimum', 'Maximum', 'SampleCount']);

/** True for the statistics the local endpoint computes: the five basic ones and pNN(.NN). */
export const isSupportedStat = (stat: string): boolean => STATS.has(stat) || PERCENTILE.test(stat);

/**
 * Computes one statistic over the samples of a period bucket. Percentiles use
 * the nearest-rank method over the raw values, each weighted by its count, so
 * `Values: [1, 2], Counts: [99, 1]` is the same as 99 ones and a two. Returns
 * undefined when the statistic has no data (as CloudWatch omits the point).
 */
export function computeStat(samples: MetricSample[], stat: string): number | undefined {
  let count = 0;
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  const weighted: [number, number][] = [];
  for (const sample of samples) {
    for (const [value, n] of sample.values) {
      if (n <= 0) continue;
      count += n;
      sum += value * n;
      min = Math.min(min, value);
      max = Math.max(max, value);
      weighted.push([value, n]);
    }
    if (sample.statSet !== undefined) {
      count += sample.statSet.sampleCount;
      sum += sample.statSet.sum;
      min = Math.min(min, sample.statSet.minimum);
      max = Math.max(max, sample.statSet.maximum);
    }
  }
  if (count === 0) return undefined;
  switch (stat) {
    case 'SampleCount':
      return count;
    case 'Sum':
      return sum;
    case 'Average':
      return sum / count;
    case 'Minimum':
      return min;
    case 'Maximum':
      return max;
  }
  const match = PERCENTILE.exec(stat);
  if (match === null || weighted.length === 0) return undefined;
  return weightedPercentile(weighted, Number(match[1]));
}

/** Nearest rank: the smallest value whose cumulative count reaches ceil(p/100 * total). */
export function weightedPercentile(pairs: [number, number][], p: number): number | undefined {
  const sorted = [...pairs].sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((sum, [, n]) => sum + n, 0);
  if (total <= 0) return undefined;
  const rank = Math.max(Math.ceil((p / 100) * total - 1e-9), 1);
  let seen = 0;
  for (const [value, n] of sorted) {
    seen += n;
    if (seen >= rank - 1e-9) return value;
  }
  return sorted[sorted.length - 1]?.[0];
}
