import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { renderTemplate, sessionTemplateValues } from '../../core/identity.js';
import type { Target } from '../../core/profile.js';
import { type Lease, poolUsers } from '../../core/user-pool.js';
import { dynamo } from './clients.js';
import type { StoredSession } from './store.js';
import { queryAll, unlessConditionFails } from './table-ops.js';

/**
 * The user pool's leases (docs/internals.md, "User pool"):
 * - `LEASE#<user>`: who holds the user now (`sessionId`, `since`), the run's
 *   first session on it (`firstSession`), `retired` after a timeout;
 * - `KEYLEASE#<key>#<since>#<sessionId>`: every lease, so a keyed marker goes
 *   to the session that held its key at the marker's own timestamp.
 * A session leases a free user when it is due and gives it back when it ends,
 * so no user ever runs two sessions at once.
 */

const RETENTION_SECONDS = 90 * 24 * 3600;
const expiresAt = () => Math.floor(Date.now() / 1000) + RETENTION_SECONDS;
const runPk = (runId: string) => `RUN#${runId}`;

/** Every user of the pool is held by a running session (or retired); the state machine retries later. */
export class NoFreeUserError extends Error {
  override name = 'NoFreeUser';
}

export interface LeasedUser {
  readonly userId: string;
  readonly key: string;
  readonly since: number;
  /** The session is the first of the run on this user (its workspace may need setting up). */
  readonly firstOnUser: boolean;
}

export class UserLeases {
  constructor(private readonly table: string) {}

  /**
   * Leases the first free user of the pool to the session (a retried call
   * finds the lease it already holds), records the lease under its key and
   * gives the session its userId and key.
   */
  async lease(runId: string, target: Target, session: StoredSession, now = Date.now()): Promise<LeasedUser> {
    if (session.userId && session.leasedAt !== undefined) {
      return {
        userId: session.userId,
        key: session.key,
        since: session.leasedAt,
        firstOnUser: session.firstOnUser ?? false,
      };
    }
    const users = poolUsers(target);
    // Concurrent sessions start their search at different users (no contention on the first
    // ones); sequential ones from the first, so warm sessions reuse a set-up workspace.
    const concurrent = session.scenarioType === 'burst' || session.scenarioType === 'sustained';
    const from = concurrent ? session.index % users.length : 0;
    const order = [...users.slice(from), ...users.slice(0, from)];
    // A cold session measures a cold start all through: a user no session of the run has had yet
    // (its workspace is cloned and installed), else any free one.
    const searches = session.phase === 'cold' ? [true, false] : [false];
    for (const { user, fresh } of searches.flatMap((f) => order.map((u) => ({ user: u, fresh: f })))) {
      const held = await this.take(runId, user, session.sessionId, now, fresh);
      if (!held) continue;
      const key = renderTemplate(target.key, sessionTemplateValues(runId, { ...session, userId: user }));
      const leased = { userId: user, key, since: held.since, firstOnUser: held.first };
      await dynamo().send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: runPk(runId),
            sk: `KEYLEASE#${key}#${String(held.since).padStart(15, '0')}#${session.sessionId}`,
            key,
            since: held.since,
            sessionId: session.sessionId,
            expiresAt: expiresAt(),
          },
        }),
      );
      await dynamo().send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: runPk(runId), sk: `SESSION#${session.sessionId}` },
          UpdateExpression: 'SET userId = :u, #key = :k, leasedAt = :since, firstOnUser = :first',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#key': 'key' },
          ExpressionAttributeValues: {
            ':u': user,
            ':k': key,
            ':since': held.since,
            ':first': leased.firstOnUser,
          },
        }),
      );
      return leased;
    }
    throw new NoFreeUserError(
      `every user of the pool (${poolUsers(target).length}) is held by a running session; retried by the state machine`,
    );
  }

  /**
   * Gives the user back when the session ends. A session that timed out may
   * still have a job running under its user, so that user is retired for the
   * rest of the run instead (no later session is credited with its markers).
   */
  async release(runId: string, session: StoredSession, timedOut: boolean): Promise<void> {
    if (!session.userId || session.leasedAt === undefined) return;
    // Given back already (a retried finalize): nothing to do.
    await unlessConditionFails(
      dynamo().send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: runPk(runId), sk: `LEASE#${session.userId}` },
          UpdateExpression: timedOut ? 'SET retired = :true' : 'REMOVE sessionId, since',
          ConditionExpression: 'sessionId = :s',
          ExpressionAttributeValues: { ':s': session.sessionId, ...(timedOut ? { ':true': true } : {}) },
        }),
      ),
    );
  }

  /**
   * Marks a finished session as still holding its user (`userHeld`): its job
   * goes on in the target (docs/internals.md, "User pool"), so Observe's sweep
   * gives the user back when the job's end is seen, or retires it at the
   * session's timeout.
   */
  async hold(runId: string, sessionId: string): Promise<void> {
    await dynamo().send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: runPk(runId), sk: `SESSION#${sessionId}` },
        UpdateExpression: 'SET userHeld = :true',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':true': true },
      }),
    );
  }

  /** Gives back (or retires) the user a finished session held, then clears its `userHeld`. */
  async releaseHeld(runId: string, session: StoredSession, retire: boolean): Promise<void> {
    await this.release(runId, session, retire);
    await dynamo().send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: runPk(runId), sk: `SESSION#${session.sessionId}` },
        UpdateExpression: 'REMOVE userHeld',
        ConditionExpression: 'attribute_exists(pk)',
      }),
    );
  }

  /** Every lease of a key in the run, oldest first. */
  async leasesOfKey(runId: string, key: string): Promise<Lease[]> {
    const items = await queryAll(this.table, {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
      ExpressionAttributeValues: { ':pk': runPk(runId), ':sk': `KEYLEASE#${key}#` },
      ConsistentRead: true,
    });
    return items.map((i) => ({ since: i.since as number, sessionId: i.sessionId as string }));
  }

  private async take(
    runId: string,
    userId: string,
    sessionId: string,
    now: number,
    fresh = false,
  ): Promise<{ since: number; first: boolean } | undefined> {
    const out = await unlessConditionFails(
      dynamo().send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: runPk(runId), sk: `LEASE#${userId}` },
          // A retried lease finds the user it already took (its session record was not written yet);
          // `firstSession` (never overwritten) says whose workspace set-up it was, whatever the retries.
          UpdateExpression:
            'SET sessionId = :s, since = if_not_exists(since, :now), firstSession = if_not_exists(firstSession, :s), expiresAt = :exp',
          ConditionExpression: fresh
            ? '(attribute_not_exists(sessionId) AND attribute_not_exists(firstSession)) OR sessionId = :s'
            : 'attribute_not_exists(sessionId) OR sessionId = :s',
          ExpressionAttributeValues: { ':s': sessionId, ':now': now, ':exp': expiresAt() },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    if (!out) return undefined;
    return { since: out.Attributes?.since as number, first: out.Attributes?.firstSession === sessionId };
  }
}
