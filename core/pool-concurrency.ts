import { runScenarios } from './limit-steps.js';
import { type Profile, scenarioName } from './profile.js';
import { sessionTimeoutSeconds, sustainedCount } from './session-plan.js';

/**
 * The most sessions of one scenario that can be in flight at once, which a
 * user pool must be able to hold (each session needs a user of its own: the
 * same user on another thread would interrupt the running job):
 * a burst's size; for a sustained rate, the arrivals within one session
 * timeout (capped at the scenario's total); one for sequential scenarios.
 */
export function peakConcurrency(profile: Profile): { readonly sessions: number; readonly scenario?: string } {
  let peak: { sessions: number; scenario?: string } = { sessions: 0 };
  for (const scenario of runScenarios(profile)) {
    let sessions = 0;
    if (scenario.type === 'burst') sessions = scenario.sessions;
    else if (scenario.type === 'sustained') {
      const total = sustainedCount(scenario.ratePerMinute, scenario.durationMinutes);
      const withinTimeout = Math.ceil(
        (scenario.ratePerMinute / 60) * sessionTimeoutSeconds(profile, scenario),
      );
      sessions = Math.min(total, withinTimeout);
    } else if (scenario.type !== 'resources') sessions = 1;
    if (sessions > peak.sessions) peak = { sessions, scenario: scenarioName(scenario) };
  }
  return peak;
}
