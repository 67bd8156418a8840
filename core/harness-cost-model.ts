import {
  ABSENT,
  type AslGraph,
  type AslState,
  type Facts,
  isDistributedMap,
  processorOf,
  type Tally,
  transitionsOf,
  walk,
} from './asl-walk.js';
import {
  addUsage,
  type HandlerMemory,
  type HarnessUsage,
  NO_USAGE,
  priceUsage,
  sumItems,
} from './harness-usage.js';
import { LEAD_MS, pacedSendRate, SEQUENTIAL_DRAIN_MS, scenarioSessions } from './observer-window.js';
import { PRICES } from './prices.js';
import { isLogStage, type Profile, type Scenario, scenarioName } from './profile.js';
import type { CostItem } from './report-model.js';
import { observerPasses } from './run-limits.js';
import { sessionTimeoutSeconds } from './session-plan.js';
import { parseCondition } from './thresholds.js';

/**
 * The harness's predicted cost of a profile, before it runs. State transitions
 * and Lambda invocations come from the state machine's own definition, walked
 * along each path a run takes (core/asl-walk.ts): a load session's child
 * execution, a cold and a warm session, a scenario (Start scenario, the
 * Parallel, the observer loop), the run (Prepare, the settle wait, the report).
 * What the handlers do per invocation (DynamoDB, SES, S3, CloudWatch requests)
 * is read off lambdas/*.ts and stated in {@link HANDLER_CALLS}; how long each
 * handler runs, and how long a session lasts, are stated assumptions. No
 * retries are counted (the history bound in core/run-limits.ts counts them all).
 */

/** The stack as the model reads it: its definition (tokens resolved to names) and its functions' sizes. */
export interface WorkflowShape {
  readonly definition: AslGraph;
  /** The handler a Lambda task invokes, from its FunctionName; undefined: not one of the stack's. */
  readonly handlerOf: (functionName: string) => string | undefined;
  readonly memoryMiB: HandlerMemory;
}

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
 * DynamoDB, SES, S3 and CloudWatch requests per invocation, read off the
 * handlers (each GetItem/Query page counted as one read unit, each write as
 * one write unit: items under 1 KB, strongly consistent reads rounded up), and
 * checked against the units a local run counts (`measured.byHandler` of its
 * report): contended conditional writes that lose are billed too.
 */
export const HANDLER_CALLS = {
  /**
   * lambdas/trigger.ts: getRun, getSession, getScenario; markSent, send budget;
   * the pacer's slot when SES is paced (lambdas/shared/send-pacer.ts: a
   * conditional increment that fails when the last slot is past, then a
   * conditional reset that sessions due at once race for; failed conditional
   * writes are billed: about 4 units a send, measured locally).
   */
  trigger: { reads: 3, writes: 2, pacedWrites: 4, poolWrites: 2 },
  /** lambdas/await.ts: getRun; setTaskToken. */
  await: { reads: 1, writes: 1 },
  /** lambdas/finalize.ts: getRun, getSession; finalize; the user lease back (user pool). */
  finalize: { reads: 2, writes: 1, poolWrites: 1 },
  /**
   * lambdas/collector.ts per delivered batch: the active runs (cached), the
   * stream binding and the stage's conditional writes (docs/internals.md
   * "Stream attribution": about 2 requests a batch; 0.5 read and 1.5 write
   * units measured locally).
   */
  collector: { reads: 0.5, writes: 1.5 },
  /**
   * lambdas/observe.ts per pass: getRun, getScenario, the sessions Query (by
   * pages); the pass count, the sweep's settles (3 write units a pass,
   * measured locally); polledUntil (poll).
   */
  observe: { reads: 2, writes: 3, pollWrites: 1 },
  /** lambdas/prepare.ts: the run record and every session of the plan (batch writes, one unit an item). */
  prepare: { writes: 1, writesPerSession: 1 },
  /** lambdas/start-scenario.ts: getRun; the scenario record; the plan object (S3 PUT) read back by the ItemReader (GET). */
  startScenario: { reads: 1, writes: 1, s3Puts: 1, s3Gets: 1 },
  /** lambdas/report.ts: getRun, the sessions Query, samples, target changes; report.json/.md/.html; the run closed. */
  report: { reads: 4, writes: 1, s3Puts: 3 },
} as const;

