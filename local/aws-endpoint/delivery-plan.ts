import { deriveRng } from '../simulator/rng.js';

/** How hostile local subscription delivery is; see `LocalDeliverySchema` in core/profile.ts. */
export interface AdversarialDeliveryOptions {
  /** Each payload waits a uniform 0..shuffleWindowMs before delivery. */
  readonly shuffleWindowMs: number;
  /** Share of payloads delivered a second time, 0 to 1. */
  readonly redeliverShare: number;
  /** The second delivery's delay after the first (uniform, whole ms). */
  readonly redeliverDelayMs: { readonly min: number; readonly max: number };
  readonly seed: number;
}

/** One delivery of a payload: after `delayMs`, to instance `floor(instance * count)`. */
export interface DeliveryDraw {
  readonly delayMs: number;
  /** Uniform in [0, 1): picks one of the destination's instances. */
  readonly instance: number;
}

/**
 * Draws the deliveries of each payload from a seeded stream named by the
 * payload's destination, log stream and position in that stream, so a payload
 * gets the same draws whatever the other streams do.
 */
export class DeliveryPlanner {
  readonly #count = new Map<string, number>();

  constructor(private readonly options: AdversarialDeliveryOptions) {}

  /** The deliveries of the next payload of `streamKey`: one, or two (a redelivery). */
  plan(streamKey: string): DeliveryDraw[] {
    const n = this.#count.get(streamKey) ?? 0;
    this.#count.set(streamKey, n + 1);
    const rng = deriveRng(this.options.seed, `${streamKey}#${n}`);
    const { shuffleWindowMs, redeliverShare, redeliverDelayMs } = this.options;
    const first = { delayMs: Math.floor(rng() * shuffleWindowMs), instance: rng() };
    if (rng() >= redeliverShare) return [first];
    const span = redeliverDelayMs.max - redeliverDelayMs.min + 1;
    const again = first.delayMs + redeliverDelayMs.min + Math.floor(rng() * span);
    return [first, { delayMs: again, instance: rng() }];
  }
}
