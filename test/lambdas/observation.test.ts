import { gzipSync } from 'node:zlib';
import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
  PutSubscriptionFilterCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { logs } from '../../lambdas/shared/clients.js';
import { Store } from '../../lambdas/shared/store.js';
import { LOCAL_TABLE, localS3 } from '../../local/runner/local-aws-setup.js';
import { EDIT_GROUP, profileInput } from '../fixtures/profile.js';
import { useLocalAws } from '../support/local-aws.js';

const ctx = useLocalAws();
const store = new Store(LOCAL_TABLE);
const COLLECTOR = 'arn:aws:lambda:us-east-1:000000000000:function:collector';
let stream = 0;
/** Log events must be recent: CloudWatch Logs rejects events over 14 days old. */
const T = Date.now() - 60_000;

beforeAll(async () => {
  const { handler } = await import('../../lambdas/collector.js');
  ctx.aws.endpoint.logs.registerDestination(COLLECTOR, handler);
  await logs().send(new CreateLogGroupCommand({ logGroupName: EDIT_GROUP }));
  await logs().send(
    new PutSubscriptionFilterCommand({
      logGroupName: EDIT_GROUP,
      filterName: 'c',
      filterPattern: '',
      destinationArn: COLLECTOR,
    }),
  );
  await localS3().send(new CreateBucketCommand({ Bucket: 'edit.amelia.webordinary.com' }));
});

/** Prepares a run, marks its sessions sent, and returns them. */
async function sentRun(runId: string, overrides: Parameters<typeof profileInput>[0] = {}, sentAt = 1_000) {
  const { handler } = await import('../../lambdas/prepare.js');
  await handler({
    runId,
    profile: profileInput({ scenarios: [{ type: 'burst', sessions: 2 }], ...overrides }),
  });
  (await import('../../lambdas/collector.js')).forgetActiveRuns();
  const sessions = await store.sessions(runId);
  for (const s of sessions) await store.markSent(runId, s.sessionId, sentAt, sentAt);
  return store.sessions(runId);
}

async function writeLines(lines: { timestamp: number; message: string }[]): Promise<void> {
  const logStreamName = `edit/edit/task-${++stream}`;
  await logs().send(new CreateLogStreamCommand({ logGroupName: EDIT_GROUP, logStreamName }));
  await logs().send(new PutLogEventsCommand({ logGroupName: EDIT_GROUP, logStreamName, logEvents: lines }));
  await ctx.aws.endpoint.logs.drain();
}

