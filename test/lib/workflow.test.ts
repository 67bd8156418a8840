import { App, type CfnElement } from 'aws-cdk-lib';
import { Match, type Matcher, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { BenchmarkStack } from '../../lib/benchmark-stack.js';
import { HANDLER_NAMES, type HandlerName } from '../../lib/handlers-construct.js';
import { WEBORDINARY_TARGET } from '../../lib/target-props.js';

type State = Record<string, unknown> & { Type: string };
type Graph = { StartAt: string; States: Record<string, State> };

/** The definition string with `Fn::GetAtt` as the logical id and `AWS::Partition` as `aws`. */
function flatten(node: unknown): string {
  if (typeof node === 'string') return node;
  const fn = node as { 'Fn::Join'?: [string, unknown[]]; 'Fn::GetAtt'?: [string, string]; Ref?: string };
  if (fn['Fn::Join']) return fn['Fn::Join'][1].map(flatten).join(fn['Fn::Join'][0]);
  if (fn['Fn::GetAtt']) return fn['Fn::GetAtt'][0];
  return fn.Ref === 'AWS::Partition' ? 'aws' : `<${fn.Ref}>`;
}

/** Every state of the definition by name, including those inside branches and item processors. */
function allStates(graph: Graph, into = new Map<string, State>()): Map<string, State> {
  for (const [name, state] of Object.entries(graph.States)) {
    into.set(name, state);
    for (const branch of (state.Branches as Graph[] | undefined) ?? []) allStates(branch, into);
    if (state.ItemProcessor) allStates(state.ItemProcessor as Graph, into);
  }
  return into;
}

function expectMatch(actual: unknown, matcher: Matcher): void {
  const result = matcher.test(actual);
  expect(result.hasFailed(), result.hasFailed() ? result.renderMismatch() : '').toBe(false);
}

describe('BenchmarkWorkflow', () => {
  let template: Template;
  let definition: Graph;
  let states: Map<string, State>;
  let functionIds: Record<HandlerName, string>;
  const state = (name: string): State => {
    const found = states.get(name);
    if (!found) throw new Error(`no state named "${name}"`);
    return found;
  };

  beforeAll(() => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new BenchmarkStack(app, 'WebOrdinaryBench', { target: WEBORDINARY_TARGET });
    template = Template.fromStack(stack);
    // The benchmark's own state machine (the stack also has the stopped-run restore).
    const machine = template.toJSON().Resources[
      stack.getLogicalId(stack.workflow.stateMachine.node.defaultChild as CfnElement)
    ] as { Properties: { DefinitionString: unknown } } | undefined;
    definition = JSON.parse(flatten(machine?.Properties.DefinitionString)) as Graph;
    states = allStates(definition);
    functionIds = Object.fromEntries(
      HANDLER_NAMES.map((name) => [
        name,
        stack.getLogicalId(stack.handlers.functions[name].node.defaultChild as CfnElement),
      ]),
    ) as Record<HandlerName, string>;
  });

  it('is a Standard workflow that logs every state transition without execution data (no tokens, profiles or addresses) and traces', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: false }),
      TracingConfiguration: { Enabled: true },
    });
  });

  it('prepares the run, runs the scenarios one at a time, then writes the report', () => {
    const asString = Template.fromJSON({
      Resources: {
        Machine: {
          Type: 'AWS::StepFunctions::StateMachine',
          Properties: { Definition: JSON.stringify(definition) },
        },
      },
    });
    asString.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      Definition: Match.serializedJson(
        Match.objectLike({
          StartAt: 'Prepare run',
          States: Match.objectLike({
            'Prepare run': Match.objectLike({ Next: 'Run each scenario in order', ResultPath: '$.run' }),
            'Run each scenario in order': Match.objectLike({
              Type: 'Map',
              MaxConcurrency: 1,
              ItemsPath: '$.run.scenarios',
              ItemSelector: { 'runId.$': '$.run.runId', 'scenario.$': '$$.Map.Item.Value' },
              Next: 'Wait for late log deliveries',
              Catch: [
                { ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Write report after failure' },
              ],
            }),
            'Wait for late log deliveries': Match.objectLike({
              Type: 'Wait',
              SecondsPath: '$.run.settleSeconds',
              Next: 'Write report',
            }),
            'Write report': Match.objectLike({ Next: 'Thresholds passed?', ResultPath: '$.report' }),
            'Write report after failure': Match.objectLike({
              Parameters: Match.objectLike({
                Payload: { 'runId.$': '$.run.runId', 'failure.$': '$.failure' },
              }),
            }),
          }),
        }),
      ),
    });
  });

  it('fails at once with ProfileInvalid when the profile is invalid', () => {
    expectMatch(
      state('Prepare run'),
      Match.objectLike({
        Parameters: {
          FunctionName: functionIds.prepare,
          Payload: {
            'profile.$': '$',
            'runId.$': '$$.Execution.Name',
            'startedAt.$': '$$.Execution.StartTime',
          },
        },
        Catch: [{ ErrorEquals: ['ProfileInvalid'], ResultPath: '$.error', Next: 'Profile is invalid' }],
      }),
    );
    expectMatch(
      state('Profile is invalid'),
      Match.objectLike({ Type: 'Fail', Error: 'ProfileInvalid', CausePath: '$.error.Cause' }),
    );
  });

  it('fails with ThresholdsBreached unless the verdict is pass', () => {
    expectMatch(
      state('Thresholds passed?'),
      Match.objectLike({
        Choices: [{ Variable: '$.report.verdict', StringEquals: 'pass', Next: 'Benchmark passed' }],
        Default: 'Thresholds breached',
      }),
    );
    expectMatch(
      state('Thresholds breached'),
      Match.objectLike({ Type: 'Fail', Error: 'ThresholdsBreached', CausePath: '$.report.summary' }),
    );
  });

  it('passes over a limit step that Start scenario skipped, straight to the next scenario', () => {
    expectMatch(
      state('Which scenario type?'),
      Match.objectLike({
        Choices: Match.arrayWith([
          {
            Variable: '$.plan.type',
            StringEquals: 'skipped',
            Next: 'Step skipped: the step before it did not pass',
          },
        ]),
      }),
    );
    expect(state('Step skipped: the step before it did not pass')).toEqual({
      Type: 'Pass',
      OutputPath: null,
      End: true,
    });
  });

  it('runs the sessions of a scenario next to an observer loop', () => {
    expectMatch(state('Which scenario type?'), Match.objectLike({ Default: 'Sessions with observer' }));
    const parallel = state('Sessions with observer');
    expect(parallel.Type).toBe('Parallel');
    expect((parallel.Branches as Graph[]).map((b) => b.StartAt)).toEqual([
      'Cold and warm sessions?',
      'Start observing',
    ]);
    expectMatch(
      state('All sessions done?'),
      Match.objectLike({
        Choices: [{ Variable: '$.observed.done', BooleanEquals: true, Next: 'Observer done' }],
        Default: 'Wait for next observation',
      }),
    );
    expectMatch(
      state('Wait for next observation'),
      Match.objectLike({ SecondsPath: '$.observed.waitSeconds', Next: 'Observe sessions' }),
    );
  });

  it('retries Observe and, when a pass still fails, notes it and goes on observing (a bounded number of times)', () => {
    const observe = state('Observe sessions');
    expect((observe.Retry as { ErrorEquals: string[] }[]).at(-1)).toMatchObject({
      ErrorEquals: ['States.ALL'],
      MaxAttempts: 3,
    });
    expect(observe.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.observeError', Next: 'Note failed observation' },
    ]);
    expectMatch(
      state('Note failed observation'),
      Match.objectLike({
        Parameters: { 'count.$': 'States.MathAdd($.observeFailures.count, 1)' },
        Next: 'Observe failing for good?',
      }),
    );
    expectMatch(
      state('Observe failing for good?'),
      Match.objectLike({
        Choices: [
          { Variable: '$.observeFailures.count', NumericGreaterThanEquals: 30, Next: 'Observer gave up' },
        ],
        Default: 'Wait after failed observation',
      }),
    );
    expectMatch(state('Wait after failed observation'), Match.objectLike({ Next: 'Observe sessions' }));
  });

  it('runs the load sessions in a Distributed Map of Standard child executions, reading the plan from S3', () => {
    expectMatch(
      state('Run each session'),
      Match.objectLike({
        Type: 'Map',
        ItemReader: {
          Resource: 'arn:aws:states:::s3:getObject',
          ReaderConfig: { InputType: 'JSON' },
          Parameters: { Bucket: Match.stringLikeRegexp('^<StorageReports'), 'Key.$': '$.plan.planKey' },
        },
        MaxConcurrencyPath: '$.plan.concurrency',
        ToleratedFailurePercentage: 100,
        ItemSelector: { 'runId.$': '$.runId', 'session.$': '$$.Map.Item.Value' },
        ItemProcessor: Match.objectLike({
          ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
          StartAt: 'Wait until scheduled start',
        }),
      }),
    );
    expect(state('Run each session')).toMatchObject({ ResultPath: null, OutputPath: null });
    expect(state('Run each session').ItemsPath).toBeUndefined();
    expect(state('Run each session').ItemBatcher).toBeUndefined();
    expectMatch(
      state('Wait until scheduled start'),
      Match.objectLike({ TimestampPath: '$.session.scheduledAt' }),
    );
    // Sequential cold and warm sessions stay inline, one at a time.
    for (const name of ['Run each cold session', 'Run each warm session']) {
      expect(state(name).MaxConcurrency).toBe(1);
      expect((state(name).ItemProcessor as { ProcessorConfig?: unknown }).ProcessorConfig).toEqual({
        Mode: 'INLINE',
      });
    }
  });

  it('lets the workflow start, describe and stop its own child executions and read the plans', () => {
    // The state machine role's policies (its default policy and CDK's DistributedMapPolicy).
    const policies = Object.entries(template.findResources('AWS::IAM::Policy'))
      .filter(([id]) => id.startsWith('WorkflowStateMachine'))
      .map(([, policy]) => policy);
    const statements = policies.flatMap(
      (p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
    );
    const of = (action: string) =>
      statements.filter((st) => [st.Action].flat().includes(action)).map((st) => JSON.stringify(st.Resource));
    const [start, ...others] = of('states:StartExecution');
    expect(others).toEqual([]);
    expect(start).toMatch(/^\{"Ref":"WorkflowStateMachine[0-9A-F]{8}"\}$/);
    expect(of('states:DescribeExecution').join()).toContain('execution');
    expect(of('states:StopExecution').join()).toContain('execution');
    // The ItemReader's GetObject: the reports bucket's objects, nothing else.
    const reads = of('s3:GetObject');
    expect(reads.length).toBeGreaterThan(0);
    for (const resource of reads)
      expect(resource).toMatch(/s3:::",\{"Ref":"StorageReports[0-9A-F]{8}"\},"\/\*"/);
    // Start scenario writes the plans, and only under runs/*/plans/.
    const all = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[],
    );
    const writes = all.filter(
      (st) => [st.Action].flat().includes('s3:PutObject') && JSON.stringify(st.Resource).includes('plans'),
    );
    expect(JSON.stringify(writes)).toContain('/runs/*/plans/*');
  });

  it('waits for the task token up to the session timeout and records timeouts apart from failures', () => {
    expectMatch(
      state('Wait for completion'),
      Match.objectLike({
        Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
        TimeoutSecondsPath: '$.session.timeoutSeconds',
        Parameters: {
          FunctionName: functionIds.await,
          Payload: {
            'runId.$': '$.runId',
            'sessionId.$': '$.session.sessionId',
            'taskToken.$': '$$.Task.Token',
          },
        },
        Catch: [
          { ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: 'Record timeout' },
          { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Record failure' },
        ],
        Next: 'Record completion',
      }),
    );
    expectMatch(
      state('Record timeout'),
      Match.objectLike({
        Parameters: Match.objectLike({
          Payload: Match.objectLike({ outcome: 'timedOut', 'error.$': '$.error' }),
        }),
        End: true,
      }),
    );
    // ResultPath / OutputPath null: side effects only, and iterations end with `{}` so Map results stay small.
    expect(state('Wait for completion').ResultPath).toBeNull();
    expect(state('Record timeout').OutputPath).toBeNull();
    expect(state('Run each scenario in order').ResultPath).toBeNull();
  });

  it('records a session whose trigger fails', () => {
    expectMatch(
      state('Send trigger'),
      Match.objectLike({
        Parameters: { FunctionName: functionIds.trigger, Payload: Match.anyValue() },
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Record failure' }],
      }),
    );
  });

  it('retries throttled Lambda calls on every Lambda task', () => {
    const lambdaTasks = [...states.values()].filter((s) =>
      String(s.Resource).includes(':states:::lambda:invoke'),
    );
    expect(lambdaTasks.length).toBeGreaterThan(10);
    for (const task of lambdaTasks) {
      expectMatch(
        task,
        Match.objectLike({
          Retry: Match.arrayWith([
            Match.objectLike({ ErrorEquals: Match.arrayWith(['Lambda.ServiceException']) }),
            Match.objectLike({ ErrorEquals: ['Lambda.TooManyRequestsException'] }),
          ]),
        }),
      );
    }
  });

  it('scales the service to zero and describes it until no task runs before each cold session', () => {
    expectMatch(
      state('Run each cold session'),
      Match.objectLike({ ItemsPath: '$.plan.cold', MaxConcurrency: 1, Next: 'Run each warm session' }),
    );
    // The warm sessions read $.plan after it: the cold Map passes its input on.
    expect(state('Run each cold session').OutputPath).toBeUndefined();
    expectMatch(
      state('Scale service to zero'),
      Match.objectLike({
        Resource: 'arn:aws:states:::aws-sdk:ecs:updateService',
        Parameters: { 'Cluster.$': '$.session.cluster', 'Service.$': '$.session.service', DesiredCount: 0 },
        Next: 'Start counting drain checks',
      }),
    );
    expectMatch(
      state('Start counting drain checks'),
      Match.objectLike({ Result: { checks: 0 }, ResultPath: '$.drain', Next: 'Describe service' }),
    );
    expectMatch(
      state('Describe service'),
      Match.objectLike({
        Resource: 'arn:aws:states:::aws-sdk:ecs:describeServices',
        ResultSelector: { 'running.$': '$.Services[0].RunningCount' },
        ResultPath: '$.ecs',
        Retry: [Match.objectLike({ ErrorEquals: ['Ecs.ThrottlingException', 'Ecs.EcsException'] })],
        Next: 'No task running?',
      }),
    );
    expectMatch(
      state('No task running?'),
      Match.objectLike({
        Choices: [
          { Variable: '$.ecs.running', NumericEquals: 0, Next: 'Send cold trigger' },
          { Variable: '$.drain.checks', NumericGreaterThanEquals: 120, Next: 'Service did not drain' },
        ],
        Default: 'Wait for tasks to stop',
      }),
    );
    expectMatch(state('Wait for tasks to stop'), Match.objectLike({ Seconds: 5, Next: 'Count drain check' }));
    expectMatch(
      state('Count drain check'),
      Match.objectLike({
        Parameters: { 'checks.$': 'States.MathAdd($.drain.checks, 1)' },
        ResultPath: '$.drain',
        Next: 'Describe service',
      }),
    );
    expectMatch(
      state('Service did not drain'),
      Match.objectLike({
        Result: Match.objectLike({ Error: 'ServiceDidNotDrain' }),
        Next: 'Record cold failure',
      }),
    );
    expectMatch(
      state('Who scales up?'),
      Match.objectLike({
        Choices: [{ Variable: '$.session.scaleUp', StringEquals: 'bench', Next: 'Scale service up' }],
        Default: 'Wait for cold completion',
      }),
    );
    expectMatch(
      state('Scale service up'),
      Match.objectLike({ Parameters: Match.objectLike({ 'DesiredCount.$': '$.session.desiredCount' }) }),
    );
  });

  it('pauses before each warm session', () => {
    expectMatch(
      state('Run each warm session'),
      Match.objectLike({ ItemsPath: '$.plan.warm', MaxConcurrency: 1 }),
    );
    expectMatch(
      state('Pause before warm session'),
      Match.objectLike({ SecondsPath: '$.session.gapSeconds', Next: 'Send warm trigger' }),
    );
  });

  it('lets await, collector and observe end a session wait, and nothing else', () => {
    const roles = (['await', 'collector', 'observe'] as const).map((name) => ({
      Ref: Match.stringLikeRegexp(`^Handlers${name[0]?.toUpperCase()}${name.slice(1)}Role`),
    }));
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({
            Action: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
            Resource: { Ref: Match.stringLikeRegexp('^WorkflowStateMachine') },
          }),
        ],
      },
      Roles: roles,
    });
    const grants = JSON.stringify(template.findResources('AWS::IAM::Policy')).match(
      /states:SendTaskSuccess/g,
    );
    expect(grants).toHaveLength(1);
  });
});
