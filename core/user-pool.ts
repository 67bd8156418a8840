import type { Target } from './profile.js';

/**
 * The users of a profile's pool, in order: `{prefix, count}` gives
 * `prefix-1` .. `prefix-count`, `{users}` the list as written. No pool: none.
 */
export function poolUsers(target: Pick<Target, 'userPool'>): string[] {
  const pool = target.userPool;
  if (!pool) return [];
  if ('users' in pool) return [...pool.users];
  return Array.from({ length: pool.count }, (_, i) => `${pool.prefix}-${i + 1}`);
}

/** One lease of a pool user: the session held it from `since` (epoch ms) on. */
export interface Lease {
  readonly since: number;
  readonly sessionId: string;
}

/**
 * The session that held a user at event time `at`: the latest lease that
 * started at or before it. A session leases its user before it sends, and
 * gives it back only when its job is over, so the user's markers between
 * two lease starts are the earlier session's.
 */
export function leaseHolder(leases: readonly Lease[], at: number): string | undefined {
  let holder: Lease | undefined;
  for (const lease of leases) {
    if (lease.since > at) continue;
    if (
      !holder ||
      lease.since > holder.since ||
      (lease.since === holder.since && lease.sessionId > holder.sessionId)
    )
      holder = lease;
  }
  return holder?.sessionId;
}

/** Whether a session's key depends on its user (and so is known only once it leases one). */
export function keyUsesUser(target: Pick<Target, 'key'>): boolean {
  return target.key.includes('{userId}');
}
