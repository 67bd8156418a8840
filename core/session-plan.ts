import { sessionIdentity } from './identity.js';
import { type RunScenario, runScenarios } from './limit-steps.js';
import { type Profile, type Scenario, scenarioName } from './profile.js';

/** One session as Prepare plans it, before its scenario starts. */
export interface PlannedSession {
  readonly sessionId: string;
  readonly scenario: string;
  readonly scenarioType: RunScenario['type'];
  readonly index: number;
  readonly phase?: 'cold' | 'warm';
  readonly userId: string;
  readonly token: string;
  readonly key: string;
  /**
   * Due time relative to the scenario's start (open model). Absent for the
   * sequential coldWarm sessions, which are due when the previous one is done.
   */
  readonly offsetMs?: number;
}

/** Expands the profile's scenarios into sessions, in order; each gets its own userId and token. */
export function planRun(runId: string, profile: Profile): PlannedSession[] {
  const sessions: PlannedSession[] = [];
  let ordinal = 0;
  const add = (
    scenario: RunScenario,
    index: number,
    extra: { phase?: 'cold' | 'warm'; offsetMs?: number },
  ) => {
    const name = scenarioName(scenario);
    const ids = sessionIdentity(runId, profile.target, {
      scenario: name,
      index,
      ordinal: ordinal++,
      ...(extra.phase ? { phase: extra.phase } : {}),
    });
    sessions.push({ ...ids, scenario: name, scenarioType: scenario.type, index, ...extra });
  };
  // A limit scenario's steps are all planned; the steps after a failing one are skipped, never sent.
  for (const scenario of runScenarios(profile)) {
    switch (scenario.type) {
      case 'stages':
        add(scenario, 0, { offsetMs: 0 });
        break;
      case 'burst':
        for (let i = 0; i < scenario.sessions; i++) add(scenario, i, { offsetMs: 0 });
        break;
      case 'sustained': {
        const count = sustainedCount(scenario.ratePerMinute, scenario.durationMinutes);
        const gapMs = 60_000 / scenario.ratePerMinute;
        for (let i = 0; i < count; i++) add(scenario, i, { offsetMs: Math.round(i * gapMs) });
        break;
      }
      case 'coldWarm':
        for (let i = 0; i < scenario.cold; i++) add(scenario, i, { phase: 'cold' });
        for (let i = 0; i < scenario.warm; i++) add(scenario, i, { phase: 'warm' });
        break;
      case 'resources':
        break;
    }
  }
  return sessions;
}

/** Arrivals in an open model: one every 60/rate seconds for the whole duration. */
export function sustainedCount(ratePerMinute: number, durationMinutes: number): number {
  return Math.max(1, Math.floor(ratePerMinute * durationMinutes + 1e-9));
}

/** The session timeout that applies to a scenario. */
export function sessionTimeoutSeconds(profile: Profile, scenario: Scenario): number {
  return scenario.sessionTimeoutSeconds ?? profile.target.sessionTimeoutSeconds;
}

/** The longest session timeout of the profile's scenarios: how long a sent job may still run. */
export function longestSessionTimeoutSeconds(profile: Profile): number {
  return Math.max(...profile.scenarios.map((s) => sessionTimeoutSeconds(profile, s)));
}
