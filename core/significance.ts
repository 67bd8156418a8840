/**
 * The tests behind "credible" in a comparison (core/compare.ts) and in the
 * bottleneck verdicts (core/bottlenecks.ts). Distribution-free: latencies are
 * skewed and come in small samples, so nothing here assumes a normal shape.
 */

/** Standard normal upper tail P(Z > z), from the complementary error function (Abramowitz–Stegun 7.1.26, error < 1.5e-7). */
export function normalUpperTail(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erfc = poly * Math.exp(-x * x);
  return z >= 0 ? erfc / 2 : 1 - erfc / 2;
}

export interface RankTest {
  /** Mann–Whitney U of the second sample (how often one of its values exceeds one of the first's; ties count half). */
  readonly u: number;
  /** Two-sided p-value (normal approximation with tie and continuity corrections). */
  readonly p: number;
  /** P(a value of b > a value of a) + ½ P(equal): 0.5 means neither tends to be larger. */
  readonly probabilityGreater: number;
}

/**
 * Mann–Whitney U (Wilcoxon rank-sum) test of two independent samples: does
 * one tend to have larger values? The normal approximation is adequate from
 * about 8 values a side; callers require a minimum n before trusting it.
 */
export function rankTest(a: readonly number[], b: readonly number[]): RankTest {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('rankTest: both samples need values');
  const all = [...a.map((v) => ({ v, g: 0 })), ...b.map((v) => ({ v, g: 1 }))].sort((x, y) => x.v - y.v);
  let rankSumB = 0;
  let tieTerm = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && all[j + 1]!.v === all[i]!.v) j += 1;
    const rank = (i + j + 2) / 2;
    const ties = j - i + 1;
    tieTerm += ties ** 3 - ties;
    for (let k = i; k <= j; k += 1) if (all[k]!.g === 1) rankSumB += rank;
    i = j + 1;
  }
  const u = rankSumB - (n2 * (n2 + 1)) / 2;
  const n = n1 + n2;
  const meanU = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  const diff = Math.abs(u - meanU);
  const p =
    variance <= 0 ? 1 : Math.min(1, 2 * normalUpperTail(Math.max(0, diff - 0.5) / Math.sqrt(variance)));
  return { u, p, probabilityGreater: u / (n1 * n2) };
}

/** log(k!) by summation, cached: exact enough for the counts a run has. */
const logFactorials: number[] = [0];
function logFactorial(k: number): number {
  for (let i = logFactorials.length; i <= k; i += 1) logFactorials.push(logFactorials[i - 1]! + Math.log(i));
  return logFactorials[k]!;
}

/**
 * Fisher's exact test, two-sided, of a 2×2 table: ok / not ok in two runs.
 * The p-value sums the probabilities of every table with the same margins
 * that is no more likely than the one observed.
 */
export function fisherExact(okA: number, nA: number, okB: number, nB: number): number {
  const okTotal = okA + okB;
  const n = nA + nB;
  const logP = (x: number): number =>
    logFactorial(okTotal) +
    logFactorial(n - okTotal) +
    logFactorial(nA) +
    logFactorial(nB) -
    logFactorial(n) -
    logFactorial(x) -
    logFactorial(okTotal - x) -
    logFactorial(nA - x) -
    logFactorial(nB - okTotal + x);
  const observed = logP(okA);
  let p = 0;
  for (let x = Math.max(0, okTotal - nB); x <= Math.min(nA, okTotal); x += 1) {
    const lp = logP(x);
    if (lp <= observed + 1e-7) p += Math.exp(lp);
  }
  return Math.min(1, p);
}

/**
 * Holm–Bonferroni: adjusts a family of p-values so that the chance of any
 * false "credible" in the whole family stays under alpha (many stages times
 * many scenarios would otherwise raise some false alarm in most comparisons).
 */
export function holmAdjust(pValues: readonly number[]): number[] {
  const order = pValues.map((p, i) => ({ p, i })).sort((a, b) => a.p - b.p);
  const adjusted = new Array<number>(pValues.length).fill(1);
  let running = 0;
  order.forEach(({ p, i }, k) => {
    running = Math.max(running, Math.min(1, (pValues.length - k) * p));
    adjusted[i] = running;
  });
  return adjusted;
}