export interface SessionPath {
  readonly kind: 'load' | 'cold' | 'warm';
  /** The states one session enters, in order (a load session: its child execution). */
  readonly states: readonly string[];
  readonly transitions: number;
  readonly lambda: Readonly<Record<string, number>>;
}

export interface ScenarioPrediction {
  readonly name: string;
  readonly type: string;
  readonly sessions: number;
  /** Sessions whose send slot is further than the trigger waits in-Lambda: one more loop each. */
  readonly pacedSessions: number;
  readonly observerPasses: number;
  readonly usage: HarnessUsage;
}

export interface HarnessPrediction {
  readonly sessions: number;
  readonly usage: HarnessUsage;
  readonly items: readonly CostItem[];
  readonly total: number;
  /** Total per 1,000 sessions (the total when the profile has none). */
  readonly perThousandSessions: number;
  readonly scenarios: readonly ScenarioPrediction[];
  /** The paths the counts come from, for one session of each kind the profile runs. */
  readonly paths: readonly SessionPath[];
  readonly currency: string;
  readonly region: string;
  readonly pricesAsOf: string;
  readonly assumptions: readonly string[];
}

/** The far side of a send slot the trigger waits for in-Lambda (lambdas/trigger.ts SLOT_MARGIN_MS). */
const SLOT_MARGIN_SECONDS = 2;

export function predictHarnessCost(
  profile: Profile,
  shape: WorkflowShape,
  assumptions: CostAssumptions = DEFAULT_ASSUMPTIONS,
): HarnessPrediction {
  const workflow = locate(shape.definition);
  const functionOf = (state: AslState, name: string) => {
    const fn = state.Parameters?.FunctionName;
    const handler = typeof fn === 'string' ? shape.handlerOf(fn) : undefined;
    if (!handler) throw new Error(`Lambda task "${name}" invokes no handler of the stack`);
    return handler;
  };
  const usageOf = (tally: Tally) => tallyUsage(tally, assumptions);
  const paths: SessionPath[] = [];
  const scenarios = profile.scenarios.map((scenario): ScenarioPrediction => {
    const name = scenarioName(scenario);
    const sessions = scenarioSessions(scenario);
    const paced = pacedSessions(profile, scenario);
    const window = observerWindow(profile, scenario, assumptions);
    const passes = scenario.type === 'resources' ? 0 : window.passes;
    const scenarioTally = walk(workflow.scenario, {
      functionOf,
      facts: scenarioFacts(scenario, passes),
    });
    let usage = addUsage(
      usageOf(scenarioTally),
      observerCalls(profile, scenario, window, assumptions),
      passes,
    );
    // observerCalls is per pass; the walk already counted the passes' transitions and invocations.
    usage = addUsage(usage, scenarioCalls(scenario));
    const session = (kind: SessionPath['kind'], graph: AslGraph, slotWaits: number, count: number) => {
      if (count === 0) return;
      const tally = walk(graph, {
        functionOf,
        facts: sessionFacts(profile, scenario, slotWaits, assumptions),
      });
      if (slotWaits === 0 && !paths.some((p) => p.kind === kind)) {
        paths.push({ kind, states: tally.states, transitions: transitionsOf(tally), lambda: tally.lambda });
      }
      usage = addUsage(usage, addUsage(usageOf(tally), sessionCalls(profile, slotWaits, assumptions)), count);
    };
    if (scenario.type === 'coldWarm') {
      session('cold', workflow.cold, 0, scenario.cold);
      session('warm', workflow.warm, 0, scenario.warm);
    } else if (scenario.type !== 'resources') {
      session('load', workflow.load, 0, sessions - paced);
      session('load', workflow.load, 1, paced);
    }
    return { name, type: scenario.type, sessions, pacedSessions: paced, observerPasses: passes, usage };
  });
  const runTally = walk(shape.definition, { functionOf, facts: RUN_FACTS });
  const sessions = scenarios.reduce((sum, s) => sum + s.sessions, 0);
  let usage = addUsage(usageOf(runTally), runCalls(profile, sessions, scenarios));
  for (const scenario of scenarios) usage = addUsage(usage, scenario.usage);
  const items = priceUsage(usage, shape.memoryMiB);
  const total = sumItems(items);
  return {
    sessions,
    usage,
    items,
    total,
    perThousandSessions: sessions > 0 ? (total / sessions) * 1_000 : total,
    scenarios,
    paths,
    currency: PRICES.currency,
    region: PRICES.region,
    pricesAsOf: PRICES.asOf,
    assumptions: describeAssumptions(profile, assumptions),
  };
}

