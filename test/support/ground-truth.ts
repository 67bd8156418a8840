import type { Profile } from '../../core/profile.js';
import type { StoredSession } from '../../lambdas/shared/store.js';
import type { DropTruth, JobTruth } from '../../local/simulator/index.js';

export interface StageDifference {
  readonly sessionId: string;
  readonly stage: string;
  readonly measured: number | undefined;
  readonly truth: number | undefined;
}

/**
 * Compares every measured stage time with what the simulator really did: a
 * log stage with the timestamp of the model step of the same name, an S3
 * stage with the LastModified S3 gave the deployed object.
 */
export function stageDifferences(
  profile: Profile,
  sessions: readonly StoredSession[],
  truths: readonly JobTruth[],
): StageDifference[] {
  // A pool user runs several sessions: the thread id in the subject carries each session's token.
  const byThread = new Map(truths.map((t) => [t.threadId, t]));
  const byUser = new Map(truths.map((t) => [t.userId, t]));
  const out: StageDifference[] = [];
  for (const session of sessions) {
    const truth = byThread.get(session.token) ?? byUser.get(session.userId);
    for (const stage of profile.target.stages) {
      const expected = 's3' in stage ? truth?.site?.lastModified : truth?.markers[stage.name];
      out.push({
        sessionId: session.sessionId,
        stage: stage.name,
        measured: session.stages[stage.name],
        truth: expected,
      });
    }
  }
  return out;
}

/** The jobs a busy container dropped (status `dropped`), by userId: sessions a run must report as failed `dropped`. */
export function droppedByUser(truths: readonly JobTruth[]): Map<string, DropTruth> {
  return new Map(truths.flatMap((t) => (t.status === 'dropped' && t.dropped ? [[t.userId, t.dropped]] : [])));
}
