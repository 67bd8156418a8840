import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { StateMachine } from 'aws-local-stepfunctions';
import { beforeAll, describe, expect, it } from 'vitest';
import type { HandlerName } from '../../lib/handlers-construct.js';
import {
  type AslDefinition,
  LOCAL_TIMEOUT_PARAMETER,
  renderDefinition,
} from '../../local/render-definition.js';

type Validator = (definition: unknown) => { isValid: boolean; errorsText: (separator?: string) => string };
const aslValidator = createRequire(import.meta.url)('asl-validator') as Validator;

// aws-local-stepfunctions uses Promise.withResolvers (Node 22).
const promises = Promise as unknown as { withResolvers?: () => unknown };
promises.withResolvers ??= () => {
  let resolve: unknown;
  let reject: unknown;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

type State = {
  Type: string;
  Resource?: string;
  Parameters?: { FunctionName?: string };
  [key: string]: unknown;
};
type Graph = { States: Record<string, State> };

function* allStates(graph: Graph): Generator<[string, State]> {
  for (const [name, state] of Object.entries(graph.States)) {
    yield [name, state];
    for (const branch of (state.Branches as Graph[] | undefined) ?? []) yield* allStates(branch);
    if (state.ItemProcessor) yield* allStates(state.ItemProcessor as Graph);
  }
}

type Stub = (payload: Record<string, unknown>) => unknown;
type Stubs = Partial<Record<HandlerName, Stub>> & { runningTasks?: number; neverDrains?: boolean };

/** Runs the rendered definition with stub handlers; returns what the stubs saw. */
async function run(definition: AslDefinition, stubs: Stubs) {
  const { handlerOf } = renderDefinition();
  const calls: { handler: string; payload: Record<string, unknown> }[] = [];
  let running = stubs.runningTasks ?? 1;
  const overrides: Record<string, (input: never) => unknown> = {};
  for (const [name, state] of allStates(definition as unknown as Graph)) {
    if (state.Type !== 'Task') continue;
    if (state.Resource?.includes(':states:::lambda:invoke')) {
      overrides[name] = (input: { FunctionName: string; Payload: Record<string, unknown> }) => {
        const handler = handlerOf(input.FunctionName) ?? 'unknown';
        calls.push({ handler, payload: input.Payload });
        const result = (stubs[handler as HandlerName] as Stub | undefined)?.(input.Payload) ?? null;
        return state.Resource?.endsWith('.waitForTaskToken') ? result : { StatusCode: 200, Payload: result };
      };
    } else {
      overrides[name] = (input: { Key?: string }) => {
        calls.push({ handler: String(state.Resource), payload: {} });
        // The local stand-in for the Distributed Map's ItemReader: the plan object's items.
        if (state.Resource?.endsWith(':states:::s3:getObject')) return planObjects[String(input.Key)];
        return state.Resource?.endsWith('describeServices')
          ? { Services: [{ DesiredCount: 3, RunningCount: stubs.neverDrains ? 1 : Math.max(0, running--) }] }
          : {};
      };
    }
  }
  const waits = [...allStates(definition as unknown as Graph)].filter(([, s]) => s.Type === 'Wait');
  const execution = new StateMachine(definition).run(
    { name: 'profile' },
    {
      overrides: {
        taskResourceLocalHandlers: overrides as never,
        waitTimeOverrides: Object.fromEntries(waits.map(([name]) => [name, 0])),
        retryIntervalOverrides: Object.fromEntries(Object.keys(overrides).map((name) => [name, 0])),
      },
      context: {
        Execution: { Name: 'run-1', StartTime: new Date().toISOString() },
        // AWS always sets it; the report states pass it on ($$.StateMachine.Id).
        StateMachine: { Id: 'arn:aws:states:us-east-1:000000000000:stateMachine:Bench', Name: 'Bench' },
        Task: { Token: 'token-1' },
      },
    },
  );
  const outcome = await execution.result.then(
    (output) => ({ output, error: undefined }),
    (error: Error & { cause?: Error }) => ({ output: undefined, error: error.cause?.name ?? error.name }),
  );
  return { ...outcome, calls };
}

const session = (sessionId: string, extra: Record<string, unknown> = {}) => ({
  sessionId,
  scheduledAt: new Date().toISOString(),
  timeoutSeconds: 30,
  ...extra,
});

const planObjects: Record<string, unknown> = {
  'runs/run-1/plans/burst.json': [session('b1'), session('b2')],
};

const plans: Record<string, unknown> = {
  burst: {
    name: 'burst',
    type: 'burst',
    planKey: 'runs/run-1/plans/burst.json',
    concurrency: 2,
    cold: [],
    warm: [],
    ecs: null,
  },
  coldWarm: {
    name: 'coldWarm',
    type: 'coldWarm',
    planKey: 'runs/run-1/plans/coldWarm.json',
    concurrency: 1,
    cold: [session('c1', { cluster: 'c', service: 's', scaleUp: 'bench', desiredCount: 1 })],
    warm: [session('w1', { cluster: 'c', service: 's', gapSeconds: 0 })],
    ecs: { cluster: 'c', service: 's', after: 1 },
  },
  resources: {
    name: 'resources',
    type: 'resources',
    planKey: 'runs/run-1/plans/resources.json',
    concurrency: 1,
    cold: [],
    warm: [],
    ecs: null,
  },
};

const stubs: Partial<Record<HandlerName, Stub>> = {
  prepare: (p) => ({
    runId: p.runId,
    settleSeconds: 1,
    scenarios: Object.keys(plans).map((name) => ({ name, type: name })),
  }),
  'start-scenario': (p) => plans[String(p.scenario)],
  trigger: () => ({ sentAt: 1, retryAt: null, slot: null }),
  await: () => ({ sessionId: 'done' }),
  finalize: () => ({ status: 'ok' }),
  observe: () => ({ done: true, waitSeconds: 1, open: 0 }),
  report: () => ({ verdict: 'pass', summary: 'all thresholds passed', reportKey: 'runs/run-1/report.json' }),
};

describe('renderDefinition', () => {
  let definition: AslDefinition;
  beforeAll(() => {
    definition = renderDefinition().definition;
  });

  it('renders a definition that asl-validator accepts', () => {
    const result = aslValidator(structuredClone(definition));
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('names each Lambda task local:<handler> for a handler file in lambdas/', () => {
    const { handlerOf } = renderDefinition();
    const seen = new Set<string>();
    for (const [, state] of allStates(definition as unknown as Graph)) {
      if (!state.Resource?.includes(':states:::lambda:invoke')) continue;
      const functionName = String(state.Parameters?.FunctionName);
      expect(functionName).toMatch(/^local:/);
      const handler = handlerOf(functionName);
      expect(handler, functionName).toBeDefined();
      expect(existsSync(fileURLToPath(new URL(`../../lambdas/${handler}.ts`, import.meta.url)))).toBe(true);
      seen.add(String(handler));
    }
    expect([...seen].sort()).toEqual([
      'await',
      'finalize',
      'observe',
      'prepare',
      'report',
      'start-scenario',
      'target-change',
      'trigger',
    ]);
  });

  it('copies TimeoutSecondsPath into the parameters, where aws-local-stepfunctions resolves it', () => {
    const [, wait] =
      [...allStates(definition as unknown as Graph)].find(([name]) => name === 'Wait for completion') ?? [];
    expect(wait).toMatchObject({
      TimeoutSecondsPath: `$.${LOCAL_TIMEOUT_PARAMETER}`,
      Parameters: { [`${LOCAL_TIMEOUT_PARAMETER}.$`]: '$.session.timeoutSeconds' },
    });
  });

  it('leaves no token or intrinsic unresolved', () => {
    const text = JSON.stringify(definition);
    expect(text).not.toContain('${Token[');
    expect(text).not.toMatch(/Fn::|"Ref"/);
    const resources = [...allStates(definition as unknown as Graph)].flatMap(([, s]) =>
      s.Resource ? [s.Resource] : [],
    );
    expect(new Set(resources)).toEqual(
      new Set([
        'arn:aws:states:::lambda:invoke',
        'arn:aws:states:::lambda:invoke.waitForTaskToken',
        'arn:aws:states:::aws-sdk:ecs:updateService',
        'arn:aws:states:::aws-sdk:ecs:describeServices',
        // The local stand-in for the Distributed Map's ItemReader.
        'arn:aws:states:::s3:getObject',
      ]),
    );
  });

  it('knows no handler for other function names', () => {
    const { handlerOf } = renderDefinition();
    expect(handlerOf('local:nothing')).toBeUndefined();
    expect(handlerOf('arn:aws:lambda:us-east-1:000000000000:function:prepare')).toBeUndefined();
  });

  it('returns a fresh copy on every call', () => {
    const again = renderDefinition().definition;
    expect(again).toEqual(definition);
    expect(again).not.toBe(definition);
  });

  it('runs every scenario type through aws-local-stepfunctions', async () => {
    const { output, error, calls } = await run(definition, stubs);
    expect(error).toBeUndefined();
    expect(output).toMatchObject({ run: { runId: 'run-1' }, report: { verdict: 'pass' } });
    const finalized = calls.filter((c) => c.handler === 'finalize').map((c) => c.payload);
    expect(finalized.map((p) => `${p.sessionId}:${p.outcome}`).sort()).toEqual([
      'b1:completed',
      'b2:completed',
      'c1:completed',
      'w1:completed',
    ]);
    const ecs = calls.filter((c) => c.handler.includes('aws-sdk:ecs')).map((c) => c.handler.split(':').pop());
    // Read the desired count, scale to zero, see it drained, scale up, set the desired count back.
    expect(ecs).toEqual([
      'describeServices',
      'updateService',
      'describeServices',
      'updateService',
      'updateService',
    ]);
    const changes = calls.filter((c) => c.handler === 'target-change').map((c) => c.payload);
    expect(changes).toEqual([
      {
        runId: 'run-1',
        scenario: 'coldWarm',
        kind: 'ecsDesiredCount',
        cluster: 'c',
        service: 's',
        before: 3,
        after: 1,
        restored: false,
      },
      {
        runId: 'run-1',
        scenario: 'coldWarm',
        kind: 'ecsDesiredCount',
        cluster: 'c',
        service: 's',
        before: 3,
        after: 1,
        restored: true,
      },
    ]);
    expect(calls.find((c) => c.handler === 'await')?.payload).toMatchObject({ taskToken: 'token-1' });
  });

  it('gives up on a service that never drains: the cold session fails, the run goes on', async () => {
    const { error, calls } = await run(definition, { ...stubs, neverDrains: true });
    expect(error).toBeUndefined();
    const describes = calls.filter((c) => c.handler.endsWith('describeServices'));
    // One read of the desired count, then 120 drain checks.
    expect(describes).toHaveLength(121 + 1);
    const finalized = calls.filter((c) => c.handler === 'finalize').map((c) => c.payload);
    expect(finalized.find((p) => p.sessionId === 'c1')).toMatchObject({
      outcome: 'failed',
      error: { Error: 'ServiceDidNotDrain' },
    });
    expect(calls.some((c) => c.handler === 'trigger' && c.payload.sessionId === 'c1')).toBe(false);
    expect(finalized.find((p) => p.sessionId === 'w1')).toMatchObject({ outcome: 'completed' });
  });

  it('records a failed trigger and a timed-out wait without failing the run', async () => {
    const timeout = Object.assign(new Error('no callback'), { name: 'States.Timeout' });
    const { error, calls } = await run(definition, {
      ...stubs,
      trigger: (p) => {
        if (p.sessionId === 'b1') throw new Error('SES refused');
        return { sentAt: 1, retryAt: null, slot: null };
      },
      await: () => {
        throw timeout;
      },
    });
    expect(error).toBeUndefined();
    const finalized = calls.filter((c) => c.handler === 'finalize').map((c) => c.payload);
    expect(finalized.find((p) => p.sessionId === 'b1')).toMatchObject({
      outcome: 'failed',
      error: { Error: 'Error' },
    });
    expect(finalized.find((p) => p.sessionId === 'b2')).toMatchObject({ outcome: 'timedOut' });
  });

  it('waits for a later send slot in a Wait state and sends in it, not in the trigger', async () => {
    const slot = Date.now() + 60_000;
    const { error, calls } = await run(definition, {
      ...stubs,
      trigger: (p) =>
        p.slot === undefined
          ? { sentAt: null, retryAt: new Date(slot).toISOString(), slot }
          : { sentAt: p.slot, retryAt: null, slot: null },
    });
    expect(error).toBeUndefined();
    const triggers = calls.filter((c) => c.handler === 'trigger').map((c) => c.payload);
    // Each session: once to reserve its slot, once in it (with the slot it was given).
    for (const id of ['b1', 'b2', 'c1', 'w1']) {
      expect(triggers.filter((p) => p.sessionId === id).map((p) => p.slot)).toEqual([undefined, slot]);
    }
    const finalized = calls
      .filter((c) => c.handler === 'finalize')
      .map((c) => `${c.payload.sessionId}:${c.payload.outcome}`);
    expect(finalized.sort()).toEqual(['b1:completed', 'b2:completed', 'c1:completed', 'w1:completed']);
  });

  it('goes on observing when an Observe pass fails after its retries, and gives up only after 30 such passes', async () => {
    let observed = 0;
    const flaky = await run(definition, {
      ...stubs,
      observe: () => {
        observed += 1;
        // Four attempts (the first and three retries) fail: one caught pass; the next one succeeds.
        if (observed <= 4) throw new Error('ThrottlingException');
        return { done: true, waitSeconds: 1, open: 0 };
      },
    });
    expect(flaky.error).toBeUndefined();
    expect(flaky.calls.filter((c) => c.handler === 'report')).toHaveLength(1);
    expect(flaky.calls.filter((c) => c.handler === 'finalize').length).toBeGreaterThan(0);

    const broken = await run(definition, {
      ...stubs,
      observe: () => {
        throw new Error('AccessDenied');
      },
    });
    expect(broken.error).toBeUndefined();
    // Per load scenario: 30 failed passes of 4 attempts each.
    const loadScenarios = Object.values(plans).filter(
      (p) => (p as { type: string }).type !== 'resources',
    ).length;
    expect(broken.calls.filter((c) => c.handler === 'observe')).toHaveLength(loadScenarios * 30 * 4);
  });

  it('writes the report with the failure when a scenario fails', async () => {
    const { calls } = await run(definition, {
      ...stubs,
      'start-scenario': () => {
        throw new Error('table unavailable');
      },
    });
    const report = calls.find((c) => c.handler === 'report');
    expect(report?.payload).toMatchObject({ runId: 'run-1', failure: { Error: 'Error' } });
  });

  it('fails with ThresholdsBreached when the verdict is not pass', async () => {
    const { error } = await run(definition, {
      ...stubs,
      report: () => ({ verdict: 'fail', summary: 'p95', reportKey: 'k' }),
    });
    expect(error).toBe('ThresholdsBreached');
  });

  it('fails with ProfileInvalid when the profile is invalid', async () => {
    const invalid = Object.assign(new Error('scenarios: at least one'), { name: 'ProfileInvalid' });
    const { error, calls } = await run(definition, {
      ...stubs,
      prepare: () => {
        throw invalid;
      },
    });
    expect(error).toBe('ProfileInvalid');
    expect(calls.map((c) => c.handler)).toEqual(['prepare']);
  });
});
