import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type CfnElement } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BenchmarkStack } from '../../lib/benchmark-stack.js';
import { HANDLER_NAMES } from '../../lib/handlers-construct.js';
import { nightlyScheduleFromContext } from '../../lib/schedule-construct.js';
import { targetPropsFromContext } from '../../lib/target-props.js';
import { profileInput } from '../fixtures/profile.js';

let dir: string;
let nightlyPath: string;
const base = profileInput({ name: 'nightly-test' });
// Inside the default stack policy: recipients in the benchmark's own project.
const nightly = {
  ...base,
  target: { ...base.target, trigger: { ...base.target.trigger, to: '{userId}@bench.webordinary.com' } },
};

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bench-stack-'));
  nightlyPath = join(dir, 'nightly.json');
  writeFileSync(nightlyPath, JSON.stringify(nightly));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Builds the app as bin/app.ts does, with bundling off. */
function build(context: Record<string, unknown> = {}) {
  const app = new App({
    context: { 'aws:cdk:bundling-stacks': [], nightlyProfile: nightlyPath, ...context },
  });
  const stack = new BenchmarkStack(app, 'WebOrdinaryBench', {
    target: targetPropsFromContext(app.node),
    nightly: nightlyScheduleFromContext(app.node),
  });
  return { app, stack, template: Template.fromStack(stack) };
}

type Statement = { Action: string | string[]; Resource: unknown; Condition?: unknown };

function statements(template: Template): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (policy) => policy.Properties.PolicyDocument.Statement as Statement[],
  );
}

const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

