import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
  PutSubscriptionFilterCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ProfileInput } from '../../core/profile.js';
import { dynamo, logs } from '../../lambdas/shared/clients.js';
import { Store } from '../../lambdas/shared/store.js';
import { UserLeases } from '../../lambdas/shared/user-leases.js';
import { LOCAL_TABLE } from '../../local/runner/local-aws-setup.js';
import { EDIT_GROUP, profileInput } from '../fixtures/profile.js';
import { useLocalAws } from '../support/local-aws.js';

/**
 * A pool user stays with a finished session while its job still runs in the
 * target: WebOrdinary goes on after `Build failed with code 1` (sync, push,
 * `Successfully processed message and sent callback`), and a second session
 * sent on that user in another thread would interrupt that job.
 */
const ctx = useLocalAws();
const store = new Store(LOCAL_TABLE);
const leases = new UserLeases(LOCAL_TABLE);
const COLLECTOR = 'arn:aws:lambda:us-east-1:000000000000:function:collector';
/** Log events must be recent: CloudWatch Logs rejects events over 14 days old. */
const T = Date.now() - 60_000;
let stream = 0;

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
});

/** A run of two sequential sessions (`first`, sent 60 s ago, then `second`) on a pool of one user, `held-1`. */
async function pooledRun(runId: string, timeoutSeconds = 600) {
  const input = profileInput({
    scenarios: [
      { type: 'stages', name: 'first', sessionTimeoutSeconds: timeoutSeconds },
      { type: 'stages', name: 'second' },
    ],
  });
  const target = {
    ...input.target,
    stages: input.target.stages.filter((s) => !('s3' in s)),
    userPool: { prefix: 'held', count: 1 },
    failures: [
      { group: EDIT_GROUP, pattern: 'Build failed with code', correlation: 'stream', reason: 'build' },
      {
        group: EDIT_GROUP,
        pattern: 'Failed to process message:',
        correlation: 'stream',
        reason: 'failed',
        endsJob: true,
      },
    ],
  } as ProfileInput['target'];
  await (await import('../../lambdas/prepare.js')).handler({ runId, profile: { ...input, target } });
  (await import('../../lambdas/collector.js')).forgetActiveRuns();
  await (await import('../../lambdas/start-scenario.js')).handler({ runId, scenario: 'first' });
  const [first] = await store.sessions(runId, 'first');
  const [second] = await store.sessions(runId, 'second');
  const run = (await store.getRun(runId))!;
  await leases.lease(runId, run.profile.target, first!, T);
  await store.markSent(runId, first!.sessionId, T, T);
  return { run, first: first!, second: second! };
}

async function writeLines(lines: { timestamp: number; message: string }[], name: string): Promise<void> {
  await logs()
    .send(new CreateLogStreamCommand({ logGroupName: EDIT_GROUP, logStreamName: name }))
    .catch(() => undefined);
  await logs().send(
    new PutLogEventsCommand({ logGroupName: EDIT_GROUP, logStreamName: name, logEvents: lines }),
  );
  await ctx.aws.endpoint.logs.drain();
}

const finalize = async (runId: string, sessionId: string) =>
  (await import('../../lambdas/finalize.js')).handler({
    runId,
    sessionId,
    outcome: 'failed',
    error: { Error: 'SessionFailed' },
  });
const observe = async (runId: string, scenario: string) =>
  (await import('../../lambdas/observe.js')).handler({ runId, scenario });

describe('a pool user whose session failed while its job goes on', () => {
  it('is kept until the job’s last line, then given back by Observe', async () => {
    const runId = 'run-held';
    const { run, first, second } = await pooledRun(runId);
    const name = `edit/edit/task-${++stream}`;
    await writeLines(
      [
        { timestamp: T + 10, message: 'Received Step Functions message for amelia#held-1' },
        { timestamp: T + 20, message: 'ERROR [MessageProcessor] Build failed with code 1: x' },
      ],
      name,
    );
    expect(await finalize(runId, first.sessionId)).toEqual({ status: 'failed' });
    expect((await store.getSession(runId, first.sessionId))?.userHeld).toBe(true);
    // The job still runs: no other session may have its user, and the scenario is not over.
    await expect(leases.lease(runId, run.profile.target, second, T + 30)).rejects.toMatchObject({
      name: 'NoFreeUser',
    });
    expect(await observe(runId, 'first')).toMatchObject({ done: false, open: 0 });
    // A retried finalize keeps it too.
    await finalize(runId, first.sessionId);
    await expect(leases.lease(runId, run.profile.target, second, T + 35)).rejects.toMatchObject({
      name: 'NoFreeUser',
    });

    await writeLines(
      [{ timestamp: T + 40, message: 'Successfully processed message and sent callback' }],
      name,
    );
    expect(await observe(runId, 'first')).toMatchObject({ done: true, open: 0 });
    expect((await store.getSession(runId, first.sessionId))?.userHeld).toBeUndefined();
    expect(await leases.lease(runId, run.profile.target, second, T + 50)).toMatchObject({
      userId: 'held-1',
      firstOnUser: false,
    });
  });

  it('is given back at once when the line ends the job', async () => {
    const runId = 'run-ended';
    const { run, first, second } = await pooledRun(runId);
    await writeLines(
      [
        { timestamp: T + 10, message: 'Received Step Functions message for amelia#held-1' },
        { timestamp: T + 20, message: 'ERROR [MessageProcessor] Failed to process message: timed out' },
      ],
      `edit/edit/task-${++stream}`,
    );
    await finalize(runId, first.sessionId);
    expect((await store.getSession(runId, first.sessionId))?.userHeld).toBeUndefined();
    expect(await leases.lease(runId, run.profile.target, second, T + 30)).toMatchObject({ userId: 'held-1' });
  });

  it('is retired once the session’s timeout has passed without the job’s end', async () => {
    const runId = 'run-retired';
    const { run, first, second } = await pooledRun(runId, 30);
    await writeLines(
      [
        { timestamp: T + 10, message: 'Received Step Functions message for amelia#held-1' },
        { timestamp: T + 20, message: 'Build failed with code 2: y' },
      ],
      `edit/edit/task-${++stream}`,
    );
    await finalize(runId, first.sessionId);
    // Sent 60 s ago with a 30 s timeout: the job may still run, so no later session gets the user.
    expect(await observe(runId, 'first')).toMatchObject({ done: true });
    expect((await store.getSession(runId, first.sessionId))?.userHeld).toBeUndefined();
    // Retired, not merely never given back: the lease says so.
    const { Item: lease } = await dynamo().send(
      new GetCommand({
        TableName: LOCAL_TABLE,
        Key: { pk: `RUN#${runId}`, sk: 'LEASE#held-1' },
        ConsistentRead: true,
      }),
    );
    expect(lease).toMatchObject({ retired: true, sessionId: first.sessionId });
    // Finalize retried after that (a late duplicate invocation) does not hold the retired user again.
    await finalize(runId, first.sessionId);
    expect((await store.getSession(runId, first.sessionId))?.userHeld).toBeUndefined();
    await expect(leases.lease(runId, run.profile.target, second, Date.now())).rejects.toMatchObject({
      name: 'NoFreeUser',
    });
  });
});
