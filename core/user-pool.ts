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
