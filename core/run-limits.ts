import {
  type HistoryAllowance,
  type HistoryEventModel,
  historyEventModel,
  MAX_DRAIN_CHECKS,
  WORST_CASE,
} from './history-events.js';
import { type RunScenario, runScenarios } from './limit-steps.js';
import { observerWindowMs, pacedSendRate, scenarioSessions } from './observer-window.js';
import { type Profile, scenarioName } from './profile.js';
import { sessionTimeoutSeconds } from './session-plan.js';

/**
 * What one Standard execution can hold: 25,000 history events. Load sessions
 * run in a Distributed Map, each in a child execution of its own, so the
 * parent's history does not grow with them; what still grows is the observer
 * loop (one pass per interval up to its hard deadline) and a coldWarm
 * scenario's inline sessions. A profile whose parent history could outgrow
 * the limit is refused up front rather than failing hours into a run.
 *
 * Every figure is an upper bound: the events each state type records, each
 * retry of a task state counted at its retriers' maxAttempts
 * (core/history-events.ts), checked against real local executions.
 */
export const HISTORY_EVENT_LIMIT = 25_000;

export interface HistoryEstimate {
  readonly total: number;
  readonly byScenario: readonly { readonly name: string; readonly events: number }[];
}

/** The fewest passes an observer is given; a profile that leaves less is over the limit. */
export const MIN_OBSERVER_PASSES = 10;

/**
 * An upper bound of the parent execution's history: by default the worst case
 * (every retry taken, every failed Observe pass and drain check the workflow
 * allows, every observer pass its budget allows). Given the run's own
 * allowance and its observer passes (of the whole run: they are in the total,
 * not in `byScenario`), the bound of that run, which the local measurement
 * checks the per-state counts with (test/e2e/history-events.test.ts).
 */
export function estimateHistoryEvents(
  profile: Profile,
  taken?: { readonly allowance: HistoryAllowance; readonly observerPasses: number },
): HistoryEstimate {
  const model = historyEventModel(taken?.allowance ?? WORST_CASE);
  // Every step of a limit scenario counts: the estimate is for the run in which none fails.
  const scenarios = runScenarios(profile);
  const byScenario = scenarios.map((scenario) => ({
    name: scenarioName(scenario),
    events:
      fixedEvents(model, scenario) +
      (observed(scenario) && taken === undefined ? observerPasses(profile, scenario) * model.observation : 0),
  }));
  const passes = taken === undefined ? 0 : taken.observerPasses * model.observation;
  return { total: model.run + passes + byScenario.reduce((sum, s) => sum + s.events, 0), byScenario };
}

const observed = (scenario: RunScenario) => scenario.type !== 'resources';

/** A scenario's events but for the observer's successful passes. */
function fixedEvents(model: HistoryEventModel, scenario: RunScenario): number {
  switch (scenario.type) {
    case 'resources':
      return model.scenario + model.resources;
    case 'coldWarm':
      return (
        model.scenario +
        model.coldWarm +
        scenario.cold * model.coldSession +
        scenario.warm * model.warmSession +
        model.observer
      );
    default:
      return model.scenario + model.load + model.observer;
  }
}

/**
 * The most passes the scenario's observer makes: what its hard window needs at
 * the profile's interval, or, when the run's history cannot hold that, an
 * equal share of what is left (the observer then spaces its passes out:
 * {@link observerWaitSeconds}).
 */
export function observerPasses(profile: Profile, scenario: RunScenario): number {
  // +2: the first pass at the start and the last one past the deadline.
  const need =
    Math.ceil(observerWindowMs(profile, scenario).hardMs / 1000 / profile.target.observe.intervalSeconds) + 2;
  const scenarios = runScenarios(profile);
  const model = historyEventModel(WORST_CASE);
  const fixed = model.run + scenarios.reduce((sum, s) => sum + fixedEvents(model, s), 0);
  const share = Math.floor(
    (HISTORY_EVENT_LIMIT - fixed) / scenarios.filter(observed).length / model.observation,
  );
  // Below the minimum the estimate goes over the limit, and validation refuses the profile.
  return Math.min(need, Math.max(MIN_OBSERVER_PASSES, share));
}