describe('BenchmarkStack', () => {
  let defaults: ReturnType<typeof build>;
  beforeAll(() => {
    defaults = build();
  });

  it('keeps runs in an on-demand table with TTL, point-in-time recovery and encryption', () => {
    defaults.template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      },
    });
  });

  it('writes reports to a private, encrypted, versioned bucket that expires old reports', () => {
    defaults.template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        VersioningConfiguration: { Status: 'Enabled' },
        LifecycleConfiguration: {
          Rules: Match.arrayWith([
            Match.objectLike({ ExpirationInDays: 400, NoncurrentVersionExpiration: { NoncurrentDays: 30 } }),
          ]),
        },
      },
    });
  });

  it('denies requests to the reports bucket that do not use TLS', () => {
    defaults.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('runs every handler on nodejs22.x, arm64, with tracing and the table name', () => {
    const functions = defaults.template.findResources('AWS::Lambda::Function', {
      Properties: {
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Environment: { Variables: Match.objectLike({ TABLE_NAME: Match.anyValue() }) },
      },
    });
    expect(Object.keys(functions)).toHaveLength(HANDLER_NAMES.length);
  });

  it('gives the report and observe handlers five minutes and the others 30 s', () => {
    const { stack, template } = defaults;
    const timeouts = template.findResources('AWS::Lambda::Function');
    for (const [name, fn] of Object.entries(stack.handlers.functions)) {
      const id = stack.getLogicalId(fn.node.defaultChild as CfnElement);
      const expected = name === 'report' || name === 'observe' ? 300 : 30;
      expect([name, timeouts[id]?.Properties.Timeout]).toEqual([name, expected]);
    }
  });

  it('subscribes the collector to each configured log group, with no filter pattern', () => {
    const { stack, template } = build({ targetLogGroups: '/ecs/a,/ecs/b' });
    const collector = stack.getLogicalId(stack.handlers.functions.collector.node.defaultChild as CfnElement);
    template.resourceCountIs('AWS::Logs::SubscriptionFilter', 2);
    for (const group of ['/ecs/a', '/ecs/b']) {
      template.hasResourceProperties('AWS::Logs::SubscriptionFilter', {
        LogGroupName: group,
        FilterPattern: '',
        DestinationArn: { 'Fn::GetAtt': [collector, 'Arn'] },
      });
    }
  });

  it('adds no subscription when subscribeLogGroups is false', () => {
    build({ subscribeLogGroups: 'false' }).template.resourceCountIs('AWS::Logs::SubscriptionFilter', 0);
  });

  it('grants "*" only to actions that have no resource-level permissions', () => {
    const unscoped = new Set([
      'xray:PutTraceSegments',
      'xray:PutTelemetryRecords',
      'xray:GetSamplingRules',
      'xray:GetSamplingTargets',
      'cloudwatch:GetMetricData',
      'cloudwatch:PutMetricData',
      'ses:GetSendQuota',
      'logs:CreateLogDelivery',
      'logs:GetLogDelivery',
      'logs:UpdateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:DescribeResourcePolicies',
      'logs:DescribeLogGroups',
    ]);
    const all = statements(defaults.template);
    const wildcard = all.filter((s) => list(s.Resource).includes('*'));
    expect(wildcard.length).toBeGreaterThan(0);
    for (const s of wildcard) expect(list(s.Action).filter((a) => !unscoped.has(a))).toEqual([]);
    for (const s of all) expect(list(s.Action).some((a) => a.endsWith(':*'))).toBe(false);
  });

  it('limits PutMetricData to the configured namespace', () => {
    const { template } = build({ metricsNamespace: 'Bench/Test' });
    const put = statements(template).filter((s) => list(s.Action).includes('cloudwatch:PutMetricData'));
    expect(put).toEqual([
      expect.objectContaining({ Condition: { StringEquals: { 'cloudwatch:namespace': 'Bench/Test' } } }),
    ]);
  });

  it('scopes the target permissions to the names in context', () => {
    const { template } = build({ intakeBucket: 'intake-test', siteBucketPattern: 'site.*.example.com' });
    const json = JSON.stringify(statements(template));
    expect(json).toContain(':s3:::intake-test/emails/*');
    expect(json).toContain(':s3:::site.*.example.com/*');
    expect(json).toContain(':log-group:/ecs/webordinary/edit:*');
    expect(json).toContain(':service/webordinary-edit-cluster/webordinary-edit-service');
    expect(json).toContain(':identity/webordinary.com');
  });

  it('starts the workflow on the schedule and time zone from context, with the nightly profile as input', () => {
    const { stack, template } = build({
      nightlySchedule: 'cron(30 1 * * ? *)',
      nightlyTimeZone: 'Europe/Berlin',
    });
    const machine = stack.getLogicalId(stack.workflow.stateMachine.node.defaultChild as CfnElement);
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(30 1 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: { Ref: machine }, Input: Match.serializedJson(nightly) },
    });
  });

  it('uses the default nightly schedule in UTC', () => {
    defaults.template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 3 * * ? *)',
      ScheduleExpressionTimezone: 'UTC',
    });
  });

  it('alarms when a run fails', () => {
    defaults.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/States',
      MetricName: 'ExecutionsFailed',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
  });

  it('fails with the path when the nightly profile is missing', () => {
    expect(() => build({ nightlyProfile: join(dir, 'absent.json') })).toThrow(/absent\.json does not exist/);
  });

  it('fails with the problems when the nightly profile is invalid', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...nightly, scenarios: [] }));
    expect(() => build({ nightlyProfile: bad })).toThrow(/bad\.json is invalid:[\s\S]*scenarios/);
  });

  it('leaves no unacknowledged cdk-nag AwsSolutions finding', () => {
    const report = new AwsSolutionsChecks().validateScope(defaults.app);
    expect(report.violations.map((v) => `${v.severity} ${v.ruleName}`)).toEqual([]);
  });

  it('acknowledges the wildcards of whatever target the context names', () => {
    const { app } = build({ sesIdentities: '*@example.com', targetLogGroups: '/a,/b', intakePrefix: 'in/' });
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.map((v) => `${v.severity} ${v.ruleName}`)).toEqual([]);
  });
});
