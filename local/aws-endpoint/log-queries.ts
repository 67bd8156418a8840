import { AwsEndpointError } from './errors.js';
import { compileFilterPattern } from './filter-pattern.js';
import { decodeToken, encodeToken } from './ids.js';
import type { Input } from './input.js';
import {
  compareEvents,
  type EventKey,
  type LogGroup,
  type LogStream,
  type StoredLogEvent,
} from './log-model.js';

const invalid = (message: string) => new AwsEndpointError('InvalidParameterException', message);

export interface FilteredLogEvent {
  eventId: string;
  logStreamName: string;
  timestamp: number;
  message: string;
  ingestionTime: number;
}

export interface FilterLogEventsResult {
  events: FilteredLogEvent[];
  nextToken?: string;
}

/** Selects the streams FilterLogEvents searches: all, named, or by prefix. */
function searchedStreams(group: LogGroup, input: Input): LogStream[] {
  const names = input.optStrings('logStreamNames');
  const prefix = input.optString('logStreamNamePrefix');
  if (names !== undefined && prefix !== undefined) {
    throw invalid('logStreamNames and logStreamNamePrefix cannot both be specified');
  }
  if (names !== undefined) {
    if (names.length < 1 || names.length > 100) {
      throw invalid(`logStreamNames must hold 1 to 100 names, got ${names.length}`);
    }
    return names.flatMap((name) => group.streams.get(name) ?? []);
  }
  const all = [...group.streams.values()];
  return prefix === undefined ? all : all.filter((s) => s.name.startsWith(prefix));
}

/** CloudWatch Logs' ingestion delay as a reader sees it: an event is searchable from `timestamp + lagMs`. */
export interface IngestionLag {
  readonly lagMs: number;
  readonly now: number;
}

/**
 * FilterLogEvents over one group: events with startTime <= timestamp <= endTime
 * that match the pattern, sorted by timestamp. The token is the position after
 * the last returned event, so later pages neither repeat nor skip events that
 * were already stored when the first page was read. With an ingestion lag, an
 * event is left out until `now >= timestamp + lagMs`, and its ingestionTime is
 * no earlier than that.
 */
export function filterLogEvents(group: LogGroup, input: Input, lag?: IngestionLag): FilterLogEventsResult {
  const matches = compileFilterPattern(input.optString('filterPattern'));
  const startTime = input.optNumber('startTime') ?? Number.NEGATIVE_INFINITY;
  const endTime = input.optNumber('endTime') ?? Number.POSITIVE_INFINITY;
  if (startTime > endTime) throw invalid(`startTime (${startTime}) must not be after endTime (${endTime})`);
  const limit = input.optInteger('limit', 1, 10_000) ?? 10_000;
  const token = input.optString('nextToken');
  const after = token === undefined ? undefined : parseCursor(token);

  const selected: StoredLogEvent[] = [];
  for (const stream of searchedStreams(group, input)) {
    for (const event of stream.events) {
      if (event.timestamp < startTime || event.timestamp > endTime) continue;
      if (after !== undefined && compareEvents(event, after) <= 0) continue;
      if (lag !== undefined && lag.lagMs > 0 && event.timestamp + lag.lagMs > lag.now) continue;
      if (matches(event.message)) selected.push(event);
    }
  }
  selected.sort(compareEvents);
  const page = selected.slice(0, limit);
  const last = page[page.length - 1];
  const lagMs = lag?.lagMs ?? 0;
  const result: FilterLogEventsResult = {
    events: page.map((e) =>
      toFiltered(lagMs > 0 ? { ...e, ingestionTime: Math.max(e.ingestionTime, e.timestamp + lagMs) } : e),
    ),
  };
  if (selected.length > limit && last !== undefined) {
    result.nextToken = encodeToken({ t: last.timestamp, s: last.seq });
  }
  return result;
}

function parseCursor(token: string): EventKey {
  const cursor = decodeToken(token) as { t?: unknown; s?: unknown } | undefined;
  if (typeof cursor?.t !== 'number' || typeof cursor.s !== 'number') {
    throw invalid(`nextToken ${JSON.stringify(token.slice(0, 40))} is not a token this endpoint returned`);
  }
  return { timestamp: cursor.t, seq: cursor.s };
}

const toFiltered = (e: StoredLogEvent): FilteredLogEvent => ({
  eventId: e.eventId,
  logStreamName: e.logStreamName,
  timestamp: e.timestamp,
  message: e.message,
  ingestionTime: e.ingestionTime,
});

export interface GetLogEventsResult {
  events: { timestamp: number; message: string; ingestionTime: number }[];
  nextForwardToken: string;
  nextBackwardToken: string;
}

/**
 * GetLogEvents over one stream. Tokens are `f/<index>` (read forward from
 * index) and `b/<index>` (read backward, ending before index); at either end
 * AWS returns the token it was given, and so does this.
 */
export function getLogEvents(stream: LogStream, input: Input): GetLogEventsResult {
  const startTime = input.optNumber('startTime') ?? Number.NEGATIVE_INFINITY;
  const endTime = input.optNumber('endTime') ?? Number.POSITIVE_INFINITY;
  const limit = input.optInteger('limit', 1, 10_000) ?? 10_000;
  // startTime is inclusive and endTime exclusive for GetLogEvents.
  const events = stream.events.filter((e) => e.timestamp >= startTime && e.timestamp < endTime);
  const token = input.optString('nextToken');
  const startFromHead = input.optBoolean('startFromHead') ?? false;
  const [direction, position] = parseStreamToken(token, startFromHead, events.length);
  const from = direction === 'f' ? position : Math.max(0, position - limit);
  const to = direction === 'f' ? Math.min(events.length, position + limit) : position;
  return {
    events: events.slice(from, to).map((e) => ({
      timestamp: e.timestamp,
      message: e.message,
      ingestionTime: e.ingestionTime,
    })),
    nextForwardToken: `f/${String(to).padStart(20, '0')}`,
    nextBackwardToken: `b/${String(from).padStart(20, '0')}`,
  };
}

function parseStreamToken(
  token: string | undefined,
  startFromHead: boolean,
  length: number,
): ['f' | 'b', number] {
  if (token === undefined) return startFromHead ? ['f', 0] : ['b', length];
  const match = /^([fb])\/(\d{1,20})$/.exec(token);
  if (match === null)
    throw invalid(`nextToken ${JSON.stringify(token)} is not a token this endpoint returned`);
  return [match[1] as 'f' | 'b', Math.min(length, Number(match[2]))];
}