/**
 * The observer's next step, keeping the run's passes within the sum of
 * {@link observerPasses} (scenarios run one after another, so what one leaves
 * unused a later one may use, each later one keeping at least
 * MIN_OBSERVER_PASSES): after `runPass` passes of the run (this one included),
 * stop when the scenario's share is spent; otherwise wait the profile's
 * interval, or longer when the passes left could not cover the time to the
 * deadline the observer follows (that time spread evenly over them).
 */
export function observerNextPass(
  profile: Profile,
  scenario: RunScenario,
  runPass: number,
  msToDeadline: number,
): { readonly budgetSpent: boolean; readonly waitSeconds: number } {
  const interval = profile.target.observe.intervalSeconds;
  const scenarios = runScenarios(profile);
  const observedScenarios = scenarios.filter(observed);
  const total = observedScenarios.reduce((sum, s) => sum + observerPasses(profile, s), 0);
  const index = scenarios.findIndex((s) => scenarioName(s) === scenarioName(scenario));
  const later = scenarios.slice(index + 1).filter(observed);
  const reserve = later.reduce(
    (sum, s) => sum + Math.min(observerPasses(profile, s), MIN_OBSERVER_PASSES),
    0,
  );
  const left = total - reserve - runPass;
  if (left <= 0) return { budgetSpent: true, waitSeconds: interval };
  return { budgetSpent: false, waitSeconds: Math.max(interval, Math.ceil(msToDeadline / 1000 / left)) };
}

/**
 * What a valid profile implies for sending, for `bench validate` to print: each
 * load scenario's emails at the rate pacing allows (the trigger's maxSendRate,
 * else SES's default 14/s; the account's own MaxSendRate may be lower).
 */
export function sendRateNotes(profile: Profile): string[] {
  const rate = pacedSendRate(profile.target.trigger);
  if (rate === undefined) return [];
  const assumed = profile.target.trigger.type === 'ses' && profile.target.trigger.maxSendRate === undefined;
  return runScenarios(profile).flatMap((scenario) => {
    const sessions = scenarioSessions(scenario);
    if (sessions <= 1 || scenario.type === 'coldWarm') return [];
    const seconds = sessions / rate;
    const due = scenario.type === 'sustained' ? scenario.durationMinutes * 60 : 0;
    if (seconds <= due) return [];
    return [
      `${scenarioName(scenario)}: ${sessions.toLocaleString('en-US')} emails at ${rate}/s take ${formatDuration(seconds)}` +
        `${assumed ? " (SES's default MaxSendRate; the account's may be lower, set target.trigger.maxSendRate to plan for it)" : ''}` +
        '; sessions wait for their send slot and that wait is reported as lateness',
    ];
  });
}

function formatDuration(seconds: number): string {
  if (seconds < 90) return `${Math.ceil(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  return `${(seconds / 3600).toFixed(1)} h`;
}

/** Drain bound of a cold session in the workflow: 120 checks 5 s apart. */
const COLD_DRAIN_SECONDS = MAX_DRAIN_CHECKS * 5;
/** Slack for the run's own states and the report. */
const RUN_SLACK_SECONDS = 900;

/**
 * The longest a run can last (every session to its timeout after the last send
 * slot its pacing allows, every cold session draining to the workflow's
 * bound): after it, a run that never
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
      return pacingSeconds(profile, scenario) + timeout;
    case 'sustained':
      return Math.max(scenario.durationMinutes * 60, pacingSeconds(profile, scenario)) + timeout;
    case 'coldWarm':
      return (
        scenario.cold * (timeout + COLD_DRAIN_SECONDS) + scenario.warm * (timeout + scenario.warmGapSeconds)
      );
  }
}

/** How long the scenario's sends take at the pacing's rate (0 when unpaced). */
function pacingSeconds(profile: Profile, scenario: RunScenario): number {
  const rate = pacedSendRate(profile.target.trigger);
  return rate === undefined ? 0 : Math.ceil(scenarioSessions(scenario) / rate);
}
