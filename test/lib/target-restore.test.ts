import { App } from 'aws-cdk-lib';
import { Match, type Matcher, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { BenchmarkStack } from '../../lib/benchmark-stack.js';
import { nightlyScheduleFromContext } from '../../lib/schedule-construct.js';
import { targetPropsFromContext, WEBORDINARY_TARGET } from '../../lib/target-props.js';
import { type State, workflowDefinition } from '../support/workflow-definition.js';

function expectMatch(actual: unknown, matcher: Matcher): void {
  const result = matcher.test(actual);
  expect(result.hasFailed(), result.hasFailed() ? result.renderMismatch() : '').toBe(false);
}

function build(context: Record<string, unknown> = {}) {
  const app = new App({
    context: {
      'aws:cdk:bundling-stacks': [],
      nightlyProfile: 'profiles/webordinary-nightly.json',
      ...context,
    },
  });
  return new BenchmarkStack(app, 'WebOrdinaryBench', {
    target: targetPropsFromContext(app.node),
    nightly: nightlyScheduleFromContext(app.node),
  });
}

describe('BenchmarkWorkflow leaves the target as found', () => {
  let state: (name: string) => State;
  beforeAll(() => {
    state = workflowDefinition(build()).state;
  });

  it('reads and records the desired count before a coldWarm scenario changes it', () => {
    expectMatch(
      state('Which scenario type?'),
      Match.objectLike({
        Choices: Match.arrayWith([
          { Variable: '$.plan.type', StringEquals: 'coldWarm', Next: 'Read desired count' },
        ]),
        Default: 'Sessions with observer',
      }),
    );
    expectMatch(
      state('Read desired count'),
      Match.objectLike({
        Resource: 'arn:aws:states:::aws-sdk:ecs:describeServices',
        Parameters: { 'Cluster.$': '$.plan.ecs.cluster', 'Services.$': 'States.Array($.plan.ecs.service)' },
        ResultSelector: { 'desiredCount.$': '$.Services[0].DesiredCount' },
        ResultPath: '$.target',
        Next: 'Record desired count',
      }),
    );
    expectMatch(
      state('Record desired count'),
      Match.objectLike({
        Parameters: Match.objectLike({
          Payload: Match.objectLike({
            'before.$': '$.target.desiredCount',
            'after.$': '$.plan.ecs.after',
            restored: false,
          }),
        }),
        Next: 'Sessions with observer',
      }),
    );
  });

  it('goes to the restore whether the sessions end or fail', () => {
    const parallel = state('Sessions with observer');
    expect(parallel.ResultPath).toBeNull();
    expect(parallel.OutputPath).toBeUndefined();
    expectMatch(
      parallel,
      Match.objectLike({
        Next: 'Was the target changed?',
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Was the target changed?' }],
      }),
    );
    expectMatch(
      state('Was the target changed?'),
      Match.objectLike({
        Choices: [{ Variable: '$.target', IsPresent: true, Next: 'Restore desired count' }],
        Default: 'Did the sessions fail?',
      }),
    );
  });

  it("sets the recorded count back with retries, records it, then ends or fails with the sessions' error", () => {
    expectMatch(
      state('Restore desired count'),
      Match.objectLike({
        Resource: 'arn:aws:states:::aws-sdk:ecs:updateService',
        Parameters: {
          'Cluster.$': '$.plan.ecs.cluster',
          'Service.$': '$.plan.ecs.service',
          'DesiredCount.$': '$.target.desiredCount',
        },
        Retry: [Match.objectLike({ ErrorEquals: ['Ecs.ThrottlingException', 'Ecs.EcsException'] })],
        Catch: [
          { ErrorEquals: ['States.ALL'], ResultPath: '$.restoreError', Next: 'Describe restore failure' },
        ],
        Next: 'Record desired count restored',
      }),
    );
    expectMatch(
      state('Record desired count restored'),
      Match.objectLike({
        Parameters: Match.objectLike({ Payload: Match.objectLike({ restored: true }) }),
        Next: 'Did the sessions fail?',
      }),
    );
    expectMatch(
      state('Did the sessions fail?'),
      Match.objectLike({
        Choices: [{ Variable: '$.failure', IsPresent: true, Next: 'Scenario failed' }],
        Default: 'Scenario done',
      }),
    );
    expect(state('Scenario failed')).toEqual({
      Type: 'Fail',
      ErrorPath: '$.failure.Error',
      CausePath: '$.failure.Cause',
    });
  });

  it('fails the scenario, and then the run after its report, with TargetNotRestored when the restore fails', () => {
    expectMatch(
      state('Describe restore failure'),
      Match.objectLike({ Type: 'Pass', Next: 'Restore failed' }),
    );
    expect(state('Restore failed')).toEqual({
      Type: 'Fail',
      Error: 'TargetNotRestored',
      CausePath: '$.restoreFailure.Cause',
    });
    expectMatch(state('Write report after failure'), Match.objectLike({ Next: 'Was the target restored?' }));
    expectMatch(
      state('Was the target restored?'),
      Match.objectLike({
        Choices: [
          { Variable: '$.failure.Error', StringEquals: 'TargetNotRestored', Next: 'Target was not restored' },
        ],
        Default: 'Thresholds passed?',
      }),
    );
    expect(state('Target was not restored')).toEqual({
      Type: 'Fail',
      Error: 'TargetNotRestored',
      CausePath: '$.failure.Cause',
    });
  });
});

describe('a stopped run', () => {
  it('raises an alarm of its own (it has no report), which names the automatic restore', () => {
    Template.fromStack(build()).hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/States',
      MetricName: 'ExecutionsAborted',
      Threshold: 1,
      AlarmDescription: Match.stringLikeRegexp('stopped-run restore sets back'),
    });
  });

  it('points at bench restore when the automatic restore fails', () => {
    Template.fromStack(build()).hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: Match.stringLikeRegexp('bench restore <runId>'),
      Metrics: Match.arrayWith([Match.objectLike({ Id: 'failed' })]),
    });
  });
});

