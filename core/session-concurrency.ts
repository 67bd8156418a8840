import type { Profile, Scenario } from './profile.js';
import { sessionTimeoutSeconds, sustainedCount } from './session-plan.js';

/**
 * Slack on a sustained session's lifetime: the trigger's send slot and the
 * Record task come on top of the session timeout, and a session still running
 * holds its place in the Map.
 */
const SUSTAINED_SLACK_SECONDS = 60;

/**
 * How many sessions of a load scenario the Distributed Map runs at once: its
 * real need, so no session waits for a free place in the Map (which would be
 * harness lateness, a closed model in disguise). A burst: its size; a
 * sustained rate: the arrivals within a session's lifetime (timeout + slack),
 * capped by the scenario's total; a single `stages` session: 1. Never more
 * than `stackLimit` (the stack's `maxSessionConcurrency`), never less than 1.
 */
export function mapConcurrency(profile: Profile, scenario: Scenario, stackLimit: number): number {
  let need = 1;
  if (scenario.type === 'burst') need = scenario.sessions;
  else if (scenario.type === 'sustained') {
    const total = sustainedCount(scenario.ratePerMinute, scenario.durationMinutes);
    const lifetime = sessionTimeoutSeconds(profile, scenario) + SUSTAINED_SLACK_SECONDS;
    need = Math.min(total, Math.ceil((scenario.ratePerMinute / 60) * lifetime) + 1);
  }
  return Math.max(1, Math.min(need, stackLimit));
}
