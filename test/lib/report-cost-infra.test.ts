import { App, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type { CfnStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { SESSIONS_MAP_LABEL } from '../../core/harness-metrics.js';
import { BenchmarkStack } from '../../lib/benchmark-stack.js';
import { HANDLER_MEMORY_MIB, HANDLER_NAMES } from '../../lib/handlers-construct.js';
import { targetPropsFromContext } from '../../lib/target-props.js';

const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
const stack = new BenchmarkStack(app, 'WebOrdinaryBench', { target: targetPropsFromContext(app.node) });
const template = Template.fromStack(stack);
const id = (construct: { node: { defaultChild?: unknown } }) =>
  stack.getLogicalId(construct.node.defaultChild as CfnElement);
const machineId = id(stack.workflow.stateMachine);

describe('the report reads the harness cost on AWS', () => {
  it('may describe its own state machine, in a policy of its own, and read metrics on "*" (acknowledged)', () => {
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [{ Action: 'states:DescribeStateMachine', Effect: 'Allow', Resource: { Ref: machineId } }],
      },
      Roles: [{ Ref: stack.getLogicalId(stack.handlers.roles.report.node.defaultChild as CfnElement) }],
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [{ Action: 'cloudwatch:GetMetricData', Effect: 'Allow', Resource: '*' }] },
    });
    const findings = new AwsSolutionsChecks().validateScope(app).violations;
    expect(findings.map((v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath)}`)).toEqual(
      [],
    );
  });

  it("gives the report each function's name and memory size (its own: AWS_LAMBDA_FUNCTION_NAME)", () => {
    const fn = template.findResources('AWS::Lambda::Function')[id(stack.handlers.functions.report)];
    const value = fn?.Properties.Environment.Variables.HANDLER_FUNCTIONS as {
      'Fn::Join': [string, unknown[]];
    };
    const text = value['Fn::Join'][1]
      .map((part) => (typeof part === 'string' ? part : `<${(part as { Ref: string }).Ref}>`))
      .join('');
    const parsed = JSON.parse(text) as Record<string, { functionName?: string; memoryMiB: number }>;
    expect(Object.keys(parsed).sort()).toEqual([...HANDLER_NAMES].sort());
    for (const name of HANDLER_NAMES) expect(parsed[name]?.memoryMiB).toBe(HANDLER_MEMORY_MIB[name]);
    expect(parsed.report?.functionName).toBeUndefined();
    expect(parsed.trigger?.functionName).toBe(`<${id(stack.handlers.functions.trigger)}>`);
  });

  it("passes the state machine's ARN to both report states and labels the sessions' Distributed Map", () => {
    const definition = JSON.parse(
      (
        stack.resolve(
          (stack.workflow.stateMachine.node.defaultChild as CfnStateMachine).definitionString,
        ) as { 'Fn::Join': [string, unknown[]] }
      )['Fn::Join'][1]
        .map((part) => (typeof part === 'string' ? part : 'TOKEN'))
        .join(''),
    ) as { States: Record<string, { Parameters?: { Payload?: Record<string, unknown> } }> };
    for (const name of ['Write report', 'Write report after failure'])
      expect(definition.States[name]?.Parameters?.Payload).toMatchObject({
        'stateMachineArn.$': '$$.StateMachine.Id',
      });
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      DefinitionString: Match.objectLike({
        'Fn::Join': Match.arrayWith([
          Match.arrayWith([Match.stringLikeRegexp(`"Label":"${SESSIONS_MAP_LABEL}"`)]),
        ]),
      }),
    });
  });
});
