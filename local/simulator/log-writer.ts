import type { LogEvent, LogSink } from './io.js';

/**
 * One container's log stream. Puts are chained so events reach the sink in
 * the order they were stamped, as the awslogs driver sends them.
 *
 * With `publishMs` > 0, events are buffered and put together on a ticker of
 * that period from the stream's start, as the awslogs driver publishes (every
 * 5 s): a PutLogEvents, and so a subscription payload, carries the lines of up
 * to one period. {@link flushed} puts what is buffered at once, so the end of
 * a job never waits for a tick. With 0, every write is a put of its own.
 */
/** PutLogEvents' limit on events per call. */
const MAX_EVENTS_PER_PUT = 10_000;

export class StreamWriter {
  private chain: Promise<void> = Promise.resolve();
  private buffer: LogEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly startedAt = Date.now();

  constructor(
    private readonly sink: LogSink,
    readonly group: string,
    readonly stream: string,
    private readonly onError: (error: unknown) => void,
    private readonly publishMs = 0,
  ) {}

  write(events: readonly LogEvent[]): void {
    if (events.length === 0) return;
    if (this.publishMs <= 0) {
      this.put(events);
      return;
    }
    this.buffer.push(...events);
    // PutLogEvents takes at most 10,000 events: a fuller buffer goes before its tick.
    if (this.buffer.length >= MAX_EVENTS_PER_PUT) {
      this.publish();
      return;
    }
    if (this.timer) return;
    const sinceStart = Date.now() - this.startedAt;
    const nextTick = this.publishMs - (sinceStart % this.publishMs);
    this.timer = setTimeout(() => this.publish(), nextTick);
  }

  /** Puts what is buffered now; resolves when everything written so far has been put. */
  flushed(): Promise<void> {
    this.publish();
    return this.chain;
  }

  private publish(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const events = this.buffer;
    this.buffer = [];
    if (events.length > 0) this.put(events);
  }

  private put(events: readonly LogEvent[]): void {
    this.chain = this.chain.then(() => this.sink.put(this.group, this.stream, events)).catch(this.onError);
  }
}