/** The parts of the definition a run's paths go through, found by their structure, not their names. */
interface WorkflowParts {
  readonly scenario: AslGraph;
  readonly load: AslGraph;
  readonly cold: AslGraph;
  readonly warm: AslGraph;
}

function locate(definition: AslGraph): WorkflowParts {
  const maps = Object.values(definition.States).filter((s) => s.Type === 'Map');
  if (maps.length !== 1) throw new Error(`the run should have one scenario Map, found ${maps.length}`);
  const scenario = processorOf(maps[0] as AslState);
  const inner = allStates(scenario);
  const distributed = inner.filter(([, s]) => isDistributedMap(s));
  if (distributed.length !== 1)
    throw new Error(`a scenario should have one Distributed Map of sessions, found ${distributed.length}`);
  // The inline session Maps: the cold one's Next is the warm one.
  const inline = inner.filter(([, s]) => s.Type === 'Map' && !isDistributedMap(s));
  const cold = inline.find(([, s]) => inline.some(([other]) => other === s.Next));
  const warm = cold && inline.find(([name]) => name === cold[1].Next);
  if (!cold || !warm) throw new Error('a scenario should have a cold session Map followed by a warm one');
  return {
    scenario,
    load: processorOf((distributed[0] as [string, AslState])[1]),
    cold: processorOf(cold[1]),
    warm: processorOf(warm[1]),
  };
}

function allStates(graph: AslGraph): [string, AslState][] {
  return Object.entries(graph.States).flatMap(([name, state]): [string, AslState][] => [
    [name, state],
    ...(state.Branches ?? []).flatMap(allStates),
  ]);
}

const constant =
  (value: unknown) =>
  (_visit: number): unknown =>
    value;

/** The run's own path: the report passes its thresholds, no failure was caught. */
const RUN_FACTS: Facts = {
  '$.report.verdict': constant('pass'),
  '$.failure.Error': constant(ABSENT),
};

function scenarioFacts(scenario: Scenario, passes: number): Facts {
  return {
    '$.plan.type': constant(scenario.type),
    // The observer's last pass says done.
    '$.observed.done': (visit) => visit >= passes - 1,
    '$.observeFailures.count': constant(0),
    // A coldWarm scenario records the desired count it changes, and restores it.
    '$.target': constant(scenario.type === 'coldWarm' ? { recorded: true } : ABSENT),
    '$.failure': constant(ABSENT),
  };
}

function sessionFacts(
  profile: Profile,
  scenario: Scenario,
  slotWaits: number,
  assumptions: CostAssumptions,
): Facts {
  return {
    // The trigger returns retryAt (a timestamp) while the slot is far, null once sent.
    '$.sent.retryAt': (visit) => (visit < slotWaits ? '2030-01-01T00:00:00Z' : null),
    '$.ecs.running': (visit) => (visit < assumptions.drainChecks ? 1 : 0),
    '$.drain.checks': (visit) => visit,
    '$.session.scaleUp': constant(scenario.type === 'coldWarm' ? scenario.scaleUp : 'bench'),
    '$.session.cluster': constant(profile.target.ecs?.cluster ?? ABSENT),
  };
}

