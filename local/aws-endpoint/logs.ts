import { AwsEndpointError } from './errors.js';
import { compileFilterPattern } from './filter-pattern.js';
import { arn, paginate } from './ids.js';
import { Input } from './input.js';
import {
  checkBatch,
  eventIdFor,
  insertEvent,
  type LogGroup,
  type LogStream,
  type StoredLogEvent,
} from './log-model.js';
import {
  type FilterLogEventsResult,
  filterLogEvents,
  type GetLogEventsResult,
  getLogEvents,
} from './log-queries.js';
import {
  type DeliveryFailure,
  type DeliveryOptions,
  type DestinationHandler,
  dataMessages,
  SubscriptionDelivery,
} from './subscription-delivery.js';

const INVALID = 'InvalidParameterException';
const DAY_MS = 86_400_000;

export interface LogsStoreOptions extends DeliveryOptions {
  /** The clock for ingestion times and the too-old / too-new checks (default Date.now). */
  now?: () => number;
  /** FilterLogEvents returns an event only once now >= its timestamp + ingestionLagMs (default 0). */
  ingestionLagMs?: number;
}

const notFound = (what: string) =>
  new AwsEndpointError('ResourceNotFoundException', `${what} does not exist`);

/**
 * In-memory CloudWatch Logs: groups, streams, events, queries and
 * subscription filters whose matching events are delivered asynchronously to
 * registered destinations in the real `{awslogs: {data}}` format.
 */
export class LogsStore {
  readonly #groups = new Map<string, LogGroup>();
  readonly #delivery: SubscriptionDelivery;
  readonly #now: () => number;
  readonly #ingestionLagMs: number;
  #seq = 0;

  constructor(options: LogsStoreOptions = {}) {
    this.#delivery = new SubscriptionDelivery(options);
    this.#now = options.now ?? Date.now;
    this.#ingestionLagMs = options.ingestionLagMs ?? 0;
  }

  /** Routes subscription payloads for `destinationArn` to `handler` (or its instances); returns an unregister function. */
  registerDestination(
    destinationArn: string,
    handler: DestinationHandler | readonly DestinationHandler[],
  ): () => void {
    return this.#delivery.registerDestination(destinationArn, handler);
  }

  /** Listens for payloads that failed every delivery attempt; returns an unsubscribe function. */
  onDeliveryError(listener: (failure: DeliveryFailure) => void): () => void {
    return this.#delivery.onDeliveryError(listener);
  }

  /** Resolves when every subscription payload queued so far is delivered (or reported failed). */
  drain(): Promise<void> {
    return this.#delivery.drain();
  }

