import { gzipSync } from 'node:zlib';
import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
  PutSubscriptionFilterCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../core/report-model.js';
import { dynamo, logs } from '../../lambdas/shared/clients.js';
import { SendBudget } from '../../lambdas/shared/send-budget.js';
import { Store } from '../../lambdas/shared/store.js';
import { LOCAL_REPORTS_BUCKET, LOCAL_TABLE, localS3 } from '../../local/runner/local-aws-setup.js';
import { EDIT_GROUP, profileInput } from '../fixtures/profile.js';
import { TEST_STACK_POLICY, useLocalAws } from '../support/local-aws.js';

const ctx = useLocalAws();
const store = new Store(LOCAL_TABLE);

/** Every item in the table, runs' `RUN#…` partitions included: a refused call must leave it as it was. */
async function tableItems(): Promise<unknown[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await dynamo().send(
      new ScanCommand({ TableName: LOCAL_TABLE, ConsistentRead: true, ExclusiveStartKey: start }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  const key = (item: Record<string, unknown>) => `${String(item.pk)}\n${String(item.sk)}`;
  return items.sort((a, b) => key(a).localeCompare(key(b)));
}

type Handler = (event: unknown) => Promise<unknown>;
const HANDLERS: Record<string, () => Promise<{ handler: Handler }>> = {
  prepare: () => import('../../lambdas/prepare.js'),
  'start-scenario': () => import('../../lambdas/start-scenario.js'),
  trigger: () => import('../../lambdas/trigger.js'),
  await: () => import('../../lambdas/await.js'),
  finalize: () => import('../../lambdas/finalize.js'),
  observe: () => import('../../lambdas/observe.js'),
  report: () => import('../../lambdas/report.js'),
  'target-change': () => import('../../lambdas/target-change.js'),
};
const MALFORMED: unknown[] = [
  null,
  42,
  'text',
  [],
  {},
  { runId: 7 },
  { runId: '' },
  { runId: 'x'.repeat(100_000), sessionId: [] },
];

describe('every handler, given a malformed event', () => {
  for (const [name, load] of Object.entries(HANDLERS)) {
    it(`${name} fails with InvalidEvent naming the field, and writes nothing`, async () => {
      const { handler } = await load();
      const before = await tableItems();
      for (const event of MALFORMED) {
        const error = (await handler(event).then(
          () => new Error('resolved'),
          (e: Error) => e,
        )) as Error;
        expect([name, String(event), error.name]).toEqual([name, String(event), 'InvalidEvent']);
        expect(error.message).toMatch(new RegExp(`^${name} received an invalid event: \\S+`));
        expect(error.message).not.toMatch(/\n\s+at /);
      }
      // A run id longer than an execution name could never be a key: refused before any call.
      if (name !== 'observe') {
        // Every other field valid, so the run id alone is what is refused.
        const long = {
          runId: 'x'.repeat(100_000),
          sessionId: 's',
          scenario: 's',
          taskToken: 't',
          outcome: 'completed',
          kind: 'ecsDesiredCount',
          cluster: 'webordinary-edit-cluster',
          service: 'webordinary-edit-service',
          before: 1,
          after: 0,
          restored: false,
        };
        await expect(handler(long)).rejects.toMatchObject({
          name: 'InvalidEvent',
          message: expect.stringContaining('runId'),
        });
      }
      expect(await tableItems()).toEqual(before);
    });
  }

  it('collector drops a payload that is not a subscription event, with a reason, and writes nothing', async () => {
    const { handler } = await import('../../lambdas/collector.js');
    const before = await tableItems();
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20)).toString('base64');
    const events: unknown[] = [
      null,
      { awslogs: {} },
      { awslogs: { data: 'not base64 gzip' } },
      { awslogs: { data: gzipSync('{"messageType": 1}').toString('base64') } },
      { awslogs: { data: gzipSync('[1,2').toString('base64') } },
      { awslogs: { data: bomb } },
      { awslogs: { data: 'A'.repeat(2 * 1024 * 1024) } },
    ];
    const rss = process.memoryUsage().rss;
    for (const event of events) expect(await handler(event)).toEqual({ recorded: 0 });
    // The 64 MiB gzip bomb stopped at the 8 MiB bound instead of being inflated whole.
    expect(process.memoryUsage().rss - rss).toBeLessThan(48 * 1024 * 1024);
    expect(await tableItems()).toEqual(before);
  });
});

