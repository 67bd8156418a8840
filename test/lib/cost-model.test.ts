import { readFileSync } from 'node:fs';
import { App, type CfnElement } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import type { AslGraph } from '../../core/asl-walk.js';
import {
  DEFAULT_ASSUMPTIONS,
  predictHarnessCost,
  type WorkflowShape,
} from '../../core/harness-cost-model.js';
import { PRICES } from '../../core/prices.js';
import { parseProfile } from '../../core/validate-profile.js';
import { BenchmarkStack } from '../../lib/benchmark-stack.js';
import { HANDLER_NAMES } from '../../lib/handlers-construct.js';
import { WEBORDINARY_TARGET } from '../../lib/target-props.js';
import { workflowDefinition } from '../support/workflow-definition.js';

/** The demo profile with one `stages` scenario: one session, counted by hand below. */
function oneSession(overrides: Record<string, unknown> = {}) {
  const json = JSON.parse(readFileSync('profiles/local-demo.json', 'utf8'));
  return parseProfile({ ...json, scenarios: [{ type: 'stages', name: 'one' }], ...overrides });
}

describe('the harness cost model against the synthesized state machine', () => {
  let shape: WorkflowShape;

  beforeAll(() => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new BenchmarkStack(app, 'WebOrdinaryBench', { target: WEBORDINARY_TARGET });
    const { template, definition } = workflowDefinition(stack);
    const byLogicalId = new Map(
      HANDLER_NAMES.map((name) => [
        stack.getLogicalId(stack.handlers.functions[name].node.defaultChild as CfnElement),
        name,
      ]),
    );
    const functions = template.findResources('AWS::Lambda::Function');
    const memoryMiB = Object.fromEntries(
      [...byLogicalId].map(([id, name]) => [name, functions[id]?.Properties.MemorySize as number]),
    );
    shape = {
      definition: definition as unknown as AslGraph,
      handlerOf: (fn) => byLogicalId.get(fn),
      memoryMiB,
    };
  });

  it("walks one load session's child execution state by state, as counted by hand", () => {
    const prediction = predictHarnessCost(oneSession(), shape, {
      ...DEFAULT_ASSUMPTIONS,
      sessionSeconds: 60,
    });
    const load = prediction.paths.find((p) => p.kind === 'load');
    // By hand, lib/benchmark-workflow.ts loadSessions() + sessionSteps('load'): a session sent at once.
    const handCount = [
      'Wait until scheduled start',
      'Send trigger',
      'Send slot later?',
      'Wait for completion',
      'Record completion',
    ];
    expect(load?.states).toEqual(handCount);
    expect(load?.transitions).toBe(5);
    expect(load?.lambda).toEqual({ trigger: 1, await: 1, finalize: 1 });
  });

  it('walks a cold session through its drain checks, and a warm one, as counted by hand', () => {
    const coldWarm = [{ type: 'coldWarm', name: 'cw', cold: 1, warm: 1, scaleUp: 'bench', desiredCount: 1 }];
    const prediction = predictHarnessCost(oneSession({ scenarios: coldWarm }), shape, {
      ...DEFAULT_ASSUMPTIONS,
      drainChecks: 2,
    });
    const check = ['Describe service', 'No task running?', 'Wait for tasks to stop', 'Count drain check'];
    expect(prediction.paths.find((p) => p.kind === 'cold')?.states).toEqual([
      'Scale service to zero',
      'Start counting drain checks',
      ...check,
      ...check,
      'Describe service',
      'No task running?',
      'Send cold trigger',
      'Send slot cold later?',
      'Who scales up?',
      'Scale service up',
      'Wait for cold completion',
      'Record cold completion',
    ]);
    expect(prediction.paths.find((p) => p.kind === 'warm')?.states).toEqual([
      'Pause before warm session',
      'Send warm trigger',
      'Send slot warm later?',
      'Wait for warm completion',
      'Record warm completion',
    ]);
  });

  it('counts the run, the scenario with its observer passes and the session, as counted by hand', () => {
    const prediction = predictHarnessCost(oneSession(), shape, {
      ...DEFAULT_ASSUMPTIONS,
      sessionSeconds: 60,
    });
    const [scenario] = prediction.scenarios;
    // Observer window: 2 s lead + 1/14 s of pacing + 60 s session = 62.07 s at 1 s: 63 passes + the first.
    const passes = 64;
    expect(scenario?.observerPasses).toBe(passes);
    const run = ['Prepare run', 'Run each scenario in order', 'Wait for late log deliveries', 'Write report'];
    const verdict = ['Thresholds passed?', 'Benchmark passed'];
    const scenarioStates = [
      'Start scenario',
      'Which scenario type?',
      'Sessions with observer',
      'Cold and warm sessions?',
      'Run each session',
      'Start observing',
      'Was the target changed?',
      'Did the sessions fail?',
      'Scenario done',
    ];
    // Each pass: Observe sessions and All sessions done?; a Wait between passes; Observer done at the end.
    const observer = 2 * passes + (passes - 1) + 1;
    const session = 5;
    expect(prediction.usage.transitions).toBe(
      run.length + verdict.length + scenarioStates.length + observer + session,
    );
    // What a measured count of executions and Observe invocations scales (core/harness-metrics-usage.ts):
    // one child execution of 5; one more pass adds Observe sessions, All sessions done? and a Wait.
    expect(prediction.children).toEqual({ executions: 1, transitions: session });
    expect(prediction.observer).toEqual({ passes, transitionsPerPass: 3 });
    // Lambda: prepare, start-scenario, observe per pass, trigger, await, finalize, report, and the
    // collector once per subscription batch of the session's log lines (push mode; an assumption).
    const invocations = Object.fromEntries(
      Object.entries(prediction.usage.lambda).map(([handler, v]) => [handler, v.invocations]),
    );
    expect(invocations).toEqual({
      prepare: 1,
      'start-scenario': 1,
      observe: passes,
      trigger: 1,
      await: 1,
      finalize: 1,
      report: 1,
      collector: DEFAULT_ASSUMPTIONS.logBatchesPerSession,
    });
    expect(prediction.usage.sesMessages).toBe(1);
    const transitions = prediction.items.find((i) => i.what === 'state transitions');
    expect(transitions?.amount).toBeCloseTo(
      prediction.usage.transitions * PRICES.stepFunctionsPerTransition,
      12,
    );
  });

  it("adds the send-slot loop when pacing holds a session past the trigger's margin", () => {
    const demo = JSON.parse(readFileSync('profiles/local-demo.json', 'utf8'));
    const burst = [{ type: 'burst', name: 'paced', sessions: 40 }];
    const fast = predictHarnessCost(oneSession({ scenarios: burst }), shape);
    const slow = predictHarnessCost(
      oneSession({
        scenarios: burst,
        target: { ...demo.target, trigger: { ...demo.target.trigger, maxSendRate: 1 } },
      }),
      shape,
    );
    // SES's default 14/s sends 29 within the 2 s margin; at 1/s only 3 (slots at 0, 1 and 2 s).
    expect(fast.scenarios[0]?.pacedSessions).toBe(11);
    expect(slow.scenarios[0]?.pacedSessions).toBe(37);
    // Each paced session: Send slot later? -> Wait for send slot -> Send trigger in its slot, then
    // Send slot later? again (3 more states, 1 more trigger); each extra observer pass: 3 states.
    const extraPasses = (slow.scenarios[0]?.observerPasses ?? 0) - (fast.scenarios[0]?.observerPasses ?? 0);
    expect(extraPasses).toBeGreaterThan(0);
    expect(slow.usage.transitions - fast.usage.transitions).toBe((37 - 11) * 3 + extraPasses * 3);
    expect(slow.usage.lambda.trigger?.invocations).toBe(40 + 37);
    expect(fast.usage.lambda.trigger?.invocations).toBe(40 + 11);
  });
});
