import fc from 'fast-check';
import type { LogEvent } from '../../core/correlation.js';

/**
 * How AWS may deliver a stream's events to a subscription destination: cut
 * into batches, each batch possibly delivered again (an async retry), all of
 * them in any order, spread over several concurrent function instances.
 */

export interface Batch {
  readonly stream: string;
  readonly events: readonly LogEvent[];
}

export interface DeliveryPlan {
  /** Per instance, the batches it handles, in its order. */
  readonly instances: readonly (readonly Batch[])[];
}

export interface DeliveryChoices {
  /** Cut points, as fractions of each stream. */
  readonly cuts: readonly number[];
  /** Batches (by position) delivered twice. */
  readonly duplicates: readonly number[];
  /** A permutation key per batch. */
  readonly order: readonly number[];
  /** The instance of each delivery. */
  readonly assignment: readonly number[];
  readonly instances: number;
}

export const deliveryArbitrary: fc.Arbitrary<DeliveryChoices> = fc.record({
  cuts: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
  duplicates: fc.array(fc.nat({ max: 40 }), { maxLength: 6 }),
  order: fc.array(fc.nat({ max: 1_000_000 }), { minLength: 60, maxLength: 60 }),
  assignment: fc.array(fc.nat({ max: 3 }), { minLength: 60, maxLength: 60 }),
  instances: fc.integer({ min: 1, max: 4 }),
});

/** Applies the choices to the streams' events. */
export function planDelivery(
  streams: ReadonlyMap<string, readonly LogEvent[]>,
  choices: DeliveryChoices,
): DeliveryPlan {
  const batches: Batch[] = [];
  for (const [stream, events] of streams) {
    const cuts = [...new Set(choices.cuts.map((c) => Math.floor(c * events.length)))].sort((a, b) => a - b);
    let from = 0;
    for (const cut of [...cuts, events.length]) {
      if (cut > from) batches.push({ stream, events: events.slice(from, cut) });
      from = Math.max(from, cut);
    }
  }
  const deliveries = [...batches];
  for (const d of choices.duplicates) {
    const batch = batches[d % Math.max(1, batches.length)];
    if (batch) deliveries.push(batch);
  }
  const keyed = deliveries.map((batch, i) => ({
    batch,
    key: choices.order[i % choices.order.length] ?? i,
    i,
  }));
  keyed.sort((a, b) => a.key - b.key || a.i - b.i);
  const instances: Batch[][] = Array.from({ length: choices.instances }, () => []);
  keyed.forEach(({ batch }, i) => {
    instances[(choices.assignment[i % choices.assignment.length] ?? 0) % choices.instances]?.push(batch);
  });
  return { instances };
}
