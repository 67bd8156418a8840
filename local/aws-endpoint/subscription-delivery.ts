import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { type AdversarialDeliveryOptions, type DeliveryDraw, DeliveryPlanner } from './delivery-plan.js';
import { ACCOUNT_ID } from './ids.js';
import type { StoredLogEvent, SubscriptionFilter } from './log-model.js';

/** The event a subscription destination (a Lambda function) receives. */
export interface SubscriptionEvent {
  awslogs: { data: string };
}

export type DestinationHandler = (event: SubscriptionEvent) => Promise<unknown>;

/** The decoded `awslogs.data` of a subscription event, as AWS sends it. */
export interface SubscriptionDataMessage {
  messageType: 'DATA_MESSAGE';
  owner: string;
  logGroup: string;
  logStream: string;
  subscriptionFilters: string[];
  logEvents: { id: string; timestamp: number; message: string }[];
}

/** A delivery that still failed after its last attempt. */
export interface DeliveryFailure {
  destinationArn: string;
  filterName: string;
  logGroup: string;
  logStream: string;
  eventCount: number;
  attempts: number;
  error: unknown;
  /** The event the destination failed on, as it was invoked with. */
  event: SubscriptionEvent;
}

export interface DeliveryOptions {
  /** Attempts per payload, the first included (default 3, as Lambda's async invoke). */
  attempts?: number;
  /** Wait before the second attempt, doubled each time after (default 50 ms). */
  backoffMs?: number;
  /** Deliver as AWS may: shuffled, some twice, spread over the destination's instances (absent: in order, once). */
  adversarial?: AdversarialDeliveryOptions;
}

export interface DeliveryJob {
  destinationArn: string;
  message: SubscriptionDataMessage;
}

/** One payload per filter with the batch's events that match it, as AWS sends per PutLogEvents batch. */
export function dataMessages(
  logGroup: string,
  logStream: string,
  filters: SubscriptionFilter[],
  events: StoredLogEvent[],
): DeliveryJob[] {
  return filters.flatMap((filter) => {
    const logEvents = events
      .filter((e) => filter.matches(e.message))
      .map((e) => ({ id: e.eventId, timestamp: e.timestamp, message: e.message }));
    if (logEvents.length === 0) return [];
    const message: SubscriptionDataMessage = {
      messageType: 'DATA_MESSAGE',
      owner: ACCOUNT_ID,
      logGroup,
      logStream,
      subscriptionFilters: [filter.filterName],
      logEvents,
    };
    return [{ destinationArn: filter.destinationArn, message }];
  });
}

/**
 * Delivers subscription payloads off the request path: one lane per log stream
 * keeps each stream's order, lanes run concurrently, failures are retried with
 * exponential backoff and then reported to `onDeliveryError` listeners.
 *
 * Adversarial mode instead holds each payload a random time within the
 * shuffle window (so a stream's batches can overtake each other), delivers a
 * share of them a second time after a delay, and sends each delivery to one of
 * the destination's instances (each runs one invocation at a time, as a Lambda
 * instance does), all drawn from a seed per payload.
 */
export class SubscriptionDelivery {
  readonly #destinations = new Map<string, readonly DestinationHandler[]>();
  readonly #lanes = new Map<string, Promise<void>>();
  readonly #pending = new Set<Promise<void>>();
  readonly #instances = new Map<string, Promise<void>>();
  readonly #errorListeners = new Set<(failure: DeliveryFailure) => void>();
  readonly #attempts: number;
  readonly #backoffMs: number;
  readonly #planner: DeliveryPlanner | undefined;

  constructor(options: DeliveryOptions = {}) {
    this.#attempts = Math.max(1, options.attempts ?? 3);
    this.#backoffMs = options.backoffMs ?? 50;
    this.#planner = options.adversarial && new DeliveryPlanner(options.adversarial);
  }