/** The transitions and Lambda seconds of a walk. */
function tallyUsage(tally: Tally, assumptions: CostAssumptions): HarnessUsage {
  const lambda: Record<string, { invocations: number; seconds: number }> = {};
  for (const [handler, invocations] of Object.entries(tally.lambda)) {
    const seconds = assumptions.handlerSeconds[handler];
    if (seconds === undefined) throw new Error(`no assumed duration for handler ${handler}`);
    lambda[handler] = { invocations, seconds: invocations * seconds };
  }
  return { ...NO_USAGE, transitions: transitionsOf(tally), lambda };
}

/** What one session's handlers call besides the walk's invocations: DynamoDB, SES or S3, the collector. */
function sessionCalls(profile: Profile, slotWaits: number, assumptions: CostAssumptions): HarnessUsage {
  const { trigger, await: awaitCalls, finalize, collector } = HANDLER_CALLS;
  const pool = profile.target.userPool !== undefined;
  const ses = profile.target.trigger.type === 'ses';
  const paced = ses && pacedSendRate(profile.target.trigger) !== undefined;
  const triggers = 1 + slotWaits;
  // Push mode: every log line of the target reaches the collector, in batches.
  const logStages = profile.target.stages.filter(isLogStage).length;
  const batches =
    profile.target.observe.mode === 'push' && logStages > 0 ? assumptions.logBatchesPerSession : 0;
  return {
    ...NO_USAGE,
    lambda:
      batches > 0
        ? {
            collector: {
              invocations: batches,
              seconds: batches * (assumptions.handlerSeconds.collector ?? 0),
            },
          }
        : {},
    dynamoReadUnits: triggers * trigger.reads + awaitCalls.reads + finalize.reads + batches * collector.reads,
    dynamoWriteUnits:
      trigger.writes +
      (paced ? trigger.pacedWrites : 0) +
      (pool ? trigger.poolWrites + finalize.poolWrites : 0) +
      awaitCalls.writes +
      finalize.writes +
      batches * collector.writes,
    sesMessages: ses ? 1 : 0,
    s3Puts: ses ? 0 : 1,
  };
}

/** One observer pass's calls: the DynamoDB reads and write, S3 stage checks, FilterLogEvents in poll mode. */
function observerCalls(
  profile: Profile,
  scenario: Scenario,
  window: ObserverWindow,
  assumptions: CostAssumptions,
): HarnessUsage {
  const sessions = scenarioSessions(scenario);
  const { observe } = HANDLER_CALLS;
  const poll = profile.target.observe.mode === 'poll';
  const logGroups = new Set([
    ...profile.target.stages.filter(isLogStage).map((s) => s.log.group),
    ...profile.target.failures.map((f) => f.group),
  ]);
  const s3Stages = profile.target.stages.filter((s) => !isLogStage(s)).length;
  const queryPages = Math.max(1, Math.ceil((sessions * assumptions.sessionItemBytes) / 4_096));
  // S3 stages are checked for the sessions still open: on average, sessions x their length over the window.
  const open = Math.min(sessions, (sessions * window.sessionMs) / window.windowMs);
  const s3Checks = scenario.type === 'resources' ? 0 : s3Stages * Math.ceil(open);
  return {
    ...NO_USAGE,
    dynamoReadUnits: observe.reads + queryPages,
    dynamoWriteUnits: observe.writes + (poll ? observe.pollWrites : 0),
    s3Gets: s3Checks,
    filterLogEventsRequests: poll ? logGroups.size : 0,
  };
}

function scenarioCalls(scenario: Scenario): HarnessUsage {
  const { startScenario } = HANDLER_CALLS;
  const load = scenario.type !== 'resources' && scenario.type !== 'coldWarm';
  return {
    ...NO_USAGE,
    dynamoReadUnits: startScenario.reads,
    dynamoWriteUnits: startScenario.writes,
    s3Puts: load ? startScenario.s3Puts : 0,
    s3Gets: load ? startScenario.s3Gets : 0,
  };
}

