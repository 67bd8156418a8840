import type { StreamCredit, StreamFailure } from './stream-attribution.js';

/**
 * A session's evidence, merged from where it is stored: stages and a failure
 * credited by key (`stages`, `failedAt`), and what each log stream credits it
 * (`via`, recomputed from the stream's markers; core/stream-attribution.ts).
 * For each stage the earliest event wins; the earliest failure wins.
 */

export interface RawEvidence {
  readonly stages?: Readonly<Record<string, number>>;
  readonly failedAt?: number;
  readonly error?: string;
  readonly failureReason?: string;
  readonly via?: Readonly<Record<string, StreamCredit>>;
  /** Stage -> values its keyed marker carried. */
  readonly captured?: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

export interface Evidence {
  readonly stages: Readonly<Record<string, number>>;
  readonly failure?: StreamFailure;
  /** Captured values (metric -> number), each from the marker that gave its stage's time. */
  readonly values: Readonly<Record<string, number>>;
}

export function mergeEvidence(raw: RawEvidence): Evidence {
  const stages: Record<string, number> = { ...(raw.stages ?? {}) };
  const fromStage: Record<string, Readonly<Record<string, number>>> = { ...(raw.captured ?? {}) };
  let failure: StreamFailure | undefined =
    raw.failedAt !== undefined
      ? { at: raw.failedAt, reason: raw.failureReason ?? 'failed', line: raw.error ?? '' }
      : undefined;
  for (const credit of Object.values(raw.via ?? {})) {
    for (const [stage, at] of Object.entries(credit.stages)) {
      const known = stages[stage];
      if (known === undefined || at < known) {
        stages[stage] = at;
        const values = credit.values?.[stage];
        if (values) fromStage[stage] = values;
        else delete fromStage[stage];
      }
    }
    if (credit.failure && (!failure || credit.failure.at < failure.at)) failure = credit.failure;
  }
  const values: Record<string, number> = Object.assign({}, ...Object.values(fromStage));
  return failure ? { stages, failure, values } : { stages, values };
}

/** The text a failure leaves in the session's `error`. */
export function failureText(failure: StreamFailure): string {
  return `${failure.reason}: ${failure.line}`;
}
