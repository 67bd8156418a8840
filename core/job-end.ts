import { isLogStage, type Profile } from './profile.js';
import { compileMarker } from './safe-pattern.js';

/** What a session's evidence says about its job (the stored session, or its record). */
export interface JobEvidence {
  readonly stages: Readonly<Record<string, number>>;
  readonly failedAt?: number | undefined;
  readonly failureReason?: string | undefined;
  /** The failure's text: the line, or `<reason>: <line>` for a stream failure. */
  readonly error?: string | undefined;
}

/**
 * The stage whose marker is the job's last line: the profile's last log stage
 * (WebOrdinary's `Successfully processed message and sent callback`), or its
 * last stage when it has no log stage.
 */
export function jobEndStage(profile: Pick<Profile, 'target'>): string | undefined {
  const stages = profile.target.stages;
  return (stages.filter(isLogStage).at(-1) ?? stages.at(-1))?.name;
}

/**
 * Whether a sent session's job is over in the target, so its pool user may run
 * another session without interrupting it (docs/internals.md, "User pool"):
 * - the job's last stage was seen;
 * - the line that failed it is one after which the target does nothing more
 *   for the job (a failure with `endsJob`, e.g. `Failed to process message:`);
 * - it was rejected (a busy container dropped the message: its job never ran,
 *   and the job that container runs is another session's, on another user).
 * A failure line without `endsJob` (`Build failed with code 1`) leaves the job
 * running: WebOrdinary goes on to sync, push and report success.
 */
export function jobOver(profile: Pick<Profile, 'target'>, session: JobEvidence): boolean {
  const end = jobEndStage(profile);
  if (end !== undefined && session.stages[end] !== undefined) return true;
  if (session.failedAt === undefined || session.error === undefined) return false;
  const text = session.error;
  const { failures, rejections } = profile.target;
  return (
    failures.some((f) => f.endsJob && f.reason === session.failureReason && compileMarker(f)(text)) ||
    rejections.some((r) => r.reason === session.failureReason && compileMarker(r)(text))
  );
}
