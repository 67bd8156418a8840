import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { type TargetProps, targetArns } from './target-props.js';

/** The handler files in lambdas/, one per task. */
export const HANDLER_NAMES = [
  'prepare',
  'start-scenario',
  'trigger',
  'await',
  'finalize',
  'observe',
  'collector',
  'report',
  'target-change',
] as const;
export type HandlerName = (typeof HANDLER_NAMES)[number];

export function isHandlerName(name: string): name is HandlerName {
  return (HANDLER_NAMES as readonly string[]).includes(name);
}

interface Sizing {
  readonly memoryMiB: number;
  readonly timeout: Duration;
  readonly description: string;
}

// report aggregates every session of a run; observe may poll many log groups and S3 objects per call.
const SIZING: Readonly<Record<HandlerName, Sizing>> = {
  prepare: {
    memoryMiB: 512,
    timeout: Duration.seconds(30),
    description: 'Validates the profile, plans the run',
  },
  'start-scenario': { memoryMiB: 512, timeout: Duration.seconds(30), description: 'Schedules a scenario' },
  trigger: { memoryMiB: 256, timeout: Duration.seconds(30), description: 'Sends a session email' },
  await: { memoryMiB: 256, timeout: Duration.seconds(30), description: 'Parks a session task token' },
  finalize: { memoryMiB: 256, timeout: Duration.seconds(30), description: 'Records a session outcome' },
  observe: { memoryMiB: 512, timeout: Duration.minutes(5), description: 'Polls stages that are not pushed' },
  collector: { memoryMiB: 512, timeout: Duration.seconds(30), description: 'Matches pushed log events' },
  report: { memoryMiB: 1024, timeout: Duration.minutes(5), description: 'Aggregates and writes the report' },
  'target-change': {
    memoryMiB: 256,
    timeout: Duration.seconds(30),
    description: 'Records a change to the target and its restore',
  },
};

export interface HandlersConstructProps {
  readonly table: dynamodb.Table;
  readonly reportsBucket: s3.Bucket;
  readonly target: TargetProps;
}

/**
 * One Lambda function per handler in lambdas/, bundled with the local esbuild
 * (ESM, AWS SDK v3 bundled so AWS runs the versions the tests ran), each with
 * its own log group and only the permissions its task needs.
 */
export class HandlersConstruct extends Construct {
  readonly functions: Readonly<Record<HandlerName, NodejsFunction>>;

  constructor(scope: Construct, id: string, props: HandlersConstructProps) {
    super(scope, id);
    const functions = Object.fromEntries(
      HANDLER_NAMES.map((name) => [name, this.handlerFunction(name, props)]),
    ) as Record<HandlerName, NodejsFunction>;
    this.functions = functions;

    for (const fn of Object.values(functions)) props.table.grantReadWriteData(fn);
    this.grantAccess(functions, props);
    this.acknowledge(functions, props);
  }

