/**
 * One run at a time per target by default: a run that shares the target must
 * say so (the profile's allowConcurrentRuns) and the stack must allow it
 * (maxConcurrentRuns). Runs hold a slot until their report, or until their
 * longest possible end when they never report (an execution stopped by hand).
 */

export interface RunSlot {
  /** Epoch ms after which the slot is free even if the run never released it. */
  readonly until: number;
  /** The run did not opt in to sharing: no other run may start while it holds its slot. */
  readonly exclusive: boolean;
}

export type Admission =
  | { readonly admitted: true; readonly slots: Readonly<Record<string, RunSlot>> }
  | { readonly admitted: false; readonly reason: string };

/** Decides whether `runId` may start now; the slots to store when it may (stale ones dropped). */
export function admitRun(
  held: Readonly<Record<string, RunSlot>>,
  request: { readonly runId: string; readonly slot: RunSlot; readonly maxConcurrentRuns: number },
  now: number,
): Admission {
  const live = Object.fromEntries(Object.entries(held).filter(([, slot]) => slot.until > now));
  // Prepare retried: the run already holds its slot.
  if (live[request.runId]) return { admitted: true, slots: live };
  const others = Object.entries(live);
  const blocker = others.find(([, slot]) => slot.exclusive);
  if (blocker)
    return {
      admitted: false,
      reason: `run ${blocker[0]} is active and did not opt in to concurrent runs (it holds the target until it reports, at the latest ${new Date(blocker[1].until).toISOString()})`,
    };
  if (others.length > 0 && request.slot.exclusive)
    return {
      admitted: false,
      reason: `${others.length} run(s) are active (${others.map(([id]) => id).join(', ')}); set allowConcurrentRuns: true in the profile to run beside them`,
    };
  if (others.length >= request.maxConcurrentRuns)
    return {
      admitted: false,
      reason: `${others.length} run(s) are active (${others.map(([id]) => id).join(', ')}), the stack's limit (maxConcurrentRuns ${request.maxConcurrentRuns})`,
    };
  return { admitted: true, slots: { ...live, [request.runId]: request.slot } };
}
