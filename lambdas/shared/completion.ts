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
export async function settle(profile: Profile, session: StoredSession): Promise<boolean> {
  if (!session.taskToken || session.status !== 'sent') return false;
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
