import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  FilterLogEventsCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseProfile } from '../../core/validate-profile.js';
import { type AdversarialDeliveryOptions, DeliveryPlanner } from '../../local/aws-endpoint/delivery-plan.js';
import {
  type DestinationHandler,
  LogsStore,
  type SubscriptionDataMessage,
  type SubscriptionEvent,
  startAwsEndpoint,
} from '../../local/aws-endpoint/index.js';
import { startCollectorInstances } from '../../local/runner/collector-instances.js';

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:collector';
const decode = (event: SubscriptionEvent) =>
  JSON.parse(
    gunzipSync(Buffer.from(event.awslogs.data, 'base64')).toString('utf8'),
  ) as SubscriptionDataMessage;

interface Received {
  readonly instance: number;
  readonly at: number;
  readonly message: SubscriptionDataMessage;
}

const adversarial = (change: Partial<AdversarialDeliveryOptions> = {}): AdversarialDeliveryOptions => ({
  shuffleWindowMs: 0,
  redeliverShare: 0,
  redeliverDelayMs: { min: 0, max: 0 },
  seed: 1,
  ...change,
});

/**
 * A store with one group, `streams` streams and a subscription whose destination has
 * `instances` recording handlers; `put(stream, i)` writes batch i (one event, timestamp 1000 + i).
 */
function subscribed(options: {
  adversarial?: AdversarialDeliveryOptions;
  instances?: number;
  workMs?: number;
}) {
  const store = new LogsStore({ ...(options.adversarial ? { adversarial: options.adversarial } : {}) });
  const received: Received[] = [];
  const running = new Map<number, number>();
  let maxPerInstance = 0;
  let maxTotal = 0;
  const handlers: DestinationHandler[] = Array.from(
    { length: options.instances ?? 1 },
    (_, instance) => async (event) => {
      running.set(instance, (running.get(instance) ?? 0) + 1);
      maxPerInstance = Math.max(maxPerInstance, running.get(instance)!);
      maxTotal = Math.max(
        maxTotal,
        [...running.values()].reduce((a, b) => a + b, 0),
      );
      if (options.workMs) await new Promise((resolve) => setTimeout(resolve, options.workMs));
      received.push({ instance, at: Date.now(), message: decode(event) });
      running.set(instance, running.get(instance)! - 1);
      return {};
    },
  );
  store.registerDestination(ARN, handlers);
  store.createLogGroup({ logGroupName: '/g' });
  store.putSubscriptionFilter({
    logGroupName: '/g',
    filterName: 'f',
    filterPattern: '',
    destinationArn: ARN,
  });
  const streams = new Set<string>();
  const put = (stream: string, i: number) => {
    if (!streams.has(stream)) {
      store.createLogStream({ logGroupName: '/g', logStreamName: stream });
      streams.add(stream);
    }
    store.putLogEvents({
      logGroupName: '/g',
      logStreamName: stream,
      logEvents: [{ timestamp: Date.now() - 10_000 + i, message: `${stream} batch ${i}` }],
    });
  };
  const batchOf = (r: Received) => Number(r.message.logEvents[0]!.message.split(' ').pop());
  return {
    store,
    received,
    put,
    batchOf,
    max: () => ({ perInstance: maxPerInstance, total: maxTotal }),
  };
}

