import type { EcsControl, LogEvent, LogSink, MetricDatum, MetricSink } from './io.js';

/** In-memory sinks and ECS control, for tests and dry runs without the local endpoint. */

export interface StoredLogEvent extends LogEvent {
  readonly group: string;
  readonly stream: string;
}

export class MemoryLogSink implements LogSink {
  readonly events: StoredLogEvent[] = [];

  async put(group: string, stream: string, events: readonly LogEvent[]): Promise<void> {
    const last = this.events.findLast((e) => e.group === group && e.stream === stream);
    if (last && events[0] && events[0].timestamp < last.timestamp) {
      throw new Error(`events out of order in ${group} ${stream}`);
    }
    for (const event of events) this.events.push({ group, stream, ...event });
  }
}

export class MemoryMetricSink implements MetricSink {
  readonly data: { namespace: string; datum: MetricDatum }[] = [];

  async put(namespace: string, data: readonly MetricDatum[]): Promise<void> {
    for (const datum of data) this.data.push({ namespace, datum });
  }
}

export class MemoryEcs implements EcsControl {
  running = 0;
  pending = 0;
  private readonly listeners = new Set<(desired: number) => void>();

  constructor(private desired = 0) {}

  getDesiredCount(): number {
    return this.desired;
  }

  setCounts(running: number, pending: number): void {
    this.running = running;
    this.pending = pending;
  }

  onDesiredCountChange(listener: (desired: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** What UpdateService does. */
  setDesiredCount(desired: number): void {
    this.desired = desired;
    for (const listener of this.listeners) listener(desired);
  }
}