describe('the stack bounds what a profile may do to the target', () => {
  const prepareOf = (template: Template) =>
    Object.values(template.findResources('AWS::Lambda::Function')).find((fn) =>
      String(fn.Properties.Description).includes('Validates the profile'),
    );

  it('passes the ECS service and maxDesiredCount to Prepare in the stack policy, and lets it look up queues by the name pattern only', () => {
    const ecsOf = (template: Template) =>
      JSON.parse(prepareOf(template)?.Properties.Environment.Variables.STACK_POLICY).ecs;
    const defaults = Template.fromStack(build());
    expect(ecsOf(defaults)).toEqual({
      cluster: WEBORDINARY_TARGET.ecsClusterName,
      service: WEBORDINARY_TARGET.ecsServiceName,
      maxDesiredCount: WEBORDINARY_TARGET.maxDesiredCount,
    });
    const custom = Template.fromStack(
      build({ maxDesiredCount: '3', queueNamePattern: 'bench-q-*', ecsService: 'edit-b' }),
    );
    expect(ecsOf(custom)).toMatchObject({ service: 'edit-b', maxDesiredCount: 3 });
    custom.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'sqs:GetQueueUrl',
            Resource: {
              'Fn::Join': [
                '',
                Match.arrayWith([Match.stringLikeRegexp(':sqs:'), Match.stringLikeRegexp(':bench-q-\\*$')]),
              ],
            },
          }),
        ]),
      },
    });
  });

  it.each([['0'], ['11.5'], ['many']])('refuses context maxDesiredCount %s, naming the key', (value) => {
    expect(() => build({ maxDesiredCount: value })).toThrow(
      `context maxDesiredCount must be an integer from 1 to 1000, got "${value}"`,
    );
  });
});
