/**
 * k6-style threshold conditions: `p(95) < 180s`, `avg < 5s`, `max <= 60000`,
 * `rate > 95%`. Durations are in milliseconds unless a unit is given.
 */

export type Aggregate = { kind: 'percentile'; p: number } | { kind: 'avg' | 'min' | 'max' | 'med' | 'rate' };
export type Operator = '<' | '<=' | '>' | '>=' | '==' | '!=';

export interface Condition {
  readonly source: string;
  readonly aggregate: Aggregate;
  readonly operator: Operator;
  /** Milliseconds for durations; a fraction in [0, 1] for `rate`. */
  readonly value: number;
}

export class ThresholdError extends Error {
  override name = 'ThresholdError';
}

const CONDITION =
  /^\s*(p\(\s*(\d+(?:\.\d+)?)\s*\)|avg|min|max|med|rate)\s*(<=|>=|==|!=|<|>)\s*(-?\d+(?:\.\d+)?)\s*(ms|s|m|%)?\s*$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000 };

/** Parses a condition, or throws a ThresholdError that says what is wrong. */
export function parseCondition(source: string): Condition {
  const match = CONDITION.exec(source);
  if (!match) {
    throw new ThresholdError(
      `cannot parse "${source}": expected <aggregate> <operator> <value>, such as "p(95) < 180s" or "rate > 95%" (aggregates: p(N), avg, min, max, med, rate; operators: < <= > >= == !=)`,
    );
  }
  const [, agg = '', pText, operator, valueText = '', unit] = match;
  const number = Number(valueText);
  if (agg === 'rate') {
    if (unit !== undefined && unit !== '%')
      throw new ThresholdError(`"${source}": rate takes a percentage or a fraction, not ${unit}`);
    const value = unit === '%' ? number / 100 : number;
    if (value < 0 || value > 1)
      throw new ThresholdError(
        `"${source}": rate must be between 0% and 100%, got ${valueText}${unit ?? ''}`,
      );
    return { source, aggregate: { kind: 'rate' }, operator: operator as Operator, value };
  }
  if (unit === '%')
    throw new ThresholdError(`"${source}": % only applies to rate; durations take ms, s or m`);
  if (number < 0) throw new ThresholdError(`"${source}": a duration cannot be negative, got ${valueText}`);
  let aggregate: Aggregate;
  if (pText !== undefined) {
    const p = Number(pText);
    if (p <= 0 || p > 100)
      throw new ThresholdError(`"${source}": percentile must be in (0, 100], got ${pText}`);
    aggregate = { kind: 'percentile', p };
  } else {
    aggregate = { kind: agg as 'avg' | 'min' | 'max' | 'med' };
  }
  return { source, aggregate, operator: operator as Operator, value: number * UNIT_MS[unit ?? 'ms']! };
}

export function compare(actual: number, operator: Operator, limit: number): boolean {
  switch (operator) {
    case '<':
      return actual < limit;
    case '<=':
      return actual <= limit;
    case '>':
      return actual > limit;
    case '>=':
      return actual >= limit;
    case '==':
      return actual === limit;
    case '!=':
      return actual !== limit;
  }
}