describe('adversarial subscription delivery', () => {
  it('keeps today’s delivery without the option: in order, once, to the first instance', async () => {
    const s = subscribed({ instances: 3 });
    for (let i = 0; i < 20; i++) s.put('a', i);
    await s.store.drain();
    expect(s.received.map(s.batchOf)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(new Set(s.received.map((r) => r.instance))).toEqual(new Set([0]));
  });

  it('reorders the batches of a stream within the shuffle window, each delivered once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer(), async (seed) => {
        const s = subscribed({ adversarial: adversarial({ shuffleWindowMs: 60, seed }) });
        const started = Date.now();
        for (let i = 0; i < 12; i++) s.put('a', i);
        await s.store.drain();
        const order = s.received.map(s.batchOf);
        expect([...order].sort((x, y) => x - y)).toEqual(Array.from({ length: 12 }, (_, i) => i));
        // A later batch arrives before an earlier one (12 batches in order: 1 chance in 12!).
        expect(order.some((batch, i) => i > 0 && batch < order[i - 1]!)).toBe(true);
        expect(Date.now() - started).toBeLessThan(60 + 500);
      }),
      { numRuns: 8 },
    );
  });

  it('redelivers a share of the payloads after the delay, byte for byte (same event ids)', async () => {
    const s = subscribed({
      adversarial: adversarial({ redeliverShare: 0.3, redeliverDelayMs: { min: 40, max: 80 }, seed: 3 }),
    });
    const putAt = Date.now();
    for (let i = 0; i < 100; i++) s.put(`s${i % 5}`, i);
    await s.store.drain();
    const byBatch = new Map<string, Received[]>();
    for (const r of s.received) {
      const key = `${r.message.logStream}/${s.batchOf(r)}`;
      byBatch.set(key, [...(byBatch.get(key) ?? []), r]);
    }
    expect(byBatch.size).toBe(100);
    const twice = [...byBatch.values()].filter((copies) => copies.length === 2);
    expect([...byBatch.values()].every((copies) => copies.length <= 2)).toBe(true);
    expect(twice.length).toBeGreaterThan(15);
    expect(twice.length).toBeLessThan(45);
    for (const [first, second] of twice) {
      expect(second!.message).toEqual(first!.message);
      expect(second!.message.logEvents[0]!.id).toBe(first!.message.logEvents[0]!.id);
      // The second delivery comes the drawn delay (>= 40 ms) after the put that caused both.
      expect(second!.at - putAt).toBeGreaterThanOrEqual(40 - 2);
    }
  });

  it('spreads one stream over the instances, one invocation per instance at a time, several at once', async () => {
    const s = subscribed({
      adversarial: adversarial({ shuffleWindowMs: 20, seed: 9 }),
      instances: 3,
      workMs: 15,
    });
    for (let i = 0; i < 30; i++) s.put('one-stream', i);
    await s.store.drain();
    expect(s.received).toHaveLength(30);
    const perInstance = [0, 1, 2].map((i) => s.received.filter((r) => r.instance === i).length);
    expect(perInstance.every((n) => n >= 4)).toBe(true);
    expect(s.max()).toEqual({ perInstance: 1, total: expect.any(Number) });
    expect(s.max().total).toBeGreaterThan(1);
  });

  it('draws the same deliveries for the same seed and stream position, whatever other streams do', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.array(fc.constantFrom('a', 'b', 'c'), { maxLength: 40 }),
        (seed, noise) => {
          const options = adversarial({
            shuffleWindowMs: 1500,
            redeliverShare: 0.2,
            redeliverDelayMs: { min: 1500, max: 3000 },
            seed,
          });
          const quiet = new DeliveryPlanner(options);
          const busy = new DeliveryPlanner(options);
          for (const stream of noise) busy.plan(stream);
          for (let n = 0; n < 5; n++) {
            const plan = quiet.plan('x');
            expect(busy.plan('x')).toEqual(plan);
            expect(plan[0]!.delayMs).toBeGreaterThanOrEqual(0);
            expect(plan[0]!.delayMs).toBeLessThan(1500);
            if (plan[1]) {
              expect(plan[1].delayMs - plan[0]!.delayMs).toBeGreaterThanOrEqual(1500);
              expect(plan[1].delayMs - plan[0]!.delayMs).toBeLessThanOrEqual(3000);
            }
          }
        },
      ),
    );
    const share = (seed: number) => {
      const planner = new DeliveryPlanner(adversarial({ redeliverShare: 0.2, seed }));
      return (
        Array.from({ length: 2000 }, () => planner.plan('s').length - 1).reduce((a, b) => a + b, 0) / 2000
      );
    };
    expect(share(1)).toBeGreaterThan(0.17);
    expect(share(1)).toBeLessThan(0.23);
  });
});