describe('prepare, given a hostile profile', () => {
  it('refuses a profile outside the stack policy with ProfileInvalid naming each field, and writes nothing', async () => {
    const { handler } = await import('../../lambdas/prepare.js');
    const base = profileInput();
    const before = await tableItems();
    const error = (await handler({
      runId: 'run-foreign',
      profile: {
        ...base,
        target: {
          ...base.target,
          trigger: { ...base.target.trigger, from: 'ceo@bank.example', to: '{userId}@victim.example' },
          failures: [{ group: '/aws/lambda/someone-else', pattern: 'x' }],
        },
        publish: { cloudwatch: true, namespace: 'Foreign/Namespace' },
      },
    }).catch((e: Error) => e)) as Error;
    expect(error.name).toBe('ProfileInvalid');
    expect(error.message).toContain('target.trigger.from: ceo@bank.example is not covered');
    expect(error.message).toContain('target.trigger.to: recipient domain victim.example');
    expect(error.message).toContain('target.failures[0].group: log group "/aws/lambda/someone-else"');
    expect(error.message).toContain('publish.namespace: "Foreign/Namespace"');
    expect(await store.getRun('run-foreign')).toBeUndefined();
    expect(await tableItems()).toEqual(before);
  });

  it('refuses CR/LF in a header and a second address with ProfileInvalid', async () => {
    const { handler } = await import('../../lambdas/prepare.js');
    const base = profileInput();
    const error = (await handler({
      runId: 'run-inject',
      profile: {
        ...base,
        target: {
          ...base.target,
          trigger: { ...base.target.trigger, to: '{userId}@amelia.webordinary.com\r\nBcc: all@example.com' },
        },
      },
    }).catch((e: Error) => e)) as Error;
    expect(error.name).toBe('ProfileInvalid');
    expect(error.message).toContain('target.trigger.to: must not contain a carriage return');
    expect(await store.getRun('run-inject')).toBeUndefined();
  });

  it('refuses a profile nested 10,000 levels deep with a readable problem, not a stack overflow', async () => {
    const { handler } = await import('../../lambdas/prepare.js');
    let deep: unknown = {};
    for (let i = 0; i < 10_000; i++) deep = { a: deep };
    const error = (await handler({ runId: 'run-deep', profile: deep }).catch((e: Error) => e)) as Error;
    expect(error.name).toBe('ProfileInvalid');
    expect(error.message).toContain('more than 32 levels deep');
  });

  it('takes one run at a time: a second run is refused while the first is active, and starts once it reports', async () => {
    const { handler } = await import('../../lambdas/prepare.js');
    await handler({ runId: 'run-first', profile: profileInput() });
    const before = await tableItems();
    const error = (await handler({ runId: 'run-second', profile: profileInput() }).catch(
      (e: Error) => e,
    )) as Error;
    expect(error.name).toBe('RunNotAdmitted');
    expect(error.message).toContain('run run-first is active');
    expect(await store.getRun('run-second')).toBeUndefined();
    expect(await tableItems()).toEqual(before);
    // A retried Prepare of the admitted run is still admitted.
    await handler({ runId: 'run-first', profile: profileInput() });
    await store.finishRun('run-first', Date.now(), Date.now() + 60_000);
    await expect(handler({ runId: 'run-second', profile: profileInput() })).resolves.toMatchObject({
      runId: 'run-second',
    });
  });

  it('refuses allowConcurrentRuns when the stack allows one run at a time', async () => {
    const { handler } = await import('../../lambdas/prepare.js');
    const error = (await handler({
      runId: 'run-optin',
      profile: { ...profileInput(), allowConcurrentRuns: true },
    }).catch((e: Error) => e)) as Error;
    expect(error.name).toBe('ProfileInvalid');
    expect(error.message).toContain('allowConcurrentRuns: the stack allows one run at a time');
  });
});

