import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { acknowledgeWildcardResources, unscopedPolicy } from './nag-acknowledgements.js';
import { stackPolicyOf, type TargetProps, targetArns } from './target-props.js';

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
const PACKAGE_LOCK = fileURLToPath(new URL('../package-lock.json', import.meta.url));

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
  'stopped-run',
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
  'stopped-run': {
    memoryMiB: 256,
    timeout: Duration.seconds(30),
    description: "Lists a stopped run's unrestored changes, ends its slot",
  },
};

/** Each handler's memory size (MiB), as the stack sizes it. */
export const HANDLER_MEMORY_MIB = Object.fromEntries(
  HANDLER_NAMES.map((name) => [name, SIZING[name].memoryMiB]),
) as Readonly<Record<HandlerName, number>>;

export interface HandlersConstructProps {
  readonly table: dynamodb.Table;
  readonly reportsBucket: s3.Bucket;
  readonly target: TargetProps;
}

/**
 * The table actions each handler's code uses (lambdas/shared/store.ts and its
 * helpers), and nothing else: no Scan and no DeleteItem anywhere (stream markers
 * are only ever added; TTL removes what a run leaves).
 * - BatchWriteItem: only prepare (the planned sessions).
 * - BatchGetItem: only collector and observe, which read sessions' stream credits
 *   back (consistent reads) after a redelivery.
 */
export const TABLE_ACTIONS: Readonly<Record<HandlerName, readonly string[]>> = {
  prepare: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem'],
  'start-scenario': ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query'],
  // The trigger leases a pool user (UpdateItem) and records the lease under its key (PutItem).
  trigger: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
  await: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
  finalize: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
  // Observe (poll mode) and the collector add markers to a stream's segment (UpdateItem), read a
  // segment another instance wrote (GetItem), check sessions' stream credits after a redelivery
  // (BatchGetItem) and load the run's keys (Query); nothing is ever deleted.
  observe: [
    'dynamodb:GetItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:BatchGetItem',
    'dynamodb:Query',
  ],
  collector: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
  // Records a change to the target before it is made, and marks it restored.
  'target-change': ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
  // Lists a stopped run's TARGET# records (Query), reads its run (GetItem) and ends its slot
  // one longest session timeout later (UpdateItem on STACK/RUNS).
  'stopped-run': ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
  report: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
};

/** The handlers that read the stack policy (core/stack-policy.ts) from STACK_POLICY. */
const POLICY_READERS: readonly HandlerName[] = ['prepare', 'trigger'];

/**
 * One Lambda function per handler in lambdas/, bundled with the local esbuild
 * (ESM, AWS SDK v3 bundled so AWS runs the versions the tests ran). Each has a
 * role of its own with no managed policy: it writes only its own log group,
 * uses only the table actions in {@link TABLE_ACTIONS}, and reaches the target
 * only as far as the stack policy allows. Every statement whose resource must
 * be `*` sits in a policy of its own, acknowledged for cdk-nag with its reason,
 * so a new `*` statement anywhere else is a finding.
 */
export class HandlersConstruct extends Construct {
  readonly functions: Readonly<Record<HandlerName, NodejsFunction>>;
  readonly roles: Readonly<Record<HandlerName, iam.Role>>;

