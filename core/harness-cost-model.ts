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
import { type CostAssumptions, DEFAULT_ASSUMPTIONS, observerWindow } from './harness-assumptions.js';
import { observerCalls, runCalls, scenarioCalls, sessionCalls } from './harness-calls.js';
import {
  addUsage,
  type HandlerMemory,
  type HarnessUsage,
  NO_USAGE,
  priceUsage,
  sumItems,
} from './harness-usage.js';
import { type RunScenario, runScenarios } from './limit-steps.js';
import { pacedSendRate, scenarioSessions } from './observer-window.js';
import { PRICES } from './prices.js';
import { type Profile, scenarioName } from './profile.js';
import type { CostItem } from './report-model.js';

/**
 * The harness's predicted cost of a profile, before it runs. State transitions
 * and Lambda invocations come from the state machine's own definition, walked
 * along each path a run takes (core/asl-walk.ts): a load session's child
 * execution, a cold and a warm session, a scenario (Start scenario, the
 * Parallel, the observer loop), the run (Prepare, the settle wait, the report).
 * What the handlers do per invocation (DynamoDB, SES, S3, CloudWatch requests)
 * is read off lambdas/*.ts and stated in core/harness-calls.ts; how long each
 * handler runs, and how long a session lasts, are stated assumptions
 * (core/harness-assumptions.ts). No
 * retries are counted (the history bound in core/run-limits.ts counts them all).
 */

export { type CostAssumptions, DEFAULT_ASSUMPTIONS, expectedSessionSeconds } from './harness-assumptions.js';
export { HANDLER_CALLS } from './harness-calls.js';

/** The stack as the model reads it: its definition (tokens resolved to names) and its functions' sizes. */
export interface WorkflowShape {
  readonly definition: AslGraph;
  /** The handler a Lambda task invokes, from its FunctionName; undefined: not one of the stack's. */
  readonly handlerOf: (functionName: string) => string | undefined;
  readonly memoryMiB: HandlerMemory;
}

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
  /**
   * The Distributed Map's child executions (one per load session) and their
   * transitions, within `usage.transitions`: what a measured count of child
   * executions scales (core/harness-metrics-usage.ts).
   */
  readonly children: { readonly executions: number; readonly transitions: number };
  /**
   * The observer's passes over all scenarios (each one Observe invocation) and
   * the transitions one more pass adds, from the definition: what measured
   * Observe invocations replace in an estimate of the transitions.
   */
  readonly observer: { readonly passes: number; readonly transitionsPerPass: number };
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
  const children = { executions: 0, transitions: 0 };
  const observer = { passes: 0, transitionsPerPass: 0 };
  const scenarios = runScenarios(profile).map((scenario): ScenarioPrediction => {
    const name = scenarioName(scenario);
    const sessions = scenarioSessions(scenario);
    const paced = pacedSessions(profile, scenario);
    const window = observerWindow(profile, scenario, assumptions);
    const passes = scenario.type === 'resources' ? 0 : window.passes;
    const scenarioTally = walk(workflow.scenario, {
      functionOf,
      facts: scenarioFacts(scenario, passes),
    });
    if (passes > 0) {
      const onePassMore = walk(workflow.scenario, { functionOf, facts: scenarioFacts(scenario, passes + 1) });
      observer.passes += passes;
      observer.transitionsPerPass = transitionsOf(onePassMore) - transitionsOf(scenarioTally);
    }
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
        facts: sessionFacts(scenario, slotWaits, assumptions),
      });
      if (slotWaits === 0 && !paths.some((p) => p.kind === kind)) {
        paths.push({ kind, states: tally.states, transitions: transitionsOf(tally), lambda: tally.lambda });
      }
      usage = addUsage(usage, addUsage(usageOf(tally), sessionCalls(profile, slotWaits, assumptions)), count);
      if (kind === 'load') {
        children.executions += count;
        children.transitions += transitionsOf(tally) * count;
      }
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
  let usage = addUsage(
    usageOf(runTally),
    runCalls(profile, sessions, scenarios, Object.keys(shape.memoryMiB).length),
  );
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
    children,
    observer,
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

function scenarioFacts(scenario: RunScenario, passes: number): Facts {
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

function sessionFacts(scenario: RunScenario, slotWaits: number, assumptions: CostAssumptions): Facts {
  return {
    // The trigger returns retryAt (a timestamp) while the slot is far, null once sent.
    '$.sent.retryAt': (visit) => (visit < slotWaits ? '2030-01-01T00:00:00Z' : null),
    '$.ecs.running': (visit) => (visit < assumptions.drainChecks ? 1 : 0),
    '$.drain.checks': (visit) => visit,
    '$.session.scaleUp': constant(scenario.type === 'coldWarm' ? scenario.scaleUp : 'bench'),
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

/**
 * Sessions of a scenario whose send slot is more than the trigger's in-Lambda
 * margin away, so they take the Wait-for-send-slot loop once: a burst's
 * sessions beyond what pacing sends in the margin; a sustained scenario's when
 * its arrival rate outruns the send rate.
 */
export function pacedSessions(profile: Profile, scenario: RunScenario): number {
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
