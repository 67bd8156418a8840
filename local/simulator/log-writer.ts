import type { LogEvent, LogSink } from './io.js';

/**
 * One container's log stream. Puts are chained so events reach the sink in
 * the order they were stamped, as the awslogs driver sends them.
 */
export class StreamWriter {
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly sink: LogSink,
    readonly group: string,
    readonly stream: string,
    private readonly onError: (error: unknown) => void,
  ) {}

  write(events: readonly LogEvent[]): void {
    if (events.length === 0) return;
    this.chain = this.chain.then(() => this.sink.put(this.group, this.stream, events)).catch(this.onError);
  }

  /** Resolves when everything written so far has been put. */
  flushed(): Promise<void> {
    return this.chain;
  }
}
