import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fisherExact, holmAdjust, normalUpperTail, rankTest } from '../../core/significance.js';

describe('normalUpperTail', () => {
  it.each([
    [0, 0.5],
    [1.6448536, 0.05],
    [1.959964, 0.025],
    [-1.959964, 0.975],
    [3.290527, 0.0005],
  ])('P(Z > %f) = %f', (z, p) => {
    expect(normalUpperTail(z)).toBeCloseTo(p, 5);
  });
});

describe('rankTest', () => {
  it('gives U, a two-sided p and the probability of a larger value', () => {
    // Textbook: a = 1..5, b = 6..10: every b exceeds every a, U = 25; exact two-sided p = 2/252 ≈ 0.0079.
    const apart = rankTest([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);
    expect(apart.u).toBe(25);
    expect(apart.probabilityGreater).toBe(1);
    expect(apart.p).toBeGreaterThan(0.0079);
    expect(apart.p).toBeLessThan(0.02);
    const same = rankTest([1, 2, 3, 4, 5], [1, 2, 3, 4, 5]);
    expect(same.u).toBe(12.5);
    expect(same.p).toBeCloseTo(1, 6);
  });

  it('is symmetric and between 0 and 1', () => {
    const sample = fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 30 });
    fc.assert(
      fc.property(sample, sample, (a, b) => {
        const ab = rankTest(a, b);
        const ba = rankTest(b, a);
        expect(ab.p).toBeCloseTo(ba.p, 12);
        expect(ab.probabilityGreater + ba.probabilityGreater).toBeCloseTo(1, 12);
        expect(ab.p).toBeGreaterThanOrEqual(0);
        expect(ab.p).toBeLessThanOrEqual(1);
      }),
    );
  });
});

describe('fisherExact', () => {
  it('matches known two-sided values', () => {
    // The lady tasting tea: 3 of 4 right each way, two-sided p = 0.4857.
    expect(fisherExact(3, 4, 1, 4)).toBeCloseTo(0.4857, 4);
    expect(fisherExact(10, 10, 0, 10)).toBeCloseTo(1.0825e-5, 8);
    expect(fisherExact(5, 10, 5, 10)).toBe(1);
  });
});

describe('holmAdjust', () => {
  it('multiplies the k-th smallest p by (m - k + 1), keeps the order, and caps at 1', () => {
    expect(holmAdjust([0.01, 0.04, 0.03, 0.5])).toEqual([0.04, 0.09, 0.09, 0.5]);
    expect(holmAdjust([0.6, 0.9])).toEqual([1, 1]);
    expect(holmAdjust([])).toEqual([]);
  });
});
