import { SendTaskFailureCommand, SendTaskSuccessCommand } from '@aws-sdk/client-sfn';
import { type Profile, requiredStages } from '../../core/profile.js';
import { sfn } from './clients.js';
import type { StoredSession } from './store.js';

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
 * Ends the session's wait when it is complete (every stage seen) or failed
 * (a failure marker). Both the writer of the last stage and the writer of the
 * task token call this after their write, so one of them always sees both.
 */
export async function settle(profile: Profile, session: StoredSession): Promise<void> {
  if (!session.taskToken || session.status !== 'sent') return;
  try {
    if (session.failedAt !== undefined) {
      await sfn().send(
        new SendTaskFailureCommand({
          taskToken: session.taskToken,
          error: 'SessionFailed',
          cause: (session.error ?? 'a failure marker was logged').slice(0, 32_000),
        }),
      );
    } else if (allStagesSeen(profile, session)) {
      await sfn().send(
        new SendTaskSuccessCommand({
          taskToken: session.taskToken,
          output: JSON.stringify({ sessionId: session.sessionId }),
        }),
      );
    }
  } catch (error) {
    // Another writer settled it first, or the wait already timed out: nothing is lost, the stages are stored.
    const name = (error as Error).name;
    if (name !== 'TaskTimedOut' && name !== 'InvalidToken' && name !== 'TaskDoesNotExist') throw error;
  }
}