describe('trigger', () => {
  it('stops at the daily send budget: the session fails with SendBudgetExhausted and nothing is sent', async () => {
    const restore = process.env.STACK_POLICY;
    process.env.STACK_POLICY = JSON.stringify({ ...TEST_STACK_POLICY, dailySendBudget: 2 });
    try {
      const prepare = (await import('../../lambdas/prepare.js')).handler;
      const start = (await import('../../lambdas/start-scenario.js')).handler;
      const trigger = (await import('../../lambdas/trigger.js')).handler;
      // The budget counts per UTC day across runs: Prepare admits a run of 2 (within the budget), and
      // then another run of the same day sends one more first.
      const { DeleteCommand } = await import('@aws-sdk/lib-dynamodb');
      const day = new Date().toISOString().slice(0, 10);
      await dynamo().send(
        new DeleteCommand({ TableName: LOCAL_TABLE, Key: { pk: 'BUDGET', sk: `DAY#${day}` } }),
      );
      await prepare({
        runId: 'run-budget',
        profile: profileInput({ scenarios: [{ type: 'burst', sessions: 2 }] }),
      });
      await new SendBudget(LOCAL_TABLE).spend(2);
      const started = (await start({ runId: 'run-budget', scenario: 'burst' })) as { planKey: string };
      const object = await localS3().send(
        new GetObjectCommand({ Bucket: LOCAL_REPORTS_BUCKET, Key: started.planKey }),
      );
      const plan = {
        sessions: JSON.parse((await object.Body?.transformToString('utf8')) ?? '[]') as {
          sessionId: string;
        }[],
      };
      const since = Math.floor(Date.now() / 1000) - 1;
      const results = await Promise.allSettled(
        plan.sessions.map((s) => trigger({ runId: 'run-budget', sessionId: s.sessionId })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(rejected.map((r) => (r.reason as Error).name)).toEqual(['SendBudgetExhausted']);
      expect(String((rejected[0]?.reason as Error | undefined)?.message)).toContain(
        'daily send budget of 2 emails',
      );
      const sent = (await (await fetch(`${ctx.aws.endpoints.ses}/store?since=${since}`)).json()) as {
        emails: { subject: string }[];
      };
      expect(sent.emails.filter((e) => e.subject.includes('Benchmark'))).toHaveLength(1);
    } finally {
      process.env.STACK_POLICY = restore;
    }
  });
});

describe('lost batches', () => {
  it('names a batch the collector failed on (after its retries) in the report, and says so in the summary', async () => {
    const failing = 'arn:aws:lambda:us-east-1:000000000000:function:failing-collector';
    ctx.aws.endpoint.logs.registerDestination(failing, async () => {
      throw new Error('ProvisionedThroughputExceededException: the table is throttled');
    });
    const group = '/ecs/lost';
    await logs().send(new CreateLogGroupCommand({ logGroupName: group }));
    await logs().send(
      new PutSubscriptionFilterCommand({
        logGroupName: group,
        filterName: 'f',
        filterPattern: '',
        destinationArn: failing,
      }),
    );
    await logs().send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: 'edit/task-1' }));
    const prepare = (await import('../../lambdas/prepare.js')).handler;
    const report = (await import('../../lambdas/report.js')).handler;
    await prepare({
      runId: 'run-lost',
      startedAt: new Date(Date.now() - 10_000).toISOString(),
      profile: profileInput(),
    });
    await logs().send(
      new PutLogEventsCommand({
        logGroupName: group,
        logStreamName: 'edit/task-1',
        logEvents: [{ timestamp: Date.now() - 5_000, message: 'Astro build successful' }],
      }),
    );
    await ctx.aws.endpoint.logs.drain();
    expect(ctx.aws.endpoint.sqs.depth('webordinary-bench-lost-batches')).toBe(1);
    const out = (await report({ runId: 'run-lost' })) as { summary: string };
    expect(out.summary).toContain('1 log batch(es) lost');
    const body = await localS3().send(
      new GetObjectCommand({ Bucket: LOCAL_REPORTS_BUCKET, Key: 'reports/run-lost/report.json' }),
    );
    const json = JSON.parse((await body.Body?.transformToString('utf8')) ?? '') as Report;
    expect(json.lostBatches).toEqual([
      expect.objectContaining({
        logGroup: group,
        logStream: 'edit/task-1',
        events: 1,
        reason: expect.stringContaining('throttled'),
      }),
    ]);
    // Moved into the table before it left the queue.
    expect(ctx.aws.endpoint.sqs.depth('webordinary-bench-lost-batches')).toBe(0);
    void EDIT_GROUP;
  });
});