  private handlerFunction(name: HandlerName, props: HandlersConstructProps): NodejsFunction {
    const id = name.replace(/(^|-)(\w)/g, (_m, _dash, c: string) => c.toUpperCase());
    const sizing = SIZING[name];
    const logGroup = new logs.LogGroup(this, `${id}Logs`, {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    return new NodejsFunction(this, id, {
      entry: fileURLToPath(new URL(`../lambdas/${name}.ts`, import.meta.url)),
      handler: 'handler',
      description: `WebOrdinary Bench: ${sizing.description}`,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: sizing.memoryMiB,
      timeout: sizing.timeout,
      tracing: lambda.Tracing.ACTIVE,
      logGroup,
      environment: {
        TABLE_NAME: props.table.tableName,
        ...(name === 'report' || name === 'start-scenario'
          ? { REPORTS_BUCKET: props.reportsBucket.bucketName }
          : {}),
        ...(name === 'start-scenario'
          ? { MAX_SESSION_CONCURRENCY: String(props.target.maxSessionConcurrency) }
          : {}),
        ...(name === 'prepare' ? { MAX_DESIRED_COUNT: String(props.target.maxDesiredCount) } : {}),
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        externalModules: [],
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // CommonJS dependencies bundled into an ES module still call require() for Node built-ins.
        banner:
          "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
      },
    });
  }

  private grantAccess(
    fns: Readonly<Record<HandlerName, NodejsFunction>>,
    props: HandlersConstructProps,
  ): void {
    const { target } = props;
    const arns = targetArns(this, target);
    const allow = (fn: NodejsFunction, actions: string[], resources: string[], conditions?: iam.Conditions) =>
      fn.addToRolePolicy(
        new iam.PolicyStatement({ actions, resources, ...(conditions ? { conditions } : {}) }),
      );

    // Refuses a run whose pool users' queues are missing.
    allow(fns.prepare, ['sqs:GetQueueUrl'], [arns.queues]);

    allow(fns.trigger, ['ses:SendEmail', 'ses:SendRawEmail'], arns.sesIdentities);
    // Paces sends to the account's MaxSendRate; an account-level read.
    allow(fns.trigger, ['ses:GetSendQuota'], ['*']);
    allow(fns.trigger, ['s3:PutObject'], [arns.intakeObjects]);

    allow(fns.observe, ['logs:FilterLogEvents'], arns.logGroups);
    // ListBucket turns a missing object into 404 instead of 403.
    allow(fns.observe, ['s3:ListBucket'], [arns.siteBuckets]);
    allow(fns.observe, ['s3:GetObject'], [arns.siteObjects]);
    allow(fns.observe, ['ecs:DescribeServices'], [arns.ecsService]);

    allow(fns.report, ['cloudwatch:PutMetricData'], ['*'], {
      StringEquals: { 'cloudwatch:namespace': target.metricsNamespace },
    });
    allow(fns.report, ['cloudwatch:GetMetricData'], ['*']);
    allow(fns.report, ['s3:PutObject'], [props.reportsBucket.arnForObjects('*')]);
    // A load scenario's plan, read by the Distributed Map's ItemReader.
    allow(fns['start-scenario'], ['s3:PutObject'], [props.reportsBucket.arnForObjects('runs/*/plans/*')]);
  }

  private acknowledge(
    functions: Readonly<Record<HandlerName, NodejsFunction>>,
    props: HandlersConstructProps,
  ) {
    const ack = (id: string, reason: string) => Validations.of(this).acknowledge({ id, reason });
    ack(
      'AwsSolutions-L1',
      'Pinned to nodejs22.x, the Node.js major the bundles target (esbuild node22) and the handlers are tested ' +
        'on; a runtime upgrade is a deliberate change made together with the toolchain.',
    );
    ack(
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'The AWS managed basic execution role only lets a function write its own CloudWatch Logs.',
    );
    ack(
      'AwsSolutions-IAM5[Resource::*]',
      'X-Ray PutTraceSegments/PutTelemetryRecords, CloudWatch GetMetricData and SES GetSendQuota have no ' +
        'resource-level permissions; PutMetricData is limited by the cloudwatch:namespace condition to ' +
        `${props.target.metricsNamespace}.`,
    );
    const arns = targetArns(this, props.target);
    acknowledgeWildcardResources(
      functions.trigger,
      [arns.intakeObjects],
      'The s3-eml trigger writes one new object per session, under the intake prefix only.',
    );
    acknowledgeWildcardResources(
      functions.trigger,
      arns.sesIdentities,
      'The SES identities the operator configured (context sesIdentities) for the ses trigger to send as.',
    );
    acknowledgeWildcardResources(
      functions.prepare,
      [arns.queues],
      "Prepare looks up (GetQueueUrl, read only) the pool users' queues, whose names come from the profile, " +
        'within the name pattern the operator configured (context queueNamePattern).',
    );
    acknowledgeWildcardResources(
      functions.observe,
      arns.logGroups,
      'FilterLogEvents is authorized on log-group:<name>:*, the streams of the named groups.',
    );
    acknowledgeWildcardResources(
      functions.observe,
      [arns.siteBuckets, arns.siteObjects],
      'S3 stages read the page that proves a deploy; there is one site bucket per project ' +
        '(edit.<project>.webordinary.com) and the key comes from the profile. Read only.',
    );
    acknowledgeWildcardResources(
      functions.report,
      [props.reportsBucket.arnForObjects('*')],
      "The report function writes each run's report files under a key of its own in the stack's bucket.",
    );
    acknowledgeWildcardResources(
      functions['start-scenario'],
      [props.reportsBucket.arnForObjects('runs/*/plans/*')],
      "Start scenario writes each load scenario's session plan under its run's prefix in the stack's bucket.",
    );
  }
}

/**
 * Acknowledges cdk-nag's AwsSolutions-IAM5 finding for each wildcard resource,
 * spelt as cdk-nag reports it (`<LogicalId.Arn>`, `<AWS::Partition>`), so the
 * acknowledgement follows the names the target is configured with.
 */
export function acknowledgeWildcardResources(
  scope: Construct,
  resources: readonly string[],
  reason: string,
): void {
  const stack = Stack.of(scope);
  for (const resource of resources) {
    const id = `AwsSolutions-IAM5[Resource::${flattenReference(stack.resolve(resource))}]`;
    Validations.of(scope).acknowledge({ id, reason });
  }
}

function flattenReference(node: unknown): string {
  if (typeof node === 'string') return node;
  const fn = node as { 'Fn::Join'?: [string, unknown[]]; 'Fn::GetAtt'?: [string, string]; Ref?: string };
  if (fn['Fn::Join']) return fn['Fn::Join'][1].map(flattenReference).join(fn['Fn::Join'][0]);
  if (fn['Fn::GetAtt']) return `<${fn['Fn::GetAtt'][0]}.${fn['Fn::GetAtt'][1]}>`;
  if (fn.Ref) return `<${fn.Ref}>`;
  return JSON.stringify(node);
}
