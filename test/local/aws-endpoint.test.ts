import { gunzipSync } from 'node:zlib';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  DeleteSubscriptionFilterCommand,
  DescribeLogGroupsCommand,
  DescribeLogStreamsCommand,
  DescribeSubscriptionFiltersCommand,
  FilterLogEventsCommand,
  GetLogEventsCommand,
  InvalidParameterException,
  LimitExceededException,
  PutLogEventsCommand,
  PutSubscriptionFilterCommand,
  paginateFilterLogEvents,
  ResourceNotFoundException,
} from '@aws-sdk/client-cloudwatch-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AwsEndpoint,
  type DeliveryFailure,
  type SubscriptionDataMessage,
  type SubscriptionEvent,
  startAwsEndpoint,
} from '../../local/aws-endpoint/index.js';

let endpoint: AwsEndpoint;
let logs: CloudWatchLogsClient;

beforeAll(async () => {
  endpoint = await startAwsEndpoint({ logs: { backoffMs: 5 } });
  logs = new CloudWatchLogsClient({
    endpoint: endpoint.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    // The SDK retries LimitExceededException as throttling; one attempt keeps the limit test fast.
    maxAttempts: 1,
  });
});

afterAll(async () => {
  logs.destroy();
  await endpoint.close();
});

const decode = (event: SubscriptionEvent): SubscriptionDataMessage =>
  JSON.parse(gunzipSync(Buffer.from(event.awslogs.data, 'base64')).toString('utf8'));

async function createStreams(group: string, ...streams: string[]): Promise<void> {
  await logs.send(new CreateLogGroupCommand({ logGroupName: group }));
  for (const s of streams)
    await logs.send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: s }));
}

const put = (group: string, stream: string, events: { timestamp: number; message: string }[]) =>
  logs.send(new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: events }));