describe('collector and await', () => {
  it('records stage times from the events own timestamps, earliest first, duplicates ignored', async () => {
    const [a] = await sentRun('run-col');
    await writeLines([
      {
        timestamp: T + 5_000,
        message: `\u001b[32mReceived Step Functions message for amelia#${a!.userId}\u001b[39m`,
      },
      { timestamp: T + 6_000, message: '✅ Astro build successful' },
      { timestamp: T + 6_500, message: '✅ Astro build successful' },
    ]);
    const after = await store.getSession('run-col', a!.sessionId);
    expect(after?.stages).toEqual({ pickup: T + 5_000, build: T + 6_000 });
    // An earlier duplicate arriving later wins; a later one does not.
    expect(await store.recordStage('run-col', a!.sessionId, 'build', T + 5_900)).toBeDefined();
    expect(await store.recordStage('run-col', a!.sessionId, 'build', T + 7_000)).toBeUndefined();
    expect((await store.getSession('run-col', a!.sessionId))?.stages.build).toBe(T + 5_900);
  });

  it('ends the wait when the last stage arrives after the token', async () => {
    const [a] = await sentRun('run-wait');
    const { token, result } = ctx.aws.endpoint.sfn.issueToken();
    await (await import('../../lambdas/await.js')).handler({
      runId: 'run-wait',
      sessionId: a!.sessionId,
      taskToken: token,
    });
    await writeLines([
      { timestamp: T + 10, message: `Received Step Functions message for amelia#${a!.userId}` },
      { timestamp: T + 20, message: 'Astro build successful' },
      { timestamp: T + 40, message: 'Successfully processed message and sent callback' },
    ]);
    await store.recordStage('run-wait', a!.sessionId, 'live', T + 30);
    const { settle } = await import('../../lambdas/shared/completion.js');
    const run = await store.getRun('run-wait');
    await settle(run!.profile, (await store.getSession('run-wait', a!.sessionId))!);
    await expect(result).resolves.toEqual({ sessionId: a!.sessionId });
  });

  it('ends the wait at once when the session completed before the token was stored', async () => {
    const [a] = await sentRun('run-fast');
    for (const [stage, at] of [
      ['pickup', 1],
      ['build', 2],
      ['live', 3],
      ['done', 4],
    ] as const) {
      await store.recordStage('run-fast', a!.sessionId, stage, at);
    }
    const { token, result } = ctx.aws.endpoint.sfn.issueToken();
    await (await import('../../lambdas/await.js')).handler({
      runId: 'run-fast',
      sessionId: a!.sessionId,
      taskToken: token,
    });
    await expect(result).resolves.toEqual({ sessionId: a!.sessionId });
  });

  it('fails the wait with SessionFailed on a failure marker', async () => {
    const input = profileInput();
    input.target.failures = [
      { group: EDIT_GROUP, pattern: 'Error processing message', correlation: 'stream' },
    ];
    const [a] = await sentRun('run-failm', { target: input.target });
    const { token, result } = ctx.aws.endpoint.sfn.issueToken();
    await (await import('../../lambdas/await.js')).handler({
      runId: 'run-failm',
      sessionId: a!.sessionId,
      taskToken: token,
    });
    await writeLines([
      { timestamp: T + 10, message: `Received Step Functions message for amelia#${a!.userId}` },
      { timestamp: T + 20, message: 'Error processing message: build failed' },
    ]);
    await expect(result).rejects.toMatchObject({ name: 'SessionFailed' });
    const { handler: finalize } = await import('../../lambdas/finalize.js');
    expect(await finalize({ runId: 'run-failm', sessionId: a!.sessionId, outcome: 'failed' })).toEqual({
      status: 'failed',
    });
    expect((await store.getSession('run-failm', a!.sessionId))?.error).toContain('Error processing message');
  });

  it('keeps matching a finished run during its late-data window, and not after', async () => {
    const [a] = await sentRun('run-window');
    await store.finishRun('run-window', Date.now(), Date.now() + 60_000);
    (await import('../../lambdas/collector.js')).forgetActiveRuns();
    await writeLines([
      { timestamp: T + 1, message: `Received Step Functions message for amelia#${a!.userId}` },
    ]);
    expect((await store.getSession('run-window', a!.sessionId))?.stages.pickup).toBe(T + 1);

    const [c] = await sentRun('run-closed');
    await store.finishRun('run-closed', Date.now() - 120_000, Date.now() - 60_000);
    (await import('../../lambdas/collector.js')).forgetActiveRuns();
    await writeLines([
      { timestamp: T + 2, message: `Received Step Functions message for amelia#${c!.userId}` },
    ]);
    expect((await store.getSession('run-closed', c!.sessionId))?.stages.pickup).toBeUndefined();
  });

  it('completes a session whose stream markers were processed before its keyed marker', async () => {
    const [a] = await sentRun('run-order');
    const logStreamName = `edit/edit/task-${++stream}`;
    await logs().send(new CreateLogStreamCommand({ logGroupName: EDIT_GROUP, logStreamName }));
    const { token, result } = ctx.aws.endpoint.sfn.issueToken();
    await (await import('../../lambdas/await.js')).handler({
      runId: 'run-order',
      sessionId: a!.sessionId,
      taskToken: token,
    });
    await store.recordStage('run-order', a!.sessionId, 'live', T + 25);
    const payload = (events: { timestamp: number; message: string }[]) => ({
      awslogs: {
        data: gzipSync(
          JSON.stringify({
            messageType: 'DATA_MESSAGE',
            logGroup: EDIT_GROUP,
            logStream: logStreamName,
            logEvents: events.map((e) => ({ id: `${String(e.timestamp).padStart(20, '0')}`, ...e })),
          }),
        ).toString('base64'),
      },
    });
    const { handler } = await import('../../lambdas/collector.js');
    // Two deliveries handled out of order: the later batch first.
    await handler(
      payload([
        { timestamp: T + 20, message: 'Astro build successful' },
        { timestamp: T + 30, message: 'Successfully processed message and sent callback' },
      ]),
    );
    expect((await store.getSession('run-order', a!.sessionId))?.stages.build).toBeUndefined();
    await handler(
      payload([{ timestamp: T + 10, message: `Received Step Functions message for amelia#${a!.userId}` }]),
    );
    expect((await store.getSession('run-order', a!.sessionId))?.stages).toEqual({
      pickup: T + 10,
      build: T + 20,
      live: T + 25,
      done: T + 30,
    });
    await expect(result).resolves.toEqual({ sessionId: a!.sessionId });
  });

  it('reports and drops a payload it cannot decode', async () => {
    const { handler } = await import('../../lambdas/collector.js');
    expect(await handler({ awslogs: { data: 'not base64 gzip' } })).toEqual({ recorded: 0 });
    expect(await handler({})).toEqual({ recorded: 0 });
    const control = gzipSync(
      JSON.stringify({ messageType: 'CONTROL_MESSAGE', logGroup: '', logStream: '', logEvents: [] }),
    );
    expect(await handler({ awslogs: { data: control.toString('base64') } })).toEqual({ recorded: 0 });
  });
});

