/**
 * One row of a comparison (core/compare.ts) each: the p50 rank test, the p95
 * intervals, and the success-rate test, with their evidence in words. The
 * p50 and rate rows are pending until the comparison adjusts their p-values
 * together (Holm).
 */
import type { CompareOptions, ComparisonRow, Stat, Verdict } from './compare.js';
import { percentile, quantileInterval, sortValues } from './percentiles.js';
import type { Interval, SessionReport } from './report-model.js';
import { fisherExact, rankTest } from './significance.js';

export interface Pending {
  readonly row: Omit<ComparisonRow, 'verdict' | 'evidence' | 'regression' | 'p'>;
  readonly rawP: number | null;
  readonly direction: number;
  readonly material: boolean;
  readonly evidence: string;
}

export function p50Row(
  scenario: string,
  metric: string,
  bv: readonly number[],
  cv: readonly number[],
  options: CompareOptions,
): Pending {
  const b = bv.length > 0 ? percentile(sortValues(bv), 50) : null;
  const c = cv.length > 0 ? percentile(sortValues(cv), 50) : null;
  const row = base(scenario, metric, 'p50', b, c, bv.length, cv.length);
  const material = isMaterial(row.delta, b, options);
  if (bv.length < options.minSessions || cv.length < options.minSessions) {
    return {
      row,
      rawP: null,
      direction: 0,
      material,
      evidence: `n ${bv.length} / ${cv.length}: a rank test needs ${options.minSessions} sessions a side`,
    };
  }
  const test = rankTest(bv, cv);
  return {
    row,
    rawP: test.p,
    direction: Math.sign(test.probabilityGreater - 0.5) || Math.sign(row.delta ?? 0),
    material,
    evidence: `rank test: a current session is slower than a baseline one ${(test.probabilityGreater * 100).toFixed(0)} % of the time (n ${bv.length} / ${cv.length})`,
  };
}

export function p95Row(
  scenario: string,
  metric: string,
  bv: readonly number[],
  cv: readonly number[],
  options: CompareOptions,
): ComparisonRow {
  const bs = sortValues(bv);
  const cs = sortValues(cv);
  const b = bs.length > 0 ? percentile(bs, 95) : null;
  const c = cs.length > 0 ? percentile(cs, 95) : null;
  const row = base(scenario, metric, 'p95', b, c, bs.length, cs.length);
  const bi = quantileInterval(bs, 95);
  const ci = quantileInterval(cs, 95);
  if (!bi || !ci) {
    return {
      ...row,
      verdict: 'insufficient',
      evidence: `n ${bs.length} / ${cs.length}: a 95 % interval of p95 needs 59 sessions a side`,
      regression: false,
    };
  }
  const apart = ci.low > bi.high ? 1 : ci.high < bi.low ? -1 : 0;
  const material = isMaterial(row.delta, b, options);
  const verdict: Verdict = apart !== 0 && material ? (apart > 0 ? 'regression' : 'improvement') : 'same';
  const span = (i: Interval) => `${Math.round(i.low)}–${Math.round(i.high)} ms`;
  const evidence =
    apart === 0
      ? `95 % intervals ${span(bi)} and ${span(ci)} overlap: could be noise`
      : `95 % intervals ${span(bi)} and ${span(ci)} do not overlap${material ? '' : '; too small to matter'}`;
  return {
    ...row,
    intervals: { baseline: bi, current: ci },
    verdict,
    evidence,
    regression: verdict === 'regression',
  };
}

export function rateRow(
  scenario: string,
  b: readonly SessionReport[],
  c: readonly SessionReport[],
  options: CompareOptions,
): Pending {
  const okB = b.filter((s) => s.status === 'ok').length;
  const okC = c.filter((s) => s.status === 'ok').length;
  const rb = b.length > 0 ? okB / b.length : null;
  const rc = c.length > 0 ? okC / c.length : null;
  const row = base(scenario, 'success', 'rate', rb, rc, b.length, c.length);
  const material = row.delta !== null && Math.abs(row.delta) > options.successDrop;
  if (b.length < options.minSessions || c.length < options.minSessions) {
    return {
      row,
      rawP: null,
      direction: 0,
      material,
      evidence: `n ${b.length} / ${c.length}: a rate test needs ${options.minSessions} sessions a side`,
    };
  }
  // A falling success rate is the regression: direction is the sign of the drop.
  return {
    row,
    rawP: fisherExact(okB, b.length, okC, c.length),
    direction: -Math.sign(row.delta ?? 0),
    material,
    evidence: `Fisher's exact test: ${okB}/${b.length} → ${okC}/${c.length} ok`,
  };
}

function base(
  scenario: string,
  metric: string,
  stat: Stat,
  baseline: number | null,
  current: number | null,
  nb: number,
  nc: number,
): Omit<ComparisonRow, 'verdict' | 'evidence' | 'regression' | 'p'> {
  const delta = baseline !== null && current !== null ? current - baseline : null;
  const relative = delta !== null && baseline ? delta / Math.abs(baseline) : null;
  return { scenario, metric, stat, baseline, current, delta, relative, n: { baseline: nb, current: nc } };
}

function isMaterial(delta: number | null, baseline: number | null, options: CompareOptions): boolean {
  if (delta === null || baseline === null) return false;
  return Math.abs(delta) > options.minDeltaMs && Math.abs(delta) > Math.abs(baseline) * options.tolerance;
}
