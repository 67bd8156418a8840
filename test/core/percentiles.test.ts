import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  mean,
  percentile,
  percentileRank,
  quantileInterval,
  sortValues,
  summarize,
} from '../../core/percentiles.js';

const durations = fc.array(fc.integer({ min: -1_000, max: 10_000_000 }), { minLength: 1, maxLength: 300 });
const reals = fc.array(fc.double({ min: -1e9, max: 1e9, noNaN: true }), { minLength: 1, maxLength: 200 });

describe('percentileRank', () => {
  it.each([
    [10, 50, 5],
    [10, 90, 9],
    [10, 95, 10],
    [10, 99, 10],
    [20, 95, 19],
    [100, 99, 99],
    [1_000, 99.9, 999],
    [5, 30, 2],
    [5, 0.1, 1],
    [1, 50, 1],
    [3, 100, 3],
  ])('gives rank %i for p%s of n=%i as ceil(p/100 × n)', (n, p, rank) => {
    expect(percentileRank(n, p)).toBe(rank);
  });

  it.each([
    [0, 50],
    [10, 0],
    [10, 101],
    [10, Number.NaN],
  ])('rejects n=%s, p=%s', (n, p) => {
    expect(() => percentileRank(n, p)).toThrow(RangeError);
  });
});

describe('percentile', () => {
  it.each([
    [[15, 20, 35, 40, 50], 30, 20],
    [[15, 20, 35, 40, 50], 40, 20],
    [[15, 20, 35, 40, 50], 50, 35],
    [[15, 20, 35, 40, 50], 100, 50],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50, 5],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90, 9],
    [[1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95, 10],
  ])('of %j at p%i is %i (nearest rank, no interpolation)', (sorted, p, expected) => {
    expect(percentile(sorted, p)).toBe(expected);
  });

  it('throws on no values', () => {
    expect(() => percentile([], 50)).toThrow(RangeError);
  });

  it('returns a value with at least p% of values at or below it and fewer than p% strictly below', () => {
    fc.assert(
      fc.property(durations, fc.double({ min: 0.01, max: 100, noNaN: true }), (values, p) => {
        const sorted = sortValues(values);
        const value = percentile(sorted, p);
        const atOrBelow = sorted.filter((v) => v <= value).length;
        const below = sorted.filter((v) => v < value).length;
        expect(sorted).toContain(value);
        expect(atOrBelow).toBeGreaterThanOrEqual((p / 100) * sorted.length - 1e-9);
        expect(below).toBeLessThan((p / 100) * sorted.length + 1e-9);
      }),
    );
  });
});

describe('summarize', () => {
  it('returns null for no values', () => {
    expect(summarize([])).toBeNull();
  });

  it('summarizes 1..100 as nearest-rank figures', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(summarize(values)).toMatchObject({
      count: 100,
      min: 1,
      p50: 50,
      p90: 90,
      p95: 95,
      p99: 99,
      max: 100,
      mean: 50.5,
    });
  });

  it('keeps min <= p50 <= p90 <= p95 <= p99 <= max', () => {
    fc.assert(
      fc.property(reals, (values) => {
        const s = summarize(values)!;
        expect(s.min).toBeLessThanOrEqual(s.p50);
        expect(s.p50).toBeLessThanOrEqual(s.p90);
        expect(s.p90).toBeLessThanOrEqual(s.p95);
        expect(s.p95).toBeLessThanOrEqual(s.p99);
        expect(s.p99).toBeLessThanOrEqual(s.max);
      }),
    );
  });

  it('gives the constant for every figure of a constant array', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        fc.integer({ min: 1, max: 500 }),
        (v, n) => {
          const s = summarize(new Array<number>(n).fill(v))!;
          for (const figure of [s.min, s.p50, s.p90, s.p95, s.p99, s.max, s.mean]) expect(figure).toBe(v);
        },
      ),
    );
  });

  it('does not depend on the order of the values', () => {
    fc.assert(
      fc.property(
        durations.chain((values) =>
          fc.tuple(fc.constant(values), fc.shuffledSubarray(values, { minLength: values.length })),
        ),
        ([values, shuffled]) => {
          expect(summarize(shuffled)).toEqual(summarize(values));
        },
      ),
    );
  });

  it('keeps the mean within [min, max] and counts every value', () => {
    fc.assert(
      fc.property(reals, (values) => {
        const s = summarize(values)!;
        expect(s.count).toBe(values.length);
        expect(s.mean).toBeGreaterThanOrEqual(s.min);
        expect(s.mean).toBeLessThanOrEqual(s.max);
      }),
    );
  });

  it('rejects NaN and infinities', () => {
    expect(() => summarize([1, Number.NaN])).toThrow(/finite/);
    expect(() => summarize([Number.POSITIVE_INFINITY])).toThrow(/finite/);
  });

  it('clamps the mean of equal floats that would round outside them', () => {
    expect(mean([0.1, 0.1, 0.1])).toBe(0.1);
  });
});

describe('quantileInterval', () => {
  it.each([
    [71, false],
    [72, true],
    [1_000, true],
  ])('for p95 of %i values exists: %s', (n, exists) => {
    const sorted = Array.from({ length: n }, (_, i) => i + 1);
    expect(quantileInterval(sorted, 95) !== null).toBe(exists);
  });

  it('brackets the sample p95 with measured values', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1e6 }), { minLength: 72, maxLength: 2_000 }),
        (values) => {
          const sorted = sortValues(values);
          const interval = quantileInterval(sorted, 95)!;
          expect(interval.low).toBeLessThanOrEqual(percentile(sorted, 95));
          expect(interval.high).toBeGreaterThanOrEqual(percentile(sorted, 95));
          expect(sorted).toContain(interval.low);
          expect(sorted).toContain(interval.high);
        },
      ),
    );
  });

  it('covers the true p95 of a uniform distribution at least about 95 % of the time', () => {
    let seed = 42;
    const random = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    let covered = 0;
    const trials = 400;
    for (let t = 0; t < trials; t += 1) {
      const sorted = sortValues(Array.from({ length: 200 }, random));
      const interval = quantileInterval(sorted, 95)!;
      if (interval.low <= 0.95 && 0.95 <= interval.high) covered += 1;
    }
    expect(covered / trials).toBeGreaterThanOrEqual(0.93);
  });
});
