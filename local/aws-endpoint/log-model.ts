import { AwsEndpointError } from './errors.js';
import type { MessageMatcher } from './filter-pattern.js';

/** One stored log event; `seq` orders events that share a timestamp. */
export interface StoredLogEvent {
  seq: number;
  eventId: string;
  logStreamName: string;
  timestamp: number;
  message: string;
  ingestionTime: number;
}

export interface LogStream {
  name: string;
  creationTime: number;
  /** Sorted by (timestamp, seq). */
  events: StoredLogEvent[];
  lastIngestionTime?: number;
  storedBytes: number;
}

export interface SubscriptionFilter {
  filterName: string;
  filterPattern: string;
  destinationArn: string;
  roleArn?: string;
  distribution: string;
  creationTime: number;
  matches: MessageMatcher;
}

export interface LogGroup {
  name: string;
  creationTime: number;
  streams: Map<string, LogStream>;
  filters: Map<string, SubscriptionFilter>;
}

/** What orders events: timestamp, then arrival. */
export type EventKey = Pick<StoredLogEvent, 'timestamp' | 'seq'>;

/** Orders events by timestamp, then by arrival. */
export const compareEvents = (a: EventKey, b: EventKey): number => a.timestamp - b.timestamp || a.seq - b.seq;

/** Inserts an event keeping the stream sorted (appending is the common case). */
export function insertEvent(events: StoredLogEvent[], event: StoredLogEvent): void {
  const last = events[events.length - 1];
  if (last === undefined || compareEvents(last, event) <= 0) {
    events.push(event);
    return;
  }
  let lo = 0;
  let hi = events.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareEvents(events[mid]!, event) <= 0) lo = mid + 1;
    else hi = mid;
  }
  events.splice(lo, 0, event);
}

/** A 56-digit event id like the ones AWS returns, unique per store. */
export const eventIdFor = (timestamp: number, seq: number): string =>
  `${String(timestamp).padStart(20, '0')}${String(seq).padStart(36, '0')}`;

/** PutLogEvents' batch rules: 1-10000 events, non-empty, chronological, <= 1 MB, within 24 hours. */
export function checkBatch(batch: { timestamp: number; message: string }[]): void {
  if (batch.length < 1 || batch.length > 10_000) {
    throw new AwsEndpointError(
      'InvalidParameterException',
      `logEvents must hold 1 to 10000 events, got ${batch.length}`,
    );
  }
  let bytes = 0;
  batch.forEach((event, i) => {
    if (event.message.length === 0)
      throw new AwsEndpointError('InvalidParameterException', `logEvents[${i}].message must not be empty`);
    const previous = batch[i - 1];
    if (previous !== undefined && event.timestamp < previous.timestamp) {
      throw new AwsEndpointError(
        'InvalidParameterException',
        `log events in a single PutLogEvents request must be in chronological order: logEvents[${i}].timestamp ${event.timestamp} < ${previous.timestamp}`,
      );
    }
    bytes += Buffer.byteLength(event.message) + 26;
  });
  if (bytes > 1_048_576)
    throw new AwsEndpointError('InvalidParameterException', `logEvents total ${bytes} bytes, over 1048576`);
  const span = batch[batch.length - 1]!.timestamp - batch[0]!.timestamp;
  if (span > 86_400_000)
    throw new AwsEndpointError('InvalidParameterException', `logEvents span ${span} ms, more than 24 hours`);
}
