import { mean, percentile, sortValues } from './percentiles.js';
import type { Threshold } from './profile.js';
import type { ThresholdReport } from './report-model.js';
import { compare, parseCondition, ThresholdError } from './thresholds.js';

/** What a threshold is checked against: the raw values of a metric, and the session counts, of its scope. */
export interface ThresholdData {
  values(metric: string): number[];
  readonly ok: number;
  readonly planned: number;
}

/**
 * A threshold's verdict: `success` is ok / planned; any other metric's
 * aggregate is computed from its raw values (nearest-rank percentiles, as in
 * the tables). No data is a failure, never a pass.
 */
export function evaluateThreshold(threshold: Threshold, data: ThresholdData): ThresholdReport {
  const base = {
    metric: threshold.metric,
    scenario: threshold.scenario ?? null,
    condition: threshold.condition,
  };
  let condition: ReturnType<typeof parseCondition>;
  try {
    condition = parseCondition(threshold.condition);
  } catch (error) {
    if (!(error instanceof ThresholdError)) throw error;
    return { ...base, actual: null, count: 0, ok: false, error: error.message };
  }
  const { aggregate: agg } = condition;
  if ((threshold.metric === 'success') !== (agg.kind === 'rate')) {
    const error = `metric "${threshold.metric}" cannot take a ${agg.kind === 'rate' ? 'rate' : 'duration'} condition`;
    return { ...base, actual: null, count: 0, ok: false, error };
  }
  let actual: number | null = null;
  let count: number;
  if (threshold.metric === 'success') {
    count = data.planned;
    if (count > 0) actual = data.ok / count;
  } else {
    const sorted = sortValues(data.values(threshold.metric));
    count = sorted.length;
    if (count > 0) {
      if (agg.kind === 'percentile') actual = percentile(sorted, agg.p);
      else if (agg.kind === 'med') actual = percentile(sorted, 50);
      else if (agg.kind === 'avg') actual = mean(sorted);
      else if (agg.kind === 'min') actual = sorted[0]!;
      else if (agg.kind === 'max') actual = sorted.at(-1)!;
    }
  }
  const ok = actual !== null && compare(actual, condition.operator, condition.value);
  return { ...base, actual, count, ok };
}