  constructor(scope: Construct, id: string, props: HandlersConstructProps) {
    super(scope, id);
    const roles: Partial<Record<HandlerName, iam.Role>> = {};
    const functions = Object.fromEntries(
      HANDLER_NAMES.map((name) => {
        const made = this.handlerFunction(name, props);
        roles[name] = made.role;
        return [name, made.fn];
      }),
    ) as Record<HandlerName, NodejsFunction>;
    this.functions = functions;
    this.roles = roles as Record<HandlerName, iam.Role>;

    for (const name of HANDLER_NAMES) {
      this.roles[name].addToPrincipalPolicy(
        new iam.PolicyStatement({ actions: [...TABLE_ACTIONS[name]], resources: [props.table.tableArn] }),
      );
    }
    this.grantAccess(props);
    // The report reads each function's metrics and maps the definition's tasks to handlers (the measured and
    // predicted harness cost). Its own name would be a reference to itself: it reads AWS_LAMBDA_FUNCTION_NAME.
    functions.report.addEnvironment(
      'HANDLER_FUNCTIONS',
      Stack.of(this).toJsonString(
        Object.fromEntries(
          HANDLER_NAMES.map((name) => [
            name,
            name === 'report'
              ? { memoryMiB: SIZING[name].memoryMiB }
              : { functionName: functions[name].functionName, memoryMiB: SIZING[name].memoryMiB },
          ]),
        ),
      ),
    );
    Validations.of(this).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Pinned to nodejs22.x, the Node.js major the bundles target (esbuild node22) and the handlers are tested ' +
        'on; a runtime upgrade is a deliberate change made together with the toolchain.',
    });
  }

  private handlerFunction(name: HandlerName, props: HandlersConstructProps) {
    const id = name.replace(/(^|-)(\w)/g, (_m, _dash, c: string) => c.toUpperCase());
    const sizing = SIZING[name];
    const logGroup = new logs.LogGroup(this, `${id}Logs`, {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(this, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `WebOrdinary Bench ${name} handler`,
    });
    // Its own log group only (the managed basic execution role would allow every group, the target's included).
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    const fn = new NodejsFunction(this, id, {
      entry: fileURLToPath(new URL(`../lambdas/${name}.ts`, import.meta.url)),
      // From the project's own folder, not the working directory: `bench` runs from anywhere.
      depsLockFilePath: PACKAGE_LOCK,
      projectRoot: PROJECT_ROOT,
      handler: 'handler',
      description: `WebOrdinary Bench: ${sizing.description}`,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: sizing.memoryMiB,
      timeout: sizing.timeout,
      role,
      logGroup,
      environment: {
        TABLE_NAME: props.table.tableName,
        ...(name === 'report' || name === 'start-scenario'
          ? { REPORTS_BUCKET: props.reportsBucket.bucketName }
          : {}),
        ...(name === 'start-scenario'
          ? { MAX_SESSION_CONCURRENCY: String(props.target.maxSessionConcurrency) }
          : {}),
        ...(POLICY_READERS.includes(name)
          ? { STACK_POLICY: JSON.stringify(stackPolicyOf(props.target)) }
          : {}),
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
    // Active tracing set on the resource, so that the X-Ray statement (resource "*") lands in a policy of
    // its own below instead of the role's default policy.
    (fn.node.defaultChild as lambda.CfnFunction).tracingConfig = { mode: 'Active' };
    unscopedPolicy(
      this,
      `${id}Tracing`,
      role,
      ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
      'X-Ray PutTraceSegments and PutTelemetryRecords have no resource-level permissions (active tracing).',
    );
    return { fn, role };
  }

  private grantAccess(props: HandlersConstructProps): void {
    const { target } = props;
    const arns = targetArns(this, target);
    const roles = this.roles;
    const allow = (name: HandlerName, actions: string[], resources: string[], conditions?: iam.Conditions) =>
      roles[name].addToPrincipalPolicy(
        new iam.PolicyStatement({ actions, resources, ...(conditions ? { conditions } : {}) }),
      );

    // Refuses a run whose pool users' queues are missing.
    allow('prepare', ['sqs:GetQueueUrl'], [arns.queues]);

    // SES checks the sender and every recipient against these patterns, whatever the profile says.
    allow('trigger', ['ses:SendEmail', 'ses:SendRawEmail'], arns.sesIdentities, {
      StringLike: { 'ses:FromAddress': target.sesIdentities.map(senderPattern) },
      'ForAllValues:StringLike': { 'ses:Recipients': target.sesRecipientDomains.map((d) => `*@${d}`) },
    });
    unscopedPolicy(
      this,
      'TriggerSendQuota',
      roles.trigger,
      ['ses:GetSendQuota'],
      "SES GetSendQuota is an account-level read with no resource-level permissions; the trigger paces to the account's MaxSendRate.",
    );
    allow('trigger', ['s3:PutObject'], [arns.intakeObjects]);

    allow('observe', ['logs:FilterLogEvents'], arns.logGroups);
    // ListBucket turns a missing object into 404 instead of 403.
    allow('observe', ['s3:ListBucket'], [arns.siteBuckets]);
    allow('observe', ['s3:GetObject'], [arns.siteObjects]);
    allow('observe', ['ecs:DescribeServices'], [arns.ecsService]);

    unscopedPolicy(
      this,
      'ReportMetrics',
      roles.report,
      ['cloudwatch:PutMetricData'],
      `CloudWatch PutMetricData has no resource-level permissions; the cloudwatch:namespace condition limits it to ${target.metricsNamespace}.`,
      { StringEquals: { 'cloudwatch:namespace': target.metricsNamespace } },
    );
    unscopedPolicy(
      this,
      'ReportResourceSeries',
      roles.report,
      ['cloudwatch:GetMetricData'],
      'CloudWatch GetMetricData has no resource-level permissions (AWS requires "*"); the report reads the ECS CPU and ' +
        "memory series, and the harness's own usage over the run (AWS/States, AWS/Lambda, AWS/DynamoDB, AWS/SES). Read only.",
    );
    allow('report', ['s3:PutObject'], [props.reportsBucket.arnForObjects('reports/*')]);
    // A load scenario's plan, read by the Distributed Map's ItemReader.
    allow('start-scenario', ['s3:PutObject'], [props.reportsBucket.arnForObjects('runs/*/plans/*')]);

    acknowledgeWildcardResources(
      roles.trigger,
      [arns.intakeObjects],
      'The s3-eml trigger writes one new object per session, under the intake prefix only.',
    );
    acknowledgeWildcardResources(
      roles.trigger,
      arns.sesIdentities,
      'The SES identities the operator configured (context sesIdentities); ses:FromAddress and ses:Recipients conditions bound sender and recipients.',
    );
    acknowledgeWildcardResources(
      roles.prepare,
      [arns.queues],
      "Prepare looks up (GetQueueUrl, read only) the pool users' queues, whose names come from the profile, " +
        'within the name pattern the operator configured (context queueNamePattern).',
    );
    acknowledgeWildcardResources(
      roles.observe,
      arns.logGroups,
      'FilterLogEvents is authorized on log-group:<name>:*, the streams of the named groups.',
    );
    acknowledgeWildcardResources(
      roles.observe,
      [arns.siteBuckets, arns.siteObjects],
      'S3 stages read the page that proves a deploy; there is one site bucket per project ' +
        '(edit.<project>.webordinary.com) and the key comes from the profile. Read only.',
    );
    acknowledgeWildcardResources(
      roles.report,
      [props.reportsBucket.arnForObjects('reports/*')],
      "The report function writes each run's report files under reports/<runId>/ in the stack's bucket.",
    );
    acknowledgeWildcardResources(
      roles['start-scenario'],
      [props.reportsBucket.arnForObjects('runs/*/plans/*')],
      "Start scenario writes each load scenario's session plan under its run's prefix in the stack's bucket.",
    );
  }

  /**
   * The report reads the deployed definition (DescribeStateMachine) to predict
   * the run's harness cost. A policy of its own, not the role's default one:
   * the state machine invokes the report function, which depends on its role's
   * default policy, so a statement there naming the state machine would be a cycle.
   */
  allowReportToDescribe(stateMachine: sfn.IStateMachine): void {
    new iam.Policy(this, 'ReportReadsDefinition', {
      roles: [this.roles.report],
      statements: [
        new iam.PolicyStatement({
          actions: ['states:DescribeStateMachine'],
          resources: [stateMachine.stateMachineArn],
        }),
      ],
    });
  }
}

/** `ses:FromAddress` pattern of an SES identity: any address of a domain, or the address itself. */
function senderPattern(identity: string): string {
  return identity.includes('@') || identity.includes('*') ? identity : `*@${identity}`;
}
