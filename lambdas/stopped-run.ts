import { z } from 'zod';
import { longestSessionTimeoutSeconds } from '../core/session-plan.js';
import { ecsServiceOf, RESTORABLE_KINDS, restoreOrder, unrestoredCause } from '../core/unrestored-changes.js';
import { requiredEnv } from './shared/env.js';
import { parseEvent, RunIdSchema } from './shared/event.js';
import { RunSlots } from './shared/run-slots.js';
import { Store } from './shared/store.js';
import { TargetChangeStore } from './shared/target-changes.js';

const table = requiredEnv('TABLE_NAME');
const changes = new TargetChangeStore(table);
const slots = new RunSlots(table);
const store = new Store(table);

const AttemptSchema = z.object({
  resource: z.string().optional(),
  scenario: z.string().optional(),
  error: z.object({ Error: z.string().optional(), Cause: z.string().optional() }).optional(),
});

const EventSchema = z.discriminatedUnion('step', [
  z.object({ step: z.literal('changes'), runId: RunIdSchema }),
  z.object({ step: z.literal('finish'), runId: RunIdSchema, attempts: z.array(AttemptSchema) }),
]);

/**
 * The stopped-run restore's two table steps (lib/stopped-run-restore-construct.ts),
 * for a run that ended without its own restore (stopped, timed out, or failed
 * outside its Catch):
 * - `changes`: the run's recorded changes that are not restored, newest first,
 *   as the state machine sets them back (`cluster` and `service` apart);
 * - `finish`: once they were set back, checks the records again. Nothing left:
 *   the run's slot (Prepare took it; the report frees it, and a stopped run
 *   never reports) ends once the jobs the run may have sent can have ended,
 *   one longest session timeout from now (no sooner: a next run would send on
 *   the same users while they run). Something left: keeps the slot (no next
 *   run records a changed service as "before") and says what is left, for
 *   TargetNotRestored.
 */
export async function handler(event: unknown) {
  const input = parseEvent(EventSchema, event, 'stopped-run');
  const open = (await changes.list(input.runId)).filter((change) => !change.restored);
  if (input.step === 'changes') {
    const restorable = restoreOrder(open.filter((change) => RESTORABLE_KINDS.has(change.kind)));
    return {
      changes: restorable.map(({ scenario, kind, resource, before, after }) => ({
        scenario,
        kind,
        resource,
        ...ecsServiceOf(resource),
        before,
        after,
      })),
    };
  }
  if (open.length > 0) {
    return { unrestored: open.length, summary: unrestoredCause(input.runId, open, input.attempts) };
  }
  // Its last emails may have gone just before it stopped: their jobs can run one session timeout
  // more, on the users a next run would lease. The slot is held that long, then it is free.
  const run = await store.getRun(input.runId);
  if (!run) {
    await slots.release(input.runId);
    return { unrestored: 0, summary: `run ${input.runId} left no change on the target; its slot is free` };
  }
  const until = Date.now() + longestSessionTimeoutSeconds(run.profile) * 1000;
  await slots.shorten(input.runId, until);
  return {
    unrestored: 0,
    summary: `run ${input.runId} left no change on the target; its slot is free at ${new Date(until).toISOString()}, when the jobs it may have sent have ended`,
  };
}
