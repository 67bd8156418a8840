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
}

export interface Evidence {
  readonly stages: Readonly<Record<string, number>>;
  readonly failure?: StreamFailure;
}

export function mergeEvidence(raw: RawEvidence): Evidence {
  const stages: Record<string, number> = { ...(raw.stages ?? {}) };
  let failure: StreamFailure | undefined =
    raw.failedAt !== undefined
      ? { at: raw.failedAt, reason: raw.failureReason ?? 'failed', line: raw.error ?? '' }
      : undefined;
  for (const credit of Object.values(raw.via ?? {})) {
    for (const [stage, at] of Object.entries(credit.stages)) {
      const known = stages[stage];
      if (known === undefined || at < known) stages[stage] = at;
    }
    if (credit.failure && (!failure || credit.failure.at < failure.at)) failure = credit.failure;
  }
  return failure ? { stages, failure } : { stages };
}

/** The text a failure leaves in the session's `error`. */
export function failureText(failure: StreamFailure): string {
  return `${failure.reason}: ${failure.line}`;
}