  /**
   * Routes payloads for `arn` to `handler`, or (adversarial mode) to one of
   * `handlers`, the function's concurrent instances; returns a function that
   * unregisters it. In order mode only the first instance is used.
   */
  registerDestination(arn: string, handler: DestinationHandler | readonly DestinationHandler[]): () => void {
    const handlers = typeof handler === 'function' ? [handler] : [...handler];
    if (handlers.length === 0) throw new Error(`destination ${arn} needs at least one handler`);
    this.#destinations.set(arn, handlers);
    return () => {
      if (this.#destinations.get(arn) === handlers) this.#destinations.delete(arn);
    };
  }

  hasDestination(arn: string): boolean {
    return this.#destinations.has(arn);
  }

  /** Listens for deliveries that failed every attempt; returns a function that stops listening. */
  onDeliveryError(listener: (failure: DeliveryFailure) => void): () => void {
    this.#errorListeners.add(listener);
    return () => this.#errorListeners.delete(listener);
  }

  /** Queues payloads behind everything already queued for the same log stream. */
  enqueue(laneKey: string, jobs: DeliveryJob[]): void {
    if (jobs.length === 0) return;
    if (this.#planner) {
      for (const job of jobs) {
        for (const draw of this.#planner.plan(`${job.destinationArn}\u0000${laneKey}`))
          this.#schedule(job, draw);
      }
      return;
    }
    const previous = this.#lanes.get(laneKey) ?? Promise.resolve();
    const tail = previous.then(async () => {
      // Never run a destination inside the PutLogEvents request that caused it.
      await new Promise((resolve) => setImmediate(resolve));
      for (const job of jobs) await this.#deliver(job);
    });
    this.#lanes.set(laneKey, tail);
    void tail.finally(() => {
      if (this.#lanes.get(laneKey) === tail) this.#lanes.delete(laneKey);
    });
  }

  /** Resolves when every payload queued so far has been delivered or reported as failed. */
  async drain(): Promise<void> {
    await Promise.all([...this.#lanes.values(), ...this.#pending]);
  }

  /** One adversarial delivery: wait its delay, then run on its instance after what that instance is running. */
  #schedule(job: DeliveryJob, draw: DeliveryDraw): void {
    const delivered = (async () => {
      // Never run a destination inside the PutLogEvents request that caused it.
      await (draw.delayMs > 0 ? sleep(draw.delayMs) : new Promise((resolve) => setImmediate(resolve)));
      const count = this.#destinations.get(job.destinationArn)?.length ?? 1;
      const instance = Math.floor(draw.instance * count);
      const key = `${job.destinationArn}#${instance}`;
      const previous = this.#instances.get(key) ?? Promise.resolve();
      const turn = previous.then(() => this.#deliver(job, instance));
      this.#instances.set(key, turn);
      await turn;
      if (this.#instances.get(key) === turn) this.#instances.delete(key);
    })();
    this.#pending.add(delivered);
    void delivered.finally(() => this.#pending.delete(delivered));
  }

  async #deliver(job: DeliveryJob, instance = 0): Promise<void> {
    const event: SubscriptionEvent = {
      awslogs: { data: gzipSync(JSON.stringify(job.message)).toString('base64') },
    };
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.#attempts; attempt += 1) {
      if (attempt > 1) await sleep(this.#backoffMs * 2 ** (attempt - 2));
      const handler = this.#destinations.get(job.destinationArn)?.[instance];
      try {
        if (handler === undefined) {
          throw new Error(`no destination is registered for ${job.destinationArn}`);
        }
        await handler(event);
        return;
      } catch (error) {
        lastError = error;
      }
    }
    this.#report({
      destinationArn: job.destinationArn,
      filterName: job.message.subscriptionFilters[0] ?? '',
      logGroup: job.message.logGroup,
      logStream: job.message.logStream,
      eventCount: job.message.logEvents.length,
      attempts: this.#attempts,
      error: lastError,
      event,
    });
  }

  #report(failure: DeliveryFailure): void {
    if (this.#errorListeners.size === 0) {
      // A lost delivery must never pass silently.
      console.error(
        `subscription delivery to ${failure.destinationArn} failed ${failure.attempts} times for ${failure.logGroup}/${failure.logStream}:`,
        failure.error,
      );
      return;
    }
    for (const listener of this.#errorListeners) {
      try {
        listener(failure);
      } catch (error) {
        console.error('onDeliveryError listener threw:', error);
      }
    }
  }
}
