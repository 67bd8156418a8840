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
