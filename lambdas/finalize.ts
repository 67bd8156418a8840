import { z } from 'zod';
import { jobOver } from '../core/job-end.js';
import type { Profile } from '../core/profile.js';
import type { SessionStatus } from '../core/records.js';
import { allStagesSeen, missingStages } from './shared/completion.js';
import { requiredEnv } from './shared/env.js';
import { NameSchema, parseEvent, RunIdSchema } from './shared/event.js';
import { createLogger } from './shared/logger.js';
import { Store, type StoredSession } from './shared/store.js';
import { UserLeases } from './shared/user-leases.js';

const log = createLogger('finalize');

const table = requiredEnv('TABLE_NAME');
const store = new Store(table);
const leases = new UserLeases(table);

const EventSchema = z.object({
  runId: RunIdSchema,
  sessionId: NameSchema,
  outcome: z.enum(['completed', 'timedOut', 'failed']),
  /** What the state machine caught: {Error, Cause}. */
  error: z.object({ Error: z.string(), Cause: z.string().optional() }).optional(),
});

/**
 * Gives the session its final status from what was observed, never from the
 * pipeline's own word: ok only when every stage was seen. Stage times that
 * arrive later are still stored and counted by the report.
 */
export async function handler(event: unknown): Promise<{ status: SessionStatus }> {
  const { runId, sessionId, outcome, error } = parseEvent(EventSchema, event, 'finalize');
  const [run, session] = await Promise.all([store.getRun(runId), store.getSession(runId, sessionId)]);
  if (!run || !session) throw new Error(`run ${runId} has no session ${sessionId}`);
  if (session.status !== 'planned' && session.status !== 'sent') {
    // A retried finalize: the status stands; give the user back if the first attempt did not. A user
    // still kept was held before that status was written, and Observe may have given it back since:
    // a retry never holds it again.
    const { profile } = run;
    if (profile.target.userPool && !keepsUser(profile, session, session.status))
      await giveBack(profile, session, session.status);
    return { status: session.status };
  }

  const missing = missingStages(run.profile, session);
  let status: SessionStatus;
  let reason: string | undefined;
  if (outcome === 'completed' && allStagesSeen(run.profile, session)) {
    status = 'ok';
  } else if (outcome === 'timedOut') {
    status = 'timedOut';
    reason = `not every stage was seen within the session timeout (missing: ${missing.join(', ')})`;
  } else {
    status = 'failed';
    reason = session.error ?? describeError(error) ?? `missing stages: ${missing.join(', ')}`;
  }
  // Held before the status is written: Observe ends its loop when no session is open or held.
  const pool = run.profile.target.userPool !== undefined;
  if (pool && keepsUser(run.profile, session, status)) await leases.hold(runId, sessionId);
  const after = await store.finalize(runId, sessionId, status, reason);
  log.info('finalized', {
    runId,
    sessionId,
    status: after?.status ?? status,
    ...(reason !== undefined ? { reason: reason.slice(0, 300) } : {}),
  });
  if (pool) await giveBack(run.profile, after ?? session, after?.status ?? status);
  return { status: after?.status ?? status };
}

/**
 * A sent session whose job still runs in the target keeps its user (a failure
 * line the job goes on after, e.g. `Build failed with code 1`), so no other
 * session is sent on that user meanwhile: on the real container a message on
 * another thread would interrupt the running job. Observe's sweep gives the
 * user back when the job's end is seen, or retires it at the session's timeout.
 */
function keepsUser(profile: Profile, session: StoredSession, status: SessionStatus): boolean {
  return status !== 'timedOut' && session.sentAt !== undefined && !jobOver(profile, session);
}

async function giveBack(profile: Profile, session: StoredSession, status: SessionStatus): Promise<void> {
  if (keepsUser(profile, session, status)) {
    if (!session.userHeld) await leases.hold(session.runId, session.sessionId);
    return;
  }
  // A timed-out session's job may still run: its user is retired for the rest of the run.
  const retire = status === 'timedOut';
  if (session.userHeld) await leases.releaseHeld(session.runId, session, retire);
  else await leases.release(session.runId, session, retire);
}

function describeError(error: { Error: string; Cause?: string | undefined } | undefined): string | undefined {
  if (!error) return undefined;
  let cause = error.Cause ?? '';
  try {
    // Lambda errors arrive as {"errorType", "errorMessage", ...}.
    const parsed = JSON.parse(cause) as { errorMessage?: string };
    if (parsed.errorMessage) cause = parsed.errorMessage;
  } catch {
    // A plain-text cause is kept as it is.
  }
  return `${error.Error}${cause ? `: ${cause}` : ''}`.slice(0, 1000);
}
