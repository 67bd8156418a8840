import { type RunScenario, runScenarios } from './limit-steps.js';
import { type Profile, scenarioName } from './profile.js';
import { sessionTimeoutSeconds, sustainedCount } from './session-plan.js';

/**
 * What one Standard execution can hold. The benchmark runs sessions in an
 * inline Map, whose history counts against the execution's 25,000 events, and
 * loops an observer once per interval. A profile that could outgrow that is
 * refused up front rather than failing hours into a run.
 */
export const HISTORY_EVENT_LIMIT = 25_000;

/** History events of one session iteration (Map iteration, wait, trigger, callback task, finalize). */
const EVENTS_PER_SESSION = 20;
/**
 * A cold session adds the scale-down, the scale-up and the drain loop: at most
 * 120 checks (the workflow's bound) of wait, count, describe and choice.
 */
const EVENTS_PER_COLD_SESSION = 40 + 120 * 11;
/** One observer pass: task (5), choice (2), wait (2). */
const EVENTS_PER_OBSERVATION = 9;
/** Events of the run's own states (prepare, scenario loop, report, verdict). */
const EVENTS_PER_RUN = 40;
const EVENTS_PER_SCENARIO = 15;

export interface HistoryEstimate {
  readonly total: number;
  readonly byScenario: readonly { readonly name: string; readonly events: number }[];
}

/** An upper bound of the execution history a profile produces (the observer running to its deadline). */
export function estimateHistoryEvents(profile: Profile): HistoryEstimate {
  // Every step of a limit scenario counts: the estimate is for the run in which none fails.
  const byScenario = runScenarios(profile).map((scenario) => ({
    name: scenarioName(scenario),
    events: EVENTS_PER_SCENARIO + scenarioEvents(profile, scenario),
  }));
  return { total: EVENTS_PER_RUN + byScenario.reduce((sum, s) => sum + s.events, 0), byScenario };
}

function scenarioEvents(profile: Profile, scenario: RunScenario): number {
  const interval = profile.target.observe.intervalSeconds;
  const timeout = sessionTimeoutSeconds(profile, scenario);
  const observer = (seconds: number) => Math.ceil(seconds / interval) * EVENTS_PER_OBSERVATION;
  switch (scenario.type) {
    case 'resources':
      return 0;
    case 'stages':
      return EVENTS_PER_SESSION + observer(timeout);
    case 'burst':
      return scenario.sessions * EVENTS_PER_SESSION + observer(timeout);
    case 'sustained': {
      const sessions = sustainedCount(scenario.ratePerMinute, scenario.durationMinutes);
      return sessions * EVENTS_PER_SESSION + observer(scenario.durationMinutes * 60 + timeout);
    }
    case 'coldWarm': {
      const sessions = scenario.cold + scenario.warm;
      // Sequential: the observer lives as long as every session's timeout (and pause) in turn.
      const seconds = sessions * timeout + scenario.warm * scenario.warmGapSeconds;
      return scenario.cold * EVENTS_PER_COLD_SESSION + scenario.warm * EVENTS_PER_SESSION + observer(seconds);
    }
  }
}

/** Drain bound of a cold session in the workflow: 120 checks 5 s apart. */
const COLD_DRAIN_SECONDS = 600;
/** Slack for the run's own states and the report. */
const RUN_SLACK_SECONDS = 900;

/**
 * The longest a run can last (every session to its timeout, every cold
 * session draining to the workflow's bound): after it, a run that never
 * reported (an execution stopped by hand) no longer holds its slot.
 */
export function maxRunSeconds(profile: Profile): number {
  const seconds = runScenarios(profile).map((scenario) => scenarioSeconds(profile, scenario));
  return RUN_SLACK_SECONDS + seconds.reduce((sum, s) => sum + s, 0);
}

/** The longest one scenario can last: every session to its timeout (and every cold session draining). */
export function scenarioSeconds(profile: Profile, scenario: RunScenario): number {
  const timeout = sessionTimeoutSeconds(profile, scenario);
  switch (scenario.type) {
    case 'resources':
      return 0;
    case 'stages':
    case 'burst':
      return timeout;
    case 'sustained':
      return scenario.durationMinutes * 60 + timeout;
    case 'coldWarm':
      return (
        scenario.cold * (timeout + COLD_DRAIN_SECONDS) + scenario.warm * (timeout + scenario.warmGapSeconds)
      );
  }
}