function runCalls(
  profile: Profile,
  sessions: number,
  scenarios: readonly ScenarioPrediction[],
): HarnessUsage {
  const { prepare, report } = HANDLER_CALLS;
  const groups = scenarios.filter((s) => s.sessions > 0).length + 1;
  const metricsPerGroup = profile.target.stages.length + 2;
  // core/cost.ts metricRequests: one datum per 150 values of each duration metric plus 5 counts, 1,000 a request.
  const datums = groups * (metricsPerGroup * Math.max(1, Math.ceil(sessions / 150)) + 5);
  const resources = profile.scenarios.some((s) => s.type === 'resources') && profile.target.ecs !== undefined;
  return {
    ...NO_USAGE,
    dynamoReadUnits: report.reads + Math.ceil(sessions / 4),
    dynamoWriteUnits: prepare.writes + prepare.writesPerSession * sessions + report.writes,
    s3Puts: report.s3Puts,
    putMetricDataRequests: profile.publish.cloudwatch ? Math.max(1, Math.ceil(datums / 1_000)) : 0,
    // CPU and memory utilization.
    getMetricDataMetrics: resources ? 2 : 0,
  };
}

/**
 * Sessions of a scenario whose send slot is more than the trigger's in-Lambda
 * margin away, so they take the Wait-for-send-slot loop once: a burst's
 * sessions beyond what pacing sends in the margin; a sustained scenario's when
 * its arrival rate outruns the send rate.
 */
export function pacedSessions(profile: Profile, scenario: Scenario): number {
  const rate = pacedSendRate(profile.target.trigger);
  const sessions = scenarioSessions(scenario);
  if (rate === undefined || scenario.type === 'coldWarm' || scenario.type === 'resources') return 0;
  if (scenario.type === 'sustained') {
    const arrival = scenario.ratePerMinute / 60;
    if (arrival <= rate) return 0;
    // Session i is due at i/arrival and sent at i/rate: late by more than the margin from here on.
    const first = Math.floor(SLOT_MARGIN_SECONDS / (1 / rate - 1 / arrival)) + 1;
    return Math.max(0, sessions - first);
  }
  return Math.max(0, sessions - Math.floor(SLOT_MARGIN_SECONDS * rate) - 1);
}

/**
 * Observer passes until every session is done: the scenario's window (lead,
 * arrivals, send pacing, cold/warm sequence, the sessions' assumed length) at
 * the profile's interval, plus the first pass; never more than the run's
 * history budget gives it (core/run-limits.ts). An upper bound: each pass also
 * takes the Observe call's own time.
 */
interface ObserverWindow {
  readonly passes: number;
  readonly windowMs: number;
  readonly sessionMs: number;
}

function observerWindow(profile: Profile, scenario: Scenario, assumptions: CostAssumptions): ObserverWindow {
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
  scenario: Scenario,
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

function describeAssumptions(profile: Profile, assumptions: CostAssumptions): string[] {
  const seconds = Object.entries(assumptions.handlerSeconds)
    .map(([handler, s]) => `${handler} ${s} s`)
    .join(', ');
  const rate = pacedSendRate(profile.target.trigger);
  return [
    `Lambda billed durations: ${seconds}`,
    assumptions.sessionSeconds === undefined
      ? "sessions last as long as the profile's total threshold allows, else their timeout (the observer polls until the last is done)"
      : `sessions last ${assumptions.sessionSeconds} s`,
    profile.target.observe.mode === 'push'
      ? `${assumptions.logBatchesPerSession} log batches per session reach the collector`
      : 'poll mode: no collector',
    `a cold session waits ${assumptions.drainChecks} drain checks`,
    rate === undefined ? 'sends are not paced' : `sends paced at ${rate}/s`,
    'no retries',
    `${PRICES.region} list prices of ${PRICES.asOf}`,
  ];
}
