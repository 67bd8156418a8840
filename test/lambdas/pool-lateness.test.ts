import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { dynamo } from '../../lambdas/shared/clients.js';
import { Store } from '../../lambdas/shared/store.js';
import { UserLeases } from '../../lambdas/shared/user-leases.js';
import { LOCAL_TABLE } from '../../local/runner/local-aws-setup.js';
import { profileInput } from '../fixtures/profile.js';
import { useLocalAws } from '../support/local-aws.js';

/**
 * A session that has to wait for a free pool user records that wait as
 * lateness: the trigger fails with NoFreeUser, the state machine retries it
 * (lib/benchmark-workflow.ts, 2 s then backoff), and the retry that sends
 * keeps the time the session was due.
 */
const INTAKE = 'webordinary-ses-emails';
useLocalAws([INTAKE]);
const store = new Store(LOCAL_TABLE);
const leases = new UserLeases(LOCAL_TABLE);
const WAIT_MS = 1_500;

/** A run on a pool of one user, `late-1`: a burst of one, then one warm session (sequential). */
async function poolOfOne(runId: string) {
  const input = profileInput({
    scenarios: [
      { type: 'burst', name: 'burst', sessions: 1 },
      { type: 'coldWarm', name: 'cw', cold: 0, warm: 1, scaleUp: 'external', warmGapSeconds: 0 },
    ],
  });
  input.target.userPool = { prefix: 'late', count: 1 };
  input.target.trigger = {
    type: 's3-eml',
    bucket: INTAKE,
    from: 'bench@webordinary.com',
    to: '{userId}@amelia.webordinary.com',
    subject: '[thread-{token}] edit',
    body: 'Put {token} on the page',
  };
  await (await import('../../lambdas/prepare.js')).handler({ runId, profile: input });
  const run = (await store.getRun(runId))!;
  const [burst] = await store.sessions(runId, 'burst');
  const [warm] = await store.sessions(runId, 'cw');
  return { target: run.profile.target, burst: burst!, warm: warm! };
}

/** Calls the trigger as the state machine does: NoFreeUser while the user is held, then the retry. */
async function sendAfterWait(runId: string, sessionId: string, holder: string) {
  const trigger = (await import('../../lambdas/trigger.js')).handler;
  await expect(trigger({ runId, sessionId })).rejects.toMatchObject({ name: 'NoFreeUser' });
  const refusedAt = Date.now();
  await sleep(WAIT_MS);
  await leases.release(runId, (await store.getSession(runId, holder))!, false);
  const releasedAt = Date.now();
  const { sentAt } = await trigger({ runId, sessionId });
  const session = (await store.getSession(runId, sessionId))!;
  return { session, sentAt, waited: releasedAt - refusedAt };
}

describe('a session that waits for a free pool user', () => {
  it('counts the wait as lateness in a burst (due at its scheduled start)', async () => {
    const runId = 'run-late-burst';
    const { target, burst, warm } = await poolOfOne(runId);
    await (await import('../../lambdas/start-scenario.js')).handler({ runId, scenario: 'burst' });
    await leases.lease(runId, target, warm);
    const { session, sentAt, waited } = await sendAfterWait(runId, burst.sessionId, warm.sessionId);
    expect(sentAt).toBe(session.sentAt);
    expect(session.userId).toBe('late-1');
    expect(session.sentAt! - session.scheduledAt!).toBeGreaterThanOrEqual(waited);
  });

  it('counts the wait as lateness in a sequential scenario (due when first asked for)', async () => {
    const runId = 'run-late-warm';
    const { target, burst, warm } = await poolOfOne(runId);
    await (await import('../../lambdas/start-scenario.js')).handler({ runId, scenario: 'cw' });
    await leases.lease(runId, target, burst);
    const { session, waited } = await sendAfterWait(runId, warm.sessionId, burst.sessionId);
    expect(session.userId).toBe('late-1');
    expect(waited).toBeGreaterThanOrEqual(WAIT_MS);
    expect(session.sentAt! - session.scheduledAt!).toBeGreaterThanOrEqual(waited);
  });

  it('still fails with NoFreeUser (the state machine retries that) when keeping the due time fails', async () => {
    const runId = 'run-late-throttled';
    const { target, burst, warm } = await poolOfOne(runId);
    await (await import('../../lambdas/start-scenario.js')).handler({ runId, scenario: 'cw' });
    await leases.lease(runId, target, burst);
    const name = 'throttleDueAt';
    dynamo().middlewareStack.add(
      (next, context) => async (args) => {
        const input = (args as { input: { UpdateExpression?: string } }).input;
        if (context.commandName === 'UpdateItemCommand' && input.UpdateExpression?.includes('dueAt'))
          throw Object.assign(new Error('Rate of requests exceeds the allowed throughput'), {
            name: 'ProvisionedThroughputExceededException',
          });
        return next(args);
      },
      { step: 'initialize', name },
    );
    try {
      const trigger = (await import('../../lambdas/trigger.js')).handler;
      await expect(trigger({ runId, sessionId: warm.sessionId })).rejects.toMatchObject({
        name: 'NoFreeUser',
      });
    } finally {
      dynamo().middlewareStack.remove(name);
    }
    // Not kept this time: the next attempt keeps it.
    expect((await store.getSession(runId, warm.sessionId))?.dueAt).toBeUndefined();
  });

  it('is not late when a user is free at once', async () => {
    const runId = 'run-late-none';
    const { warm } = await poolOfOne(runId);
    await (await import('../../lambdas/start-scenario.js')).handler({ runId, scenario: 'cw' });
    await (await import('../../lambdas/trigger.js')).handler({ runId, sessionId: warm.sessionId });
    const session = (await store.getSession(runId, warm.sessionId))!;
    expect(session.sentAt! - session.scheduledAt!).toBeLessThan(WAIT_MS);
  });
});
