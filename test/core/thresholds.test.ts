import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compare, parseCondition, ThresholdError } from '../../core/thresholds.js';

describe('parseCondition', () => {
  it.each([
    ['p(95) < 180s', { kind: 'percentile', p: 95 }, '<', 180_000],
    ['p(99.9)<=250ms', { kind: 'percentile', p: 99.9 }, '<=', 250],
    ['avg < 5s', { kind: 'avg' }, '<', 5_000],
    ['min >= 10', { kind: 'min' }, '>=', 10],
    ['max <= 2m', { kind: 'max' }, '<=', 120_000],
    ['med != 0', { kind: 'med' }, '!=', 0],
    ['rate > 95%', { kind: 'rate' }, '>', 0.95],
    ['rate>=0.8', { kind: 'rate' }, '>=', 0.8],
  ])('parses %s', (source, aggregate, operator, value) => {
    expect(parseCondition(source)).toEqual({ source, aggregate, operator, value });
  });

  it.each([
    ['p95 < 3', /cannot parse/],
    ['p(0) < 3s', /percentile must be in \(0, 100\]/],
    ['p(101) < 3s', /percentile must be in/],
    ['rate > 120%', /rate must be between 0% and 100%/],
    ['rate > 5s', /rate takes a percentage/],
    ['avg < 50%', /% only applies to rate/],
    ['avg < -1s', /cannot be negative/],
    ['avg ~ 1s', /cannot parse/],
    ['', /cannot parse/],
  ])('rejects %s', (source, message) => {
    expect(() => parseCondition(source)).toThrow(ThresholdError);
    expect(() => parseCondition(source)).toThrow(message);
  });

  it('reads any duration in seconds as the same number of milliseconds times 1000', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), (n) => {
        expect(parseCondition(`max < ${n}s`).value).toBe(n * 1000);
        expect(parseCondition(`max < ${n}`).value).toBe(n);
      }),
    );
  });
});

describe('compare', () => {
  it.each([
    [1, '<', 2, true],
    [2, '<', 2, false],
    [2, '<=', 2, true],
    [3, '>', 2, true],
    [2, '>=', 3, false],
    [2, '==', 2, true],
    [2, '!=', 2, false],
  ] as const)('%d %s %d is %s', (a, op, b, expected) => {
    expect(compare(a, op, b)).toBe(expected);
  });
});
