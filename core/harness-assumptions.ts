import type { RunScenario } from './limit-steps.js';
import { LEAD_MS, pacedSendRate, SEQUENTIAL_DRAIN_MS, scenarioSessions } from './observer-window.js';
import { type Profile, scenarioName } from './profile.js';
import { observerPasses } from './run-limits.js';
import { sessionTimeoutSeconds } from './session-plan.js';
import { parseCondition } from './thresholds.js';

/**
 * What the harness cost model (core/harness-cost-model.ts) assumes where the
 * definition and the handlers' code do not say: how long each handler runs,
 * how long a session lasts, how much the target logs, how long a cold
 * session's service takes to drain; and the observer's passes that follow.
 */

export interface CostAssumptions {
  /** Billed seconds of one invocation, per handler (warm; cold starts are not billed on managed runtimes). */
  readonly handlerSeconds: Readonly<Record<string, number>>;
  /**
   * How long a session lasts from its send to its final stage, seconds; the
   * observer loop runs until the last one is done. Undefined: the profile's
   * own expectation, its tightest `total` threshold (`p(95) < 30s`: 30 s),
   * else the session timeout (the worst case: the most observer passes).
   */
  readonly sessionSeconds?: number;
  /**
   * Subscription batches that reach the collector per session (push mode).
   * The stack subscribes to all of the target's log lines, so this follows the
   * target's log volume, not the markers: about 21 per session in the local
   * simulator of WebOrdinary (local-demo, measured); AWS groups a stream's
   * lines into fewer batches, so this is an upper bound for it.
   */
  readonly logBatchesPerSession: number;
  /** Drain checks of a cold session before the service is at zero (the loop of "Describe service"). */
  readonly drainChecks: number;
  /** Average bytes of a session item, for the read units of the Query that lists a scenario's sessions. */
  readonly sessionItemBytes: number;
}

export const DEFAULT_ASSUMPTIONS: CostAssumptions = {
  handlerSeconds: {
    prepare: 0.5,
    'start-scenario': 0.3,
    // 0.15 s of work, plus 0.5 s on average waiting out the Wait state's whole-second truncation of the start.
    trigger: 0.65,
    await: 0.05,
    finalize: 0.08,
    observe: 0.3,
    collector: 0.05,
    report: 2,
    'target-change': 0.1,
  },
  drainChecks: 6,
  sessionItemBytes: 1_024,
  logBatchesPerSession: 21,
};

/**
 * Observer passes until every session is done: the scenario's window (lead,
 * arrivals, send pacing, cold/warm sequence, the sessions' assumed length) at
 * the profile's interval, plus the first pass; never more than the run's
 * history budget gives it (core/run-limits.ts). An upper bound: each pass also
 * takes the Observe call's own time.
 */
export interface ObserverWindow {
  readonly passes: number;
  readonly windowMs: number;
  readonly sessionMs: number;
}

export function observerWindow(
  profile: Profile,
  scenario: RunScenario,
  assumptions: CostAssumptions,
): ObserverWindow {
  const sessions = scenarioSessions(scenario);
  const sessionMs = expectedSessionSeconds(profile, scenario, assumptions) * 1_000;
  const rate = pacedSendRate(profile.target.trigger);
  let spanMs = 0;
  if (scenario.type === 'sustained') spanMs = ((sessions - 1) * 60_000) / scenario.ratePerMinute;
  if (scenario.type === 'coldWarm') {
    const drainMs = Math.min(assumptions.drainChecks * 5_000, SEQUENTIAL_DRAIN_MS);
    spanMs =
      scenario.cold * (drainMs + sessionMs) + scenario.warm * (scenario.warmGapSeconds * 1_000 + sessionMs);
  }
  const pacingMs = rate === undefined || scenario.type === 'coldWarm' ? 0 : (sessions / rate) * 1_000;
  // The observer stops once every session is done: its grace (GRACE_MS) is only for sessions that never finish.
  const windowMs = LEAD_MS + Math.max(spanMs, pacingMs) + sessionMs;
  const need = Math.ceil(windowMs / 1_000 / profile.target.observe.intervalSeconds) + 1;
  return { passes: Math.min(need, observerPasses(profile, scenario)), windowMs, sessionMs };
}

/** The assumed session length: the stated one, else the profile's tightest `total` threshold, else the timeout. */
export function expectedSessionSeconds(
  profile: Profile,
  scenario: RunScenario,
  assumptions: CostAssumptions,
): number {
  const timeout = sessionTimeoutSeconds(profile, scenario);
  if (assumptions.sessionSeconds !== undefined) return Math.min(assumptions.sessionSeconds, timeout);
  const limits = profile.thresholds
    .filter(
      (t) => t.metric === 'total' && (t.scenario === undefined || t.scenario === scenarioName(scenario)),
    )
    .map((t) => parseCondition(t.condition))
    .filter((c) => c.aggregate.kind !== 'rate' && (c.operator === '<' || c.operator === '<='))
    .map((c) => c.value / 1_000);
  return Math.min(timeout, ...limits);
}
