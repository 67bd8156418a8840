import { App, type CfnElement } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { parseStackPolicy } from '../../core/stack-policy.js';
import { BenchmarkStack } from '../../lib/benchmark-stack.js';
import { nightlyScheduleFromContext } from '../../lib/schedule-construct.js';
import { stackPolicyOf, targetPropsFromContext } from '../../lib/target-props.js';

function build(context: Record<string, unknown> = {}) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  const stack = new BenchmarkStack(app, 'WebOrdinaryBench', {
    target: targetPropsFromContext(app.node),
    nightly: nightlyScheduleFromContext(app.node),
  });
  return { stack, template: Template.fromStack(stack) };
}

const CONTEXT = {
  sesRecipientDomains: 'bench.webordinary.com,*.tests.webordinary.com',
  maxConcurrentRuns: '3',
  dailySendBudget: '500',
};

describe('the stack policy in the stack', () => {
  it('reads recipient domains, concurrency and the send budget from context', () => {
    const target = targetPropsFromContext(new App({ context: CONTEXT }).node);
    expect(stackPolicyOf(target)).toMatchObject({
      ses: {
        identities: ['webordinary.com'],
        recipientDomains: ['bench.webordinary.com', '*.tests.webordinary.com'],
      },
      maxConcurrentRuns: 3,
      dailySendBudget: 500,
    });
    expect(() => targetPropsFromContext(new App({ context: { maxConcurrentRuns: '0' } }).node)).toThrow(
      /context maxConcurrentRuns must be an integer from 1/,
    );
  });

  it('gives Prepare and the trigger the policy as STACK_POLICY, and prints it as an output', () => {
    const { stack, template } = build(CONTEXT);
    const expected = stackPolicyOf(targetPropsFromContext(stack.node));
    const env = (name: 'prepare' | 'trigger' | 'collector') =>
      template.toJSON().Resources[
        stack.getLogicalId(stack.handlers.functions[name].node.defaultChild as CfnElement)
      ].Properties.Environment.Variables as Record<string, string>;
    expect(parseStackPolicy(JSON.parse(env('prepare').STACK_POLICY!), 'prepare')).toEqual(expected);
    expect(JSON.parse(env('trigger').STACK_POLICY!)).toEqual(expected);
    expect(env('collector').STACK_POLICY).toBeUndefined();
    expect(JSON.parse(template.toJSON().Outputs.StackPolicy.Value)).toEqual(expected);
  });

  it('lets SES send only from the identities and only to the allowed recipient domains', () => {
    build(CONTEXT).template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: ['ses:SendEmail', 'ses:SendRawEmail'],
            Condition: {
              StringLike: { 'ses:FromAddress': ['*@webordinary.com'] },
              'ForAllValues:StringLike': {
                'ses:Recipients': ['*@bench.webordinary.com', '*@*.tests.webordinary.com'],
              },
            },
          }),
        ]),
      },
    });
  });

  it("sends the collector's failed batches to an SQS queue after two retries, which the report drains", () => {
    const { stack, template } = build();
    const queue = Object.keys(template.findResources('AWS::SQS::Queue'));
    expect(queue).toHaveLength(1);
    template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: {
        Ref: stack.getLogicalId(stack.handlers.functions.collector.node.defaultChild as CfnElement),
      },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queue[0], 'Arn'] } } },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ LOST_BATCHES_QUEUE_URL: { Ref: queue[0] } }) },
    });
  });

  it('warns at synth when the nightly profile reaches outside the stack', () => {
    const { stack } = build({ sesRecipientDomains: 'elsewhere.example' });
    Annotations.fromStack(stack).hasWarning(
      '*',
      Match.stringLikeRegexp(
        'nightly profile .* reaches outside the stack.s policy[\\s\\S]*target.trigger.to',
      ),
    );
  });
});
