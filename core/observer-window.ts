import type { RunScenario } from './limit-steps.js';
import type { Profile, Trigger } from './profile.js';
import { sessionTimeoutSeconds, sustainedCount } from './session-plan.js';

/** Time between planning and the first due session, so the Map's children are all waiting when it comes. */
export const LEAD_MS = 2_000;
/** Slack after the last session's timeout before the observer gives up. */
export const GRACE_MS = 30_000;
/** Pause a sequential (coldWarm) session may take on top of its timeout: the drain loop's bound, 120 × 5 s. */
export const SEQUENTIAL_DRAIN_MS = 600_000;
/**
 * SES's default MaxSendRate for an account out of the sandbox (14 emails/s):
 * what pacing is assumed to allow when the profile's trigger sets no maxSendRate.
 */
export const ASSUMED_SES_SEND_RATE = 14;
/** Lateness allowed on top of the send pacing: a user pool's NoFreeUser retries (12, at most 30 s apart). */
const OTHER_LATENESS_MS = 300_000;

/** Sessions of a scenario (0 for resources). */
export function scenarioSessions(scenario: RunScenario): number {
  switch (scenario.type) {
    case 'resources':
      return 0;
    case 'stages':
      return 1;
    case 'burst':
      return scenario.sessions;
    case 'sustained':
      return sustainedCount(scenario.ratePerMinute, scenario.durationMinutes);
    case 'coldWarm':
      return scenario.cold + scenario.warm;
  }
}

/** The send rate pacing gives an `ses` trigger: the profile's cap, else SES's default; none for s3-eml. */
export function pacedSendRate(trigger: Trigger): number | undefined {
  if (trigger.type !== 'ses') return undefined;
  return trigger.maxSendRate ?? ASSUMED_SES_SEND_RATE;
}

/**
 * The scenario's observer window, from Start scenario: the planned deadline
 * (the last session's scheduled start + its timeout + grace) and the hard
 * deadline the observer never passes, however late sessions start (the
 * planned one plus the time pacing needs to send every session, plus other
 * lateness). The observer follows the sessions' real start times up to the
 * hard deadline; the execution history estimate counts passes up to it.
 */
export function observerWindowMs(
  profile: Profile,
  scenario: RunScenario,
): { readonly plannedMs: number; readonly hardMs: number } {
  const timeoutMs = sessionTimeoutSeconds(profile, scenario) * 1000;
  const sessions = scenarioSessions(scenario);
  let lastOffsetMs = 0;
  let sequentialMs = 0;
  if (scenario.type === 'sustained')
    lastOffsetMs = Math.round((sessions - 1) * (60_000 / scenario.ratePerMinute));
  if (scenario.type === 'coldWarm') {
    sequentialMs = sessions * (timeoutMs + scenario.warmGapSeconds * 1000 + SEQUENTIAL_DRAIN_MS);
  }
  const plannedMs = LEAD_MS + lastOffsetMs + sequentialMs + timeoutMs + GRACE_MS;
  const rate = pacedSendRate(profile.target.trigger);
  const pacingMs = rate === undefined ? 0 : Math.ceil((sessions / rate) * 1000);
  return { plannedMs, hardMs: plannedMs + pacingMs + OTHER_LATENESS_MS };
}

/**
 * When the observer may stop, following the open sessions' real start times:
 * each open session's start (sentAt; a session not yet sent starts no earlier
 * than its scheduled time, nor than now) + its timeout + grace, never past the
 * hard deadline. With no open session it is `now`: nothing left to follow.
 */
export function followedDeadline(
  sessions: readonly {
    readonly status: string;
    readonly sentAt?: number | undefined;
    readonly scheduledAt?: number | undefined;
  }[],
  options: { readonly now: number; readonly timeoutMs: number; readonly hardDeadline: number },
): number {
  const { now, timeoutMs, hardDeadline } = options;
  const starts = sessions
    .filter((s) => s.status === 'planned' || s.status === 'sent')
    .map((s) => s.sentAt ?? Math.max(s.scheduledAt ?? now, now));
  if (starts.length === 0) return Math.min(now, hardDeadline);
  return Math.min(Math.max(...starts) + timeoutMs + GRACE_MS, hardDeadline);
}