describe('ingestion lag for FilterLogEvents', () => {
  it('returns an event only once now >= its timestamp + lag', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 1, max: 5_000 }),
        fc.integer({ min: 0, max: 16_000 }),
        (offsets, lagMs, readAt) => {
          const base = 1_800_000_000_000;
          let now = base + 10_000;
          const store = new LogsStore({ ingestionLagMs: lagMs, now: () => now });
          store.createLogGroup({ logGroupName: '/lag' });
          store.createLogStream({ logGroupName: '/lag', logStreamName: 's' });
          const timestamps = [...offsets].sort((a, b) => a - b).map((o) => base + o);
          store.putLogEvents({
            logGroupName: '/lag',
            logStreamName: 's',
            logEvents: timestamps.map((timestamp, i) => ({ timestamp, message: `e${i}` })),
          });
          now = base + readAt;
          const { events } = store.filterLogEvents({ logGroupName: '/lag' });
          expect(events.map((e) => e.timestamp)).toEqual(timestamps.filter((t) => now >= t + lagMs));
          for (const e of events) expect(e.ingestionTime).toBeGreaterThanOrEqual(e.timestamp + lagMs);
        },
      ),
    );
  });

  it('applies through the endpoint a run starts, and not at all without the option', async () => {
    const lagged = await startAwsEndpoint({ logs: { ingestionLagMs: 400 } });
    const plain = await startAwsEndpoint();
    try {
      const read = async (url: string) => {
        const logs = new CloudWatchLogsClient({
          endpoint: url,
          region: 'us-east-1',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        });
        await logs.send(new CreateLogGroupCommand({ logGroupName: '/e' }));
        await logs.send(new CreateLogStreamCommand({ logGroupName: '/e', logStreamName: 's' }));
        await logs.send(
          new PutLogEventsCommand({
            logGroupName: '/e',
            logStreamName: 's',
            logEvents: [{ timestamp: Date.now(), message: 'marker' }],
          }),
        );
        const before = (await logs.send(new FilterLogEventsCommand({ logGroupName: '/e' }))).events ?? [];
        await new Promise((resolve) => setTimeout(resolve, 450));
        const after = (await logs.send(new FilterLogEventsCommand({ logGroupName: '/e' }))).events ?? [];
        logs.destroy();
        return [before.length, after.length];
      };
      expect(await read(lagged.url)).toEqual([0, 1]);
      expect(await read(plain.url)).toEqual([1, 1]);
    } finally {
      await lagged.close();
      await plain.close();
    }
  });
});

describe('collector instances', () => {
  const module = pathToFileURL('test/support/counting-handler.ts').href;

  it('runs each instance in a process of its own, with its own warm module state', async () => {
    const instances = await startCollectorInstances(2, { handlerModule: module });
    try {
      const [a, b] = instances.handlers;
      const first = (await a!({})) as { pid: number; own: number; shared: number };
      const second = (await a!({})) as typeof first;
      const other = (await b!({})) as typeof first;
      expect(second).toEqual({ pid: first.pid, own: 2, shared: 2 });
      // Nothing is shared with the first instance: not its own module, not the module it imports.
      expect(other.pid).not.toBe(first.pid);
      expect(other).toMatchObject({ own: 1, shared: 1 });
      await expect(a!({ fail: true })).rejects.toMatchObject({ name: 'TypeError', message: 'asked to fail' });
      // Each process counts its own invocations (for the run's measured cost); usage() sums them.
      const usage = await instances.usage();
      expect(usage.lambda.collector?.invocations).toBe(4);
      // Each invocation is billed at least 1 ms: four of them, from both processes.
      expect(usage.lambda.collector?.seconds).toBeGreaterThan(0.0039);
    } finally {
      await instances.close();
    }
  }, 60_000);

  it('needs processes: a query-string import copies the handler module but shares what it imports', async () => {
    const one = (await import(`${module}?instance=1`)) as typeof import('../support/counting-handler.js');
    const two = (await import(`${module}?instance=2`)) as typeof import('../support/counting-handler.js');
    const a = await one.handler({});
    const b = await two.handler({});
    expect([a.own, b.own]).toEqual([1, 1]);
    expect(b.shared).toBe(a.shared + 1);
  });
});

describe('profile local.delivery', () => {
  it('names each bad field', () => {
    const profile = {
      name: 'p',
      target: {
        trigger: {
          type: 'ses',
          from: 'a@b.com',
          to: '{userId}@x.webordinary.com',
          subject: 's',
          body: '{token}',
        },
        stages: [{ name: 'done', log: { group: '/g', pattern: 'done', correlation: 'key' } }],
      },
      scenarios: [{ type: 'stages' }],
      local: {
        delivery: {
          shuffleWindowMs: -1,
          redeliverShare: 1.5,
          redeliverDelayMs: { min: 3000, max: 1500 },
          instances: 0,
          ingestionLagMs: 0.5,
        },
      },
    };
    expect(() => parseProfile(profile)).toThrow(
      [
        'local.delivery.shuffleWindowMs: must be >= 0, got -1',
        'local.delivery.redeliverShare: must be <= 1, got 1.5',
        'local.delivery.redeliverDelayMs.max: must be >= min (3000), got 1500',
        'local.delivery.instances: must be >= 1, got 0',
        'local.delivery.ingestionLagMs: must be an integer, got 0.5',
      ].join('\n  - '),
    );
    const ok = parseProfile({ ...profile, local: { delivery: { instances: 3 } } });
    expect(ok.local?.delivery).toEqual({
      shuffleWindowMs: 0,
      redeliverShare: 0,
      redeliverDelayMs: { min: 1000, max: 3000 },
      instances: 3,
      ingestionLagMs: 0,
    });
  });
});
