import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { BenchmarkStack } from '../../lib/benchmark-stack.js';
import { nightlyScheduleFromContext } from '../../lib/schedule-construct.js';
import { targetPropsFromContext } from '../../lib/target-props.js';

type Graph = { StartAt: string; States: Record<string, Record<string, unknown>> };

let app: App;
let stack: BenchmarkStack;
let template: Template;
const id = (construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as CfnElement);

beforeAll(() => {
  app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  stack = new BenchmarkStack(app, 'WebOrdinaryBench', {
    target: targetPropsFromContext(app.node),
    nightly: nightlyScheduleFromContext(app.node),
  });
  template = Template.fromStack(stack);
});

/** The restore's definition, with each token as its logical id. */
function definition(): Graph {
  const flatten = (node: unknown): string => {
    if (typeof node === 'string') return node;
    const fn = node as { 'Fn::Join'?: [string, unknown[]]; 'Fn::GetAtt'?: [string, string]; Ref?: string };
    if (fn['Fn::Join']) return fn['Fn::Join'][1].map(flatten).join(fn['Fn::Join'][0]);
    if (fn['Fn::GetAtt']) return fn['Fn::GetAtt'][0];
    return `<${fn.Ref}>`;
  };
  const machine = template.toJSON().Resources[id(stack.stoppedRunRestore.stateMachine)];
  return JSON.parse(flatten(machine.Properties.DefinitionString)) as Graph;
}

