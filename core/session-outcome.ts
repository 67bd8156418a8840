import { findRunScenario } from './limit-steps.js';
import { type Profile, requiredStages } from './profile.js';
import type { SessionRecord } from './records.js';
import { sessionTimeoutSeconds } from './session-plan.js';

/**
 * A finished session's outcome, judged from its evidence as it stands when the
 * report is built, not from the moment its wait ended. Log deliveries can be
 * late, so the evidence can change after the wait ended:
 * - a failure or rejection line makes it failed, with that reason;
 * - a session whose every required stage was seen before its timeout ran out
 *   is ok, even when the signal that would have ended its wait was lost, or a
 *   failure line first credited to it turned out to be another job's;
 * - a session whose wait ended ok but whose stages are no longer all credited
 *   to it (a later marker showed they were another job's) is failed.
 */
export function resolveOutcome(
  profile: Profile,
  session: SessionRecord & { readonly failedAt?: number },
): SessionRecord {
  const { status } = session;
  if (status === 'planned' || status === 'sent' || status === 'skipped') return session;
  if (session.failedAt !== undefined && session.failureReason !== undefined) {
    return { ...session, status: 'failed' };
  }
  const required = requiredStages(profile, session.scenario);
  const missing = required.filter((name) => session.stages[name] === undefined);
  // Timed out, or failed by a failure line that later markers showed was another job's, yet every
  // stage was seen in time: the session finished, and only the signal of it was lost or wrong.
  if (missing.length === 0 && status !== 'ok' && finishedInTime(profile, session, required)) {
    const { error: _error, ...rest } = session;
    return { ...rest, status: 'ok' };
  }
  if (missing.length > 0 && status === 'ok') {
    return {
      ...session,
      status: 'failed',
      error: `stages no longer credited to this session after later markers: ${missing.join(', ')}`,
    };
  }
  return session;
}

function finishedInTime(profile: Profile, session: SessionRecord, required: readonly string[]): boolean {
  const start = session.sentAt ?? session.scheduledAt;
  const scenario = findRunScenario(profile, session.scenario);
  if (start === undefined || !scenario) return false;
  const last = Math.max(...required.map((name) => session.stages[name] ?? Number.POSITIVE_INFINITY));
  return last <= start + sessionTimeoutSeconds(profile, scenario) * 1000;
}
