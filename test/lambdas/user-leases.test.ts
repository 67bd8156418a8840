import { describe, expect, it } from 'vitest';
import { planRun } from '../../core/session-plan.js';
import { Store } from '../../lambdas/shared/store.js';
import { UserLeases } from '../../lambdas/shared/user-leases.js';
import { LOCAL_TABLE } from '../../local/runner/local-aws-setup.js';
import { profile } from '../fixtures/profile.js';
import { useLocalAws } from '../support/local-aws.js';

useLocalAws();

describe('UserLeases', () => {
  it('leases a free user once, keeps it on a retry, and gives it back for the next session, no longer first', async () => {
    const p = profile({ scenarios: [{ type: 'stages' }, { type: 'burst', sessions: 2 }] });
    p.target.userPool = { prefix: 'pool', count: 2 };
    const runId = 'run-leases';
    const store = new Store(LOCAL_TABLE);
    await store.putSessions(runId, planRun(runId, p));
    const [a, b, c] = await store.sessions(runId);
    const leases = new UserLeases(LOCAL_TABLE);

    const first = await leases.lease(runId, p.target, a!, 1_000);
    // A retry whose first attempt took the user but did not write the session record.
    const retried = await leases.lease(runId, p.target, a!, 2_000);
    expect(first).toEqual({ userId: 'pool-1', key: 'pool-1', since: 1_000, firstOnUser: true });
    expect(retried).toEqual(first);

    // pool-1 is held: the next session gets pool-2; with both held, none is free.
    expect(await leases.lease(runId, p.target, b!, 3_000)).toMatchObject({
      userId: 'pool-2',
      firstOnUser: true,
    });
    await expect(leases.lease(runId, p.target, c!, 4_000)).rejects.toMatchObject({ name: 'NoFreeUser' });

    await leases.release(runId, (await store.getSession(runId, a!.sessionId))!, false);
    const again = await leases.lease(runId, p.target, c!, 5_000);
    expect(again).toMatchObject({ userId: 'pool-1', since: 5_000, firstOnUser: false });
    expect(await leases.leasesOfKey(runId, 'pool-1')).toEqual([
      { since: 1_000, sessionId: a!.sessionId },
      { since: 5_000, sessionId: c!.sessionId },
    ]);
  });
});

describe('UserLeases for cold sessions', () => {
  it('leases a user no session of the run has had yet, so the cold session sets up its workspace', async () => {
    const p = profile({ scenarios: [{ type: 'stages' }, { type: 'coldWarm', cold: 2, warm: 1 }] });
    p.target.userPool = { prefix: 'cold', count: 3 };
    const runId = 'run-cold-leases';
    const store = new Store(LOCAL_TABLE);
    await store.putSessions(runId, planRun(runId, p));
    const sessions = await store.sessions(runId);
    const staged = sessions.find((s) => s.scenarioType === 'stages')!;
    const [cold1, cold2] = sessions.filter((s) => s.phase === 'cold');
    const warm = sessions.find((s) => s.phase === 'warm')!;
    const leases = new UserLeases(LOCAL_TABLE);
    const give = async (sessionId: string) =>
      leases.release(runId, (await store.getSession(runId, sessionId))!, false);

    // The staged session sets up cold-1; each cold session then takes a user never had before.
    expect(await leases.lease(runId, p.target, staged, 1_000)).toMatchObject({
      userId: 'cold-1',
      firstOnUser: true,
    });
    await give(staged.sessionId);
    expect(await leases.lease(runId, p.target, cold1!, 2_000)).toMatchObject({
      userId: 'cold-2',
      firstOnUser: true,
    });
    await give(cold1!.sessionId);
    expect(await leases.lease(runId, p.target, cold2!, 3_000)).toMatchObject({
      userId: 'cold-3',
      firstOnUser: true,
    });
    await give(cold2!.sessionId);
    // A warm session reuses the first set-up user.
    expect(await leases.lease(runId, p.target, warm, 4_000)).toMatchObject({
      userId: 'cold-1',
      firstOnUser: false,
    });
  });

  it('takes any free user when every user has been had', async () => {
    const p = profile({ scenarios: [{ type: 'stages' }, { type: 'coldWarm', cold: 1, warm: 0 }] });
    p.target.userPool = { prefix: 'used', count: 1 };
    const runId = 'run-cold-reuse';
    const store = new Store(LOCAL_TABLE);
    await store.putSessions(runId, planRun(runId, p));
    const sessions = await store.sessions(runId);
    const staged = sessions.find((s) => s.scenarioType === 'stages')!;
    const cold = sessions.find((s) => s.phase === 'cold')!;
    const leases = new UserLeases(LOCAL_TABLE);
    await leases.lease(runId, p.target, staged, 1_000);
    await leases.release(runId, (await store.getSession(runId, staged.sessionId))!, false);
    expect(await leases.lease(runId, p.target, cold, 2_000)).toMatchObject({
      userId: 'used-1',
      firstOnUser: false,
    });
  });
});