describe('the stopped-run restore', () => {
  it("starts on this stack's benchmark executions that were stopped, timed out or failed, and on no other", () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      State: 'ENABLED',
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: {
          stateMachineArn: [{ Ref: id(stack.workflow.stateMachine) }],
          status: ['ABORTED', 'TIMED_OUT', 'FAILED'],
        },
      },
    });
    template.resourceCountIs('AWS::Events::Rule', 1);
  });

  it('starts the restore state machine with the execution name as the run id, as its own role', () => {
    const [rule] = Object.values(template.findResources('AWS::Events::Rule'));
    const [target] = (rule?.Properties.Targets ?? []) as Record<string, unknown>[];
    expect(target).toMatchObject({
      Arn: { Ref: id(stack.stoppedRunRestore.stateMachine) },
      RoleArn: { 'Fn::GetAtt': [expect.stringMatching(/^StoppedRunRestoreStartRole/), 'Arn'] },
      RetryPolicy: { MaximumRetryAttempts: 185, MaximumEventAgeInSeconds: 86_400 },
    });
    // EventBridge's input transformer applied to a real event of a stopped run: the execution name is the run id.
    const transformer = target?.InputTransformer as {
      InputPathsMap: Record<string, string>;
      InputTemplate: string;
    };
    const event = {
      detail: {
        name: 'nightly-2026-11-29',
        status: 'ABORTED',
        executionArn: 'arn:aws:states:us-west-2:1:execution:Bench:nightly-2026-11-29',
      },
    };
    const value = (path: string) =>
      path
        .replace(/^\$\./, '')
        .split('.')
        .reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], event);
    const input = transformer.InputTemplate.replace(/<([\w-]+)>/g, (_m, name: string) =>
      JSON.stringify(value(transformer.InputPathsMap[name] ?? '')),
    );
    expect(JSON.parse(input)).toEqual({
      runId: 'nightly-2026-11-29',
      status: 'ABORTED',
      executionArn: 'arn:aws:states:us-west-2:1:execution:Bench:nightly-2026-11-29',
    });
  });

  it('sets back each change with the ECS SDK integration, retried, and fails with TargetNotRestored', () => {
    const graph = definition();
    expect(graph.StartAt).toBe('Find what the run left changed');
    const each = graph.States['Set back each change'] as { ItemProcessor: Graph; MaxConcurrency: number };
    expect(each).toMatchObject({ Type: 'Map', ItemsPath: '$.left.changes', MaxConcurrency: 1 });
    const setBack = each.ItemProcessor.States['Set desired count back'];
    expect(setBack).toMatchObject({
      Resource: 'arn:<AWS::Partition>:states:::aws-sdk:ecs:updateService',
      Parameters: {
        'Cluster.$': '$.change.cluster',
        'Service.$': '$.change.service',
        'DesiredCount.$': '$.change.before',
      },
      Retry: [expect.objectContaining({ ErrorEquals: ['Ecs.ThrottlingException', 'Ecs.EcsException'] })],
      Catch: [
        { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Keep why the change was not set back' },
      ],
      Next: 'Mark change restored',
    });
    expect(each.ItemProcessor.States['Mark change restored']).toMatchObject({
      Parameters: {
        FunctionName: id(stack.handlers.functions['target-change']),
        Payload: { restored: true },
      },
    });
    expect(graph.States['Check the run is restored']).toMatchObject({
      Parameters: { FunctionName: id(stack.handlers.functions['stopped-run']), Payload: { step: 'finish' } },
    });
    // The table steps are a Query and conditional writes: any error is retried before it counts.
    const retriesAll = (state: unknown) =>
      ((state as { Retry?: { ErrorEquals: string[] }[] }).Retry ?? []).some((r) =>
        r.ErrorEquals.includes('States.ALL'),
      );
    expect(
      [
        graph.States['Find what the run left changed'],
        each.ItemProcessor.States['Mark change restored'],
        graph.States['Check the run is restored'],
      ].map(retriesAll),
    ).toEqual([true, true, true]);
    expect(retriesAll(setBack)).toBe(false);
    expect(graph.States['Target not restored']).toEqual({
      Type: 'Fail',
      Error: 'TargetNotRestored',
      CausePath: '$.check.summary',
    });
  });

  it('is a logged, traced Standard workflow with a timeout', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }),
      DefinitionString: Match.anyValue(),
      RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StoppedRunRestoreRole'), 'Arn'] },
    });
    expect(JSON.stringify(definition())).toContain('"TimeoutSeconds":900');
  });

  it('raises RunNotRestored on a failed or timed-out restore, and on an event EventBridge could not deliver', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('automatic restore'),
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      Metrics: Match.arrayWith([
        Match.objectLike({ Expression: 'FILL(failed, 0) + FILL(timedOut, 0) + FILL(undelivered, 0)' }),
        Match.objectLike({
          Id: 'failed',
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({ MetricName: 'ExecutionsFailed', Namespace: 'AWS/States' }),
          }),
        }),
        Match.objectLike({
          Id: 'undelivered',
          MetricStat: Match.objectLike({
            Metric: Match.objectLike({ MetricName: 'FailedInvocations', Namespace: 'AWS/Events' }),
          }),
        }),
      ]),
    });
    // The RunStopped alarm stays: someone should know a run was cut short.
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ExecutionsAborted',
      AlarmDescription: Match.stringLikeRegexp('stopped'),
    });
  });

  it('is in the stack without a nightly run too (the local runner renders it)', () => {
    const bare = new BenchmarkStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'Bare', {
      target: targetPropsFromContext(app.node),
    });
    Template.fromStack(bare).resourceCountIs('AWS::Events::Rule', 1);
    expect(Stack.of(bare.stoppedRunRestore).stackName).toBe('Bare');
  });

  it('passes cdk-nag, and a new "*" statement on its role is a finding (no blanket acknowledgement)', () => {
    const clean = new AwsSolutionsChecks().validateScope(app);
    expect(clean.violations.map((v) => `${v.severity} ${v.ruleName}`)).toEqual([]);

    const widened = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const other = new BenchmarkStack(widened, 'Widened', { target: targetPropsFromContext(widened.node) });
    const role = other.stoppedRunRestore.node.findChild('Role') as iam.Role;
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['ecs:UpdateService'], resources: ['*'] }));
    const findings = new AwsSolutionsChecks()
      .validateScope(widened)
      .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`));
    expect(
      findings.some((f) => f.includes('AwsSolutions-IAM5') && f.includes('StoppedRunRestore/Role')),
    ).toBe(true);
  });
});