describe('observe', () => {
  it('sees the S3 stage of every waiting session with one read per object', async () => {
    // Sent just now: the observer follows them until their timeout.
    const sessions = await sentRun('run-s3', {}, Date.now());
    await (await import('../../lambdas/start-scenario.js')).handler({ runId: 'run-s3', scenario: 'burst' });
    const [a, b] = sessions;
    await localS3().send(
      new PutObjectCommand({
        Bucket: 'edit.amelia.webordinary.com',
        Key: `${a!.userId}/index.html`,
        Body: `<p>${a!.token}</p>`,
      }),
    );
    await localS3().send(
      new PutObjectCommand({
        Bucket: 'edit.amelia.webordinary.com',
        Key: `${b!.userId}/index.html`,
        Body: '<p>old page</p>',
      }),
    );
    const { handler } = await import('../../lambdas/observe.js');
    const out = await handler({ runId: 'run-s3', scenario: 'burst' });
    expect(out).toEqual({ done: false, waitSeconds: 5, open: 2 });
    const live = (await store.getSession('run-s3', a!.sessionId))?.stages.live;
    expect(live).toBeGreaterThan(Date.now() - 10_000);
    expect(live! % 1000).toBe(0); // S3's LastModified has whole seconds
    expect((await store.getSession('run-s3', b!.sessionId))?.stages.live).toBeUndefined();
  });

  it('sees a modifiedAfter stage once the object changes at or after the send', async () => {
    const input = profileInput();
    input.target.stages = [
      {
        name: 'pickup',
        log: { group: EDIT_GROUP, pattern: 'Received Step Functions message for', correlation: 'key' },
      },
      {
        name: 'deployed',
        s3: { bucket: 'edit.amelia.webordinary.com', key: 'index.html', check: 'modifiedAfter' },
      },
    ];
    const { handler: prepare } = await import('../../lambdas/prepare.js');
    await prepare({
      runId: 'run-mod',
      profile: profileInput({ target: input.target, scenarios: [{ type: 'burst', sessions: 2 }] }),
    });
    await (await import('../../lambdas/start-scenario.js')).handler({ runId: 'run-mod', scenario: 'burst' });
    const [early, late] = await store.sessions('run-mod');
    await store.markSent('run-mod', early!.sessionId, Date.now() - 120_000, Date.now() - 120_000);
    await store.markSent('run-mod', late!.sessionId, Date.now() + 120_000, Date.now() + 120_000);
    await localS3().send(
      new PutObjectCommand({ Bucket: 'edit.amelia.webordinary.com', Key: 'index.html', Body: 'x' }),
    );
    await (await import('../../lambdas/observe.js')).handler({ runId: 'run-mod', scenario: 'burst' });
    expect((await store.getSession('run-mod', early!.sessionId))?.stages.deployed).toBeGreaterThan(
      Date.now() - 10_000,
    );
    expect((await store.getSession('run-mod', late!.sessionId))?.stages.deployed).toBeUndefined();
  });

  it('reads logs with FilterLogEvents in poll mode and is done when every session is final', async () => {
    const input = profileInput();
    input.target.observe = { mode: 'poll', intervalSeconds: 1 };
    input.target.stages = input.target.stages.filter((s) => !('s3' in s));
    const sessions = await sentRun('run-poll', { target: input.target });
    await (await import('../../lambdas/start-scenario.js')).handler({ runId: 'run-poll', scenario: 'burst' });
    const scenario = await store.getScenario('run-poll', 'burst');
    // Events well inside the polled window (older than the poll lag).
    const t = scenario!.startAt - 4_000;
    await writeLines([
      { timestamp: t, message: `Received Step Functions message for amelia#${sessions[1]!.userId}` },
      { timestamp: t + 1, message: 'Astro build successful' },
    ]);
    const { handler } = await import('../../lambdas/observe.js');
    await handler({ runId: 'run-poll', scenario: 'burst' });
    expect((await store.getSession('run-poll', sessions[1]!.sessionId))?.stages).toEqual({
      pickup: t,
      build: t + 1,
    });
    const { handler: finalize } = await import('../../lambdas/finalize.js');
    for (const s of sessions)
      await finalize({ runId: 'run-poll', sessionId: s.sessionId, outcome: 'timedOut' });
    expect(await handler({ runId: 'run-poll', scenario: 'burst' })).toMatchObject({ done: true, open: 0 });
    expect((await store.getSession('run-poll', sessions[0]!.sessionId))?.status).toBe('timedOut');
  });

  it('in poll mode re-reads a trailing window, so events ingested after a pass are still read', async () => {
    const input = profileInput();
    input.target.observe = { mode: 'poll', intervalSeconds: 1, pollWindowSeconds: 60 };
    input.target.stages = input.target.stages.filter((s) => !('s3' in s));
    const sessions = await sentRun('run-lag', { target: input.target });
    await (await import('../../lambdas/start-scenario.js')).handler({ runId: 'run-lag', scenario: 'burst' });
    const { handler } = await import('../../lambdas/observe.js');
    await handler({ runId: 'run-lag', scenario: 'burst' });
    const passedAt = (await store.getScenario('run-lag', 'burst'))!.polledUntil!;
    // Ingested 6.5 s late: their timestamps lie before the pass that has already run.
    const t = passedAt - 6_500;
    await writeLines([
      { timestamp: t, message: `Received Step Functions message for amelia#${sessions[0]!.userId}` },
      { timestamp: t + 1, message: 'Astro build successful' },
      { timestamp: t + 2, message: 'Successfully processed message and sent callback' },
    ]);
    await handler({ runId: 'run-lag', scenario: 'burst' });
    await handler({ runId: 'run-lag', scenario: 'burst' }); // read twice: the same result
    expect((await store.getSession('run-lag', sessions[0]!.sessionId))?.stages).toEqual({
      pickup: t,
      build: t + 1,
      done: t + 2,
    });
  });

  it('signals a complete session again when every retry of its SendTaskSuccess failed (the sweep)', async () => {
    const sessions = await sentRun('run-sweep');
    await (await import('../../lambdas/start-scenario.js')).handler({
      runId: 'run-sweep',
      scenario: 'burst',
    });
    const a = sessions[0]!;
    const { token, result } = ctx.aws.endpoint.sfn.issueToken();
    await (await import('../../lambdas/await.js')).handler({
      runId: 'run-sweep',
      sessionId: a.sessionId,
      taskToken: token,
    });
    await store.recordStage('run-sweep', a.sessionId, 'live', T + 30);
    ctx.aws.endpoint.sfn.failNextCallbacks(1_000);
    await writeLines([
      { timestamp: T + 10, message: `Received Step Functions message for amelia#${a.userId}` },
      { timestamp: T + 20, message: 'Astro build successful' },
      { timestamp: T + 40, message: 'Successfully processed message and sent callback' },
    ]);
    expect(ctx.aws.endpoint.sfn.tokenStatus(token)?.status).toBe('open');
    ctx.aws.endpoint.sfn.failNextCallbacks(0);
    await (await import('../../lambdas/observe.js')).handler({ runId: 'run-sweep', scenario: 'burst' });
    await expect(result).resolves.toEqual({ sessionId: a.sessionId });
  });
});