describe('CloudWatch Logs', () => {
  it('creates nothing implicitly: a missing group or stream raises ResourceNotFoundException', async () => {
    const event = [{ timestamp: Date.now(), message: 'x' }];
    await expect(put('/missing', 's', event)).rejects.toBeInstanceOf(ResourceNotFoundException);
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/half' }));
    await expect(put('/half', 's', event)).rejects.toBeInstanceOf(ResourceNotFoundException);
    const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/' }));
    expect(groups.logGroups?.map((g) => g.logGroupName)).toEqual(['/half']);
    const streams = await logs.send(new DescribeLogStreamsCommand({ logGroupName: '/half' }));
    expect(streams.logStreams).toEqual([]);
  });

  it('keeps the caller timestamp, sets ingestionTime, and rejects unordered batches', async () => {
    await createStreams('/keep', 'a');
    const t = Date.now() - 60_000;
    await put('/keep', 'a', [
      { timestamp: t, message: 'first' },
      { timestamp: t + 5, message: 'second' },
    ]);
    const got = await logs.send(
      new GetLogEventsCommand({ logGroupName: '/keep', logStreamName: 'a', startFromHead: true }),
    );
    expect(got.events?.map((e) => [e.timestamp, e.message])).toEqual([
      [t, 'first'],
      [t + 5, 'second'],
    ]);
    expect(got.events?.[0]?.ingestionTime).toBeGreaterThanOrEqual(t + 60_000);
    const unordered = put('/keep', 'a', [
      { timestamp: t + 10, message: 'late' },
      { timestamp: t, message: 'early' },
    ]);
    await expect(unordered).rejects.toBeInstanceOf(InvalidParameterException);
    const described = await logs.send(new DescribeLogStreamsCommand({ logGroupIdentifier: '/keep' }));
    expect(described.logStreams?.[0]).toMatchObject({
      logStreamName: 'a',
      firstEventTimestamp: t,
      lastEventTimestamp: t + 5,
    });
  });

  it('rejects events over 14 days old or 2 hours ahead through rejectedLogEventsInfo', async () => {
    await createStreams('/window', 'w');
    const now = Date.now();
    const old = await put('/window', 'w', [
      { timestamp: now - 14 * 86_400_000 - 3_600_000, message: 'too old' },
      { timestamp: now - 14 * 86_400_000 + 3_600_000, message: 'old but kept' },
    ]);
    expect(old.rejectedLogEventsInfo).toEqual({ tooOldLogEventEndIndex: 1 });
    const ahead = await put('/window', 'w', [
      { timestamp: now, message: 'kept' },
      { timestamp: now + 3 * 3_600_000, message: 'too new' },
    ]);
    expect(ahead.rejectedLogEventsInfo).toEqual({ tooNewLogEventStartIndex: 1 });
    const got = await logs.send(new GetLogEventsCommand({ logGroupName: '/window', logStreamName: 'w' }));
    expect(got.events?.map((e) => e.message)).toEqual(['old but kept', 'kept']);
  });

  it('filters by inclusive time range, stream names and terms', async () => {
    await createStreams('/filter', 'one', 'two');
    const t = Date.now() - 10_000;
    await put('/filter', 'one', [
      { timestamp: t, message: 'START job alpha' },
      { timestamp: t + 1, message: 'DONE job alpha' },
      { timestamp: t + 2, message: 'ERROR job alpha' },
    ]);
    await put('/filter', 'two', [{ timestamp: t + 1, message: 'DONE job beta' }]);
    const filter = async (input: Record<string, unknown>) =>
      (await logs.send(new FilterLogEventsCommand({ logGroupName: '/filter', ...input }))).events?.map(
        (e) => e.message,
      );
    expect(await filter({ startTime: t + 1, endTime: t + 2 })).toEqual([
      'DONE job alpha',
      'DONE job beta',
      'ERROR job alpha',
    ]);
    expect(await filter({ logStreamNames: ['two'] })).toEqual(['DONE job beta']);
    expect(await filter({ filterPattern: 'DONE alpha' })).toEqual(['DONE job alpha']);
    expect(await filter({ filterPattern: '"job beta"' })).toEqual(['DONE job beta']);
    expect(await filter({ filterPattern: '?START ?ERROR' })).toEqual(['START job alpha', 'ERROR job alpha']);
    const arn = 'arn:aws:logs:us-east-1:000000000000:log-group:/filter';
    const byArn = await logs.send(
      new FilterLogEventsCommand({ logGroupIdentifier: arn, filterPattern: 'beta' }),
    );
    expect(byArn.events?.[0]).toMatchObject({
      logStreamName: 'two',
      timestamp: t + 1,
      eventId: expect.any(String),
    });
    expect(byArn.events?.[0]?.ingestionTime).toEqual(expect.any(Number));
    await expect(filter({ filterPattern: '{ $.level = "ERROR" }' })).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
  });

  it('paginates FilterLogEvents in timestamp order with limit and nextToken', async () => {
    await createStreams('/pages', 's1', 's2');
    const base = Date.now() - 100_000;
    const odd = Array.from({ length: 12 }, (_, i) => ({ timestamp: base + 2 * i + 1, message: `odd ${i}` }));
    const even = Array.from({ length: 13 }, (_, i) => ({ timestamp: base + 2 * i, message: `even ${i}` }));
    await put('/pages', 's1', odd);
    await put('/pages', 's2', even);
    const first = await logs.send(new FilterLogEventsCommand({ logGroupName: '/pages', limit: 10 }));
    expect(first.events).toHaveLength(10);
    expect(first.nextToken).toEqual(expect.any(String));
    const pages = [];
    for await (const page of paginateFilterLogEvents(
      { client: logs },
      { logGroupName: '/pages', limit: 10 },
    )) {
      pages.push(page.events?.length);
      expect(page.events?.every((e) => e.eventId !== undefined)).toBe(true);
    }
    expect(pages).toEqual([10, 10, 5]);
    const all = [];
    let nextToken: string | undefined;
    do {
      const page = await logs.send(
        new FilterLogEventsCommand({ logGroupName: '/pages', limit: 7, nextToken }),
      );
      all.push(...(page.events ?? []).map((e) => e.timestamp));
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
    expect(all).toEqual(Array.from({ length: 25 }, (_, i) => base + i));
  });
});

describe('CloudWatch Logs subscriptions', () => {
  const destination = 'arn:aws:lambda:us-east-1:000000000000:function:collector';

  it('delivers matching events asynchronously in the real payload format, in order per stream', async () => {
    const received: SubscriptionEvent[] = [];
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const unregister = endpoint.logs.registerDestination(destination, async (event) => {
      await gate;
      received.push(event);
    });
    await createStreams('/sub', 'job-1');
    await logs.send(
      new PutSubscriptionFilterCommand({
        logGroupName: '/sub',
        filterName: 'markers',
        filterPattern: 'MARK',
        destinationArn: destination,
      }),
    );
    const t = Date.now();
    // The destination blocks until released, so these calls prove delivery is outside the request.
    await put('/sub', 'job-1', [
      { timestamp: t, message: 'MARK a' },
      { timestamp: t + 1, message: 'noise' },
    ]);
    await put('/sub', 'job-1', [{ timestamp: t + 2, message: 'MARK b' }]);
    expect(received).toHaveLength(0);
    release();
    await endpoint.logs.drain();
    unregister();
    const messages = received.map(decode);
    expect(messages).toHaveLength(2);
    expect(messages[0]).toEqual({
      messageType: 'DATA_MESSAGE',
      owner: '000000000000',
      logGroup: '/sub',
      logStream: 'job-1',
      subscriptionFilters: ['markers'],
      logEvents: [{ id: expect.stringMatching(/^\d{56}$/), timestamp: t, message: 'MARK a' }],
    });
    expect(messages[1]?.logEvents.map((e) => e.message)).toEqual(['MARK b']);
  });

  it('allows 2 filters per group and describes and deletes them', async () => {
    endpoint.logs.registerDestination(destination, async () => undefined);
    await createStreams('/limits');
    const putFilter = (filterName: string) =>
      logs.send(
        new PutSubscriptionFilterCommand({
          logGroupName: '/limits',
          filterName,
          filterPattern: '',
          destinationArn: destination,
        }),
      );
    await putFilter('f1');
    await putFilter('f2');
    await putFilter('f2');
    await expect(putFilter('f3')).rejects.toBeInstanceOf(LimitExceededException);
    const described = await logs.send(new DescribeSubscriptionFiltersCommand({ logGroupName: '/limits' }));
    expect(described.subscriptionFilters?.map((f) => [f.filterName, f.destinationArn])).toEqual([
      ['f1', destination],
      ['f2', destination],
    ]);
    await logs.send(new DeleteSubscriptionFilterCommand({ logGroupName: '/limits', filterName: 'f1' }));
    await expect(
      logs.send(new DeleteSubscriptionFilterCommand({ logGroupName: '/limits', filterName: 'f1' })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('retries a failing destination, then reports it on onDeliveryError', async () => {
    const flaky = 'arn:aws:lambda:us-east-1:000000000000:function:flaky';
    const broken = 'arn:aws:lambda:us-east-1:000000000000:function:broken';
    let flakyCalls = 0;
    endpoint.logs.registerDestination(flaky, async () => {
      flakyCalls += 1;
      if (flakyCalls < 3) throw new Error('cold start');
    });
    endpoint.logs.registerDestination(broken, async () => {
      throw new Error('always down');
    });
    const failures: DeliveryFailure[] = [];
    const stop = endpoint.logs.onDeliveryError((failure) => failures.push(failure));
    await createStreams('/retry', 's');
    for (const [filterName, destinationArn] of [
      ['flaky', flaky],
      ['broken', broken],
    ] as const) {
      await logs.send(
        new PutSubscriptionFilterCommand({
          logGroupName: '/retry',
          filterName,
          filterPattern: '',
          destinationArn,
        }),
      );
    }
    await put('/retry', 's', [{ timestamp: Date.now(), message: 'hello' }]);
    await endpoint.logs.drain();
    stop();
    expect(flakyCalls).toBe(3);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({
      destinationArn: broken,
      filterName: 'broken',
      attempts: 3,
      logGroup: '/retry',
    });
    expect(failures[0]?.error).toMatchObject({ message: 'always down' });
  });
});
