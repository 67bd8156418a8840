import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
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
 */
export class SubscriptionDelivery {
  readonly #destinations = new Map<string, DestinationHandler>();
  readonly #lanes = new Map<string, Promise<void>>();
  readonly #errorListeners = new Set<(failure: DeliveryFailure) => void>();
  readonly #attempts: number;
  readonly #backoffMs: number;

  constructor(options: DeliveryOptions = {}) {
    this.#attempts = Math.max(1, options.attempts ?? 3);
    this.#backoffMs = options.backoffMs ?? 50;
  }

  /** Routes payloads for `arn` to `handler`; returns a function that unregisters it. */
  registerDestination(arn: string, handler: DestinationHandler): () => void {
    this.#destinations.set(arn, handler);
    return () => {
      if (this.#destinations.get(arn) === handler) this.#destinations.delete(arn);
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
    await Promise.all([...this.#lanes.values()]);
  }

  async #deliver(job: DeliveryJob): Promise<void> {
    const event: SubscriptionEvent = {
      awslogs: { data: gzipSync(JSON.stringify(job.message)).toString('base64') },
    };
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.#attempts; attempt += 1) {
      if (attempt > 1) await sleep(this.#backoffMs * 2 ** (attempt - 2));
      const handler = this.#destinations.get(job.destinationArn);
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