describe('settle', () => {
  it('retries a failed SendTaskSuccess, so three failures in a row lose nothing', async () => {
    const [a] = await sentRun('run-retry');
    const { token, result } = ctx.aws.endpoint.sfn.issueToken();
    await (await import('../../lambdas/await.js')).handler({
      runId: 'run-retry',
      sessionId: a!.sessionId,
      taskToken: token,
    });
    await store.recordStage('run-retry', a!.sessionId, 'live', T + 30);
    ctx.aws.endpoint.sfn.failNextCallbacks(3);
    await writeLines([
      { timestamp: T + 10, message: `Received Step Functions message for amelia#${a!.userId}` },
      { timestamp: T + 20, message: 'Astro build successful' },
      { timestamp: T + 40, message: 'Successfully processed message and sent callback' },
    ]);
    await expect(result).resolves.toEqual({ sessionId: a!.sessionId });
  });

  it('takes a token that is no longer valid (the wait timed out) as settled, not as an error', async () => {
    const [a] = await sentRun('run-gone');
    const { token } = ctx.aws.endpoint.sfn.issueToken();
    await (await import('../../lambdas/await.js')).handler({
      runId: 'run-gone',
      sessionId: a!.sessionId,
      taskToken: token,
    });
    ctx.aws.endpoint.sfn.cancelToken(token);
    for (const [stage, at] of [
      ['pickup', 1],
      ['build', 2],
      ['live', 3],
    ] as const)
      await store.recordStage('run-gone', a!.sessionId, stage, at);
    const session = await store.recordStage('run-gone', a!.sessionId, 'done', 4);
    const { settle } = await import('../../lambdas/shared/completion.js');
    const run = await store.getRun('run-gone');
    await expect(settle(run!.profile, session!)).resolves.toBe(true);
  });
});
