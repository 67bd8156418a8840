import { SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { type Profile, requiredStages } from '../../core/profile.js';
import { sfn } from './clients.js';
import { createLogger } from './logger.js';
import { sleep } from './sleep.js';
import type { StoredSession } from './store.js';

const log = createLogger('settle');

/** The stages the session's scenario requires that have not been observed yet. */
export function missingStages(
  profile: Profile,
  session: Pick<StoredSession, 'stages' | 'scenario'>,
): string[] {
  return requiredStages(profile, session.scenario).filter((name) => session.stages[name] === undefined);
}

/** Whether every stage the session's scenario requires has been observed. */
export function allStagesSeen(
  profile: Profile,
  session: Pick<StoredSession, 'stages' | 'scenario'>,
): boolean {
  return missingStages(profile, session).length === 0;
}

/**
 * How long a rejection waits before it ends the session's wait. A rejection
 * line rejects the latest pickup just before it; when the rejected pickup's
 * own line comes in a later delivery, the line first seems to reject the
 * running job's pickup, until that line arrives and the attribution moves
 * (core/stream-attribution.ts). Ending the running job's wait on that would
 * stop its S3 checks and free its pool user while its job still runs; so a
 * rejection is signalled by Observe's sweep once it is this old, and only if
 * it still stands. A WebOrdinary WARN and its pickup are logged together, so
 * they rarely come apart by more than a delivery.
 */
export const REJECTION_GRACE_MS = 5_000;

function rejectionStillOpen(profile: Profile, session: StoredSession, now: number): boolean {
  if (session.failedAt === undefined || now >= session.failedAt + REJECTION_GRACE_MS) return false;
  return profile.target.rejections.some((r) => r.reason === session.failureReason);
}

/** Attempts at a SendTask* call before leaving the session to Observe's sweep. */
const SIGNAL_ATTEMPTS = 4;

/** A task that can no longer be signalled: settled already, or its wait timed out. Not an error. */
const GONE = new Set(['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist']);

/**
 * Ends the session's wait when it is complete (every stage seen) or failed
 * (a failure or rejection line). The writer of the last stage, the writer of
 * the task token and Observe's sweep all call this after their write, so one
 * of them always sees both. A throttled or failing call is retried with
 * backoff; if it still fails, the session stays complete in the table and the
 * next Observe pass signals it again. Returns whether the wait was ended (or
 * had ended already).
 */
export async function settle(profile: Profile, session: StoredSession, now = Date.now()): Promise<boolean> {
  if (!session.taskToken || session.status !== 'sent') return false;
  if (rejectionStillOpen(profile, session, now)) return false;
  const command =
    session.failedAt !== undefined
      ? new SendTaskFailureCommand({
          taskToken: session.taskToken,
          error: 'SessionFailed',
          cause: (session.error ?? 'a failure marker was logged').slice(0, 32_000),
        })
      : allStagesSeen(profile, session)
        ? new SendTaskSuccessCommand({
            taskToken: session.taskToken,
            output: JSON.stringify({ sessionId: session.sessionId }),
          })
        : undefined;
  if (!command) return false;
  for (let attempt = 1; ; attempt++) {
    try {
      await sfn().send(command as SendTaskSuccessCommand);
      return true;
    } catch (error) {
      if (GONE.has((error as Error).name)) return true;
      if (attempt >= SIGNAL_ATTEMPTS) {
        log.error('the session is complete but its wait could not be ended; Observe will signal it again', {
          runId: session.runId,
          sessionId: session.sessionId,
          call: command.constructor.name.replace(/Command$/, ''),
          attempts: attempt,
          error: `${(error as Error).name}: ${(error as Error).message}`,
        });
        return false;
      }
      await sleep(100 * 2 ** attempt);
    }
  }
}