  createLogGroup(body: unknown): Record<string, never> {
    const name = new Input(body, INVALID).string('logGroupName');
    if (!/^[\w\-/.#]{1,512}$/.test(name))
      throw new AwsEndpointError(INVALID, `logGroupName ${name} is invalid`);
    if (this.#groups.has(name)) {
      throw new AwsEndpointError('ResourceAlreadyExistsException', `log group ${name} already exists`);
    }
    this.#groups.set(name, { name, creationTime: this.#now(), streams: new Map(), filters: new Map() });
    return {};
  }

  createLogStream(body: unknown): Record<string, never> {
    const input = new Input(body, INVALID);
    const group = this.#group(input.string('logGroupName'));
    const name = input.string('logStreamName');
    if (name.length > 512 || name.includes(':') || name.includes('*')) {
      throw new AwsEndpointError(
        INVALID,
        `logStreamName ${name} is invalid: 1-512 characters, no ':' or '*'`,
      );
    }
    if (group.streams.has(name)) {
      throw new AwsEndpointError(
        'ResourceAlreadyExistsException',
        `log stream ${group.name}/${name} already exists`,
      );
    }
    group.streams.set(name, { name, creationTime: this.#now(), events: [], storedBytes: 0 });
    return {};
  }

  describeLogGroups(body: unknown) {
    const input = new Input(body, INVALID);
    const prefix = input.optString('logGroupNamePrefix') ?? '';
    const pattern = input.optString('logGroupNamePattern');
    const limit = input.optInteger('limit', 1, 50) ?? 50;
    const names = [...this.#groups.keys()]
      .filter((n) => n.startsWith(prefix) && (pattern === undefined || n.includes(pattern)))
      .sort();
    const { page, nextToken } = paginate(names, input.optString('nextToken'), limit, INVALID);
    const logGroups = page.map((name) => {
      const group = this.#groups.get(name)!;
      const storedBytes = [...group.streams.values()].reduce((sum, s) => sum + s.storedBytes, 0);
      const groupArn = arn('logs', `log-group:${name}`);
      return {
        logGroupName: name,
        creationTime: group.creationTime,
        metricFilterCount: 0,
        arn: `${groupArn}:*`,
        logGroupArn: groupArn,
        storedBytes,
        logGroupClass: 'STANDARD',
      };
    });
    return nextToken === undefined ? { logGroups } : { logGroups, nextToken };
  }

  describeLogStreams(body: unknown) {
    const input = new Input(body, INVALID);
    const group = this.#groupOf(input);
    const prefix = input.optString('logStreamNamePrefix');
    const orderBy = input.optString('orderBy') ?? 'LogStreamName';
    if (orderBy !== 'LogStreamName' && orderBy !== 'LastEventTime') {
      throw new AwsEndpointError(INVALID, `orderBy must be LogStreamName or LastEventTime, got ${orderBy}`);
    }
    if (orderBy === 'LastEventTime' && prefix !== undefined) {
      throw new AwsEndpointError(
        INVALID,
        'logStreamNamePrefix cannot be specified when orderBy is LastEventTime',
      );
    }
    const lastTime = (s: LogStream) => s.events[s.events.length - 1]?.timestamp ?? 0;
    const streams = [...group.streams.values()]
      .filter((s) => prefix === undefined || s.name.startsWith(prefix))
      .sort((a, b) =>
        orderBy === 'LogStreamName' ? a.name.localeCompare(b.name) : lastTime(a) - lastTime(b),
      );
    if (input.optBoolean('descending') === true) streams.reverse();
    const limit = input.optInteger('limit', 1, 50) ?? 50;
    const { page, nextToken } = paginate(streams, input.optString('nextToken'), limit, INVALID);
    const logStreams = page.map((s) => ({
      logStreamName: s.name,
      creationTime: s.creationTime,
      ...(s.events.length > 0 && {
        firstEventTimestamp: s.events[0]!.timestamp,
        lastEventTimestamp: lastTime(s),
      }),
      ...(s.lastIngestionTime !== undefined && { lastIngestionTime: s.lastIngestionTime }),
      arn: arn('logs', `log-group:${group.name}:log-stream:${s.name}`),
      storedBytes: s.storedBytes,
    }));
    return nextToken === undefined ? { logStreams } : { logStreams, nextToken };
  }

  /**
   * Stores a batch as AWS does: events must be in chronological order within
   * 24 hours; events older than 14 days or more than 2 hours ahead are
   * rejected through `rejectedLogEventsInfo`, not stored. Creates nothing.
   */
  putLogEvents(body: unknown) {
    const input = new Input(body, INVALID);
    const group = this.#group(input.string('logGroupName'));
    const streamName = input.string('logStreamName');
    const stream = group.streams.get(streamName);
    if (stream === undefined) throw notFound(`log stream ${group.name}/${streamName}`);
    const batch = input
      .objects('logEvents')
      .map((e) => ({ timestamp: e.number('timestamp'), message: e.string('message') }));
    checkBatch(batch);
    const now = this.#now();
    const tooOld = batch.filter((e) => e.timestamp < now - 14 * DAY_MS).length;
    const tooNewStart = batch.findIndex((e) => e.timestamp > now + 2 * 3_600_000);
    const accepted = batch.slice(tooOld, tooNewStart === -1 ? batch.length : tooNewStart);
    const stored = accepted.map((e): StoredLogEvent => {
      this.#seq += 1;
      const event = {
        ...e,
        seq: this.#seq,
        eventId: eventIdFor(e.timestamp, this.#seq),
        logStreamName: streamName,
        ingestionTime: now,
      };
      insertEvent(stream.events, event);
      stream.storedBytes += Buffer.byteLength(e.message);
      return event;
    });
    if (stored.length > 0) stream.lastIngestionTime = now;
    this.#deliver(group, streamName, stored);
    const rejected = {
      ...(tooOld > 0 && { tooOldLogEventEndIndex: tooOld }),
      ...(tooNewStart !== -1 && { tooNewLogEventStartIndex: tooNewStart }),
    };
    return Object.keys(rejected).length > 0 ? { rejectedLogEventsInfo: rejected } : {};
  }

  getLogEvents(body: unknown): GetLogEventsResult {
    const input = new Input(body, INVALID);
    const group = this.#groupOf(input);
    const name = input.string('logStreamName');
    const stream = group.streams.get(name);
    if (stream === undefined) throw notFound(`log stream ${group.name}/${name}`);
    return getLogEvents(stream, input);
  }

  filterLogEvents(body: unknown): FilterLogEventsResult {
    const input = new Input(body, INVALID);
    return filterLogEvents(this.#groupOf(input), input, {
      lagMs: this.#ingestionLagMs,
      now: this.#now(),
    });
  }

  /** Adds or replaces a filter; at most 2 per group. The destination must be registered. */
  putSubscriptionFilter(body: unknown): Record<string, never> {
    const input = new Input(body, INVALID);
    const group = this.#group(input.string('logGroupName'));
    const filterName = input.string('filterName');
    const filterPattern = input.optString('filterPattern');
    if (filterPattern === undefined)
      throw new AwsEndpointError(INVALID, 'filterPattern is required (use "" for all)');
    const destinationArn = input.string('destinationArn');
    const distribution = input.optString('distribution') ?? 'ByLogStream';
    if (!group.filters.has(filterName) && group.filters.size >= 2) {
      throw new AwsEndpointError(
        'LimitExceededException',
        `log group ${group.name} already has 2 subscription filters`,
      );
    }
    if (!this.#delivery.hasDestination(destinationArn)) {
      throw new AwsEndpointError(
        INVALID,
        `destinationArn ${destinationArn} cannot be invoked: no destination is registered for it (call logs.registerDestination first)`,
      );
    }
    const roleArn = input.optString('roleArn');
    group.filters.set(filterName, {
      filterName,
      filterPattern,
      destinationArn,
      distribution,
      creationTime: this.#now(),
      matches: compileFilterPattern(filterPattern),
      ...(roleArn !== undefined && { roleArn }),
    });
    return {};
  }

  describeSubscriptionFilters(body: unknown) {
    const input = new Input(body, INVALID);
    const group = this.#group(input.string('logGroupName'));
    const prefix = input.optString('filterNamePrefix') ?? '';
    const subscriptionFilters = [...group.filters.values()]
      .filter((f) => f.filterName.startsWith(prefix))
      .map(({ matches: _, ...f }) => ({ ...f, logGroupName: group.name }));
    return { subscriptionFilters };
  }

  deleteSubscriptionFilter(body: unknown): Record<string, never> {
    const input = new Input(body, INVALID);
    const group = this.#group(input.string('logGroupName'));
    const filterName = input.string('filterName');
    if (!group.filters.delete(filterName))
      throw notFound(`subscription filter ${filterName} on ${group.name}`);
    return {};
  }

  #deliver(group: LogGroup, logStream: string, events: StoredLogEvent[]): void {
    const jobs = dataMessages(group.name, logStream, [...group.filters.values()], events);
    this.#delivery.enqueue(`${group.name}\u0000${logStream}`, jobs);
  }

  #group(name: string): LogGroup {
    const group = this.#groups.get(name);
    if (group === undefined) throw notFound(`log group ${name}`);
    return group;
  }

  /** Resolves `logGroupName` or `logGroupIdentifier` (a name or an ARN), exactly one of them. */
  #groupOf(input: Input): LogGroup {
    const name = input.optString('logGroupName');
    const identifier = input.optString('logGroupIdentifier');
    if (name !== undefined && identifier !== undefined) {
      throw new AwsEndpointError(INVALID, 'logGroupName and logGroupIdentifier cannot both be specified');
    }
    if (name !== undefined) return this.#group(name);
    if (identifier === undefined)
      throw new AwsEndpointError(INVALID, 'logGroupName or logGroupIdentifier is required');
    const fromArn = /^arn:aws[\w-]*:logs:[^:]*:[^:]*:log-group:([^:]+)(:\*)?$/.exec(identifier)?.[1];
    return this.#group(fromArn ?? identifier);
  }
}
