import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { logAndTrace } from './workflow-logging.js';
import { at, DISCARD, ecsStep, IDEMPOTENT_RETRY, lambdaStep } from './workflow-steps.js';

/**
 * How a benchmark execution can end without its own restore having run (or
 * succeeded): stopped (ABORTED) and TIMED_OUT run no Catch at all; FAILED
 * covers what the Catch cannot (a States.Runtime or States.DataLimitExceeded
 * error is never caught, and a restore that failed after its retries fails
 * the run with TargetNotRestored: one more attempt is worth it).
 */
export const UNRESTORED_STATUSES = ['ABORTED', 'TIMED_OUT', 'FAILED'] as const;

export interface StoppedRunRestoreProps {
  /** The benchmark's state machine; its execution name is the run id. */
  readonly benchmark: sfn.IStateMachine;
  /** The one ECS service a run may change (lib/target-props.ts): the only one this restore may update. */
  readonly serviceArn: string;
  readonly stoppedRun: lambda.IFunction;
  readonly targetChange: lambda.IFunction;
}

/** How long one restore may take: its retries take about a minute, its handlers 30 s each. */
const RESTORE_TIMEOUT = Duration.minutes(15);
const ALARM_PERIOD = Duration.minutes(5);

/**
 * Leaves the target as found when a run could not do it itself. An
 * EventBridge rule on this stack's benchmark state machine ("Step Functions
 * Execution Status Change", status in {@link UNRESTORED_STATUSES}) starts a
 * small Standard state machine with the run id (the execution name):
 * 1. **Find what the run left changed**: its `TARGET#` records not restored,
 *    newest first (lambdas/stopped-run.ts).
 * 2. **Set back each change**, one at a time: ECS UpdateService to the
 *    recorded `before` (retried as the benchmark's own restore is), then mark
 *    it restored (lambdas/target-change.ts). A failure is caught and kept, so
 *    every change gets its attempt.
 * 3. **Check the run is restored**: the records again; nothing left frees the
 *    run's slot (a stopped run never reports, so it would hold the target
 *    until its longest possible end) and succeeds; anything left keeps the
 *    slot and fails with `TargetNotRestored`.
 * The alarm `RunNotRestored` fires on a failed or timed-out restore, and on an
 * event EventBridge could not deliver to it; `bench restore <runId>` remains
 * the manual fallback.
 */
export class StoppedRunRestoreConstruct extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly rule: events.Rule;
  readonly notRestoredAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: StoppedRunRestoreProps) {
    super(scope, id);
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      description: 'WebOrdinary Bench: restore of a run that ended without its own restore',
    });
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [props.stoppedRun.functionArn, props.targetChange.functionArn],
      }),
    );
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['ecs:UpdateService'], resources: [props.serviceArn] }),
    );
    const logGroup = new logs.LogGroup(this, 'ExecutionLogs', {
      logGroupName: `/aws/vendedlogs/states/${Stack.of(this).stackName}-stopped-run-restore`,
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment:
        'WebOrdinary Bench: sets back what a stopped, timed-out or failed run left changed on the target; input {runId}',
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(this.definition(props)),
      // The statements above are the whole role: CDK's own grants (a `*` in the default policy) stay out.
      role: role.withoutPolicyUpdates(),
      timeout: RESTORE_TIMEOUT,
    });
    // Its data is a run id and the recorded counts: nothing secret, and it explains a failed restore.
    logAndTrace(this.stateMachine, logGroup, { role, includeExecutionData: true });
    // The role's statements must exist before the state machine (the role itself is a dependency
    // already, through the state machine's RoleArn).
    this.stateMachine.node.addDependency(role.node.findChild('DefaultPolicy'));

    this.rule = new events.Rule(this, 'RunEndedUnrestored', {
      description:
        'WebOrdinary Bench: a run was stopped, timed out or failed; set back what it left changed on the target',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          // The exact ARN: a Distributed Map's child executions (`<machine>/<label>`) do not match.
          stateMachineArn: [props.benchmark.stateMachineArn],
          status: [...UNRESTORED_STATUSES],
        },
      },
    });
    const startRole = new iam.Role(this, 'StartRole', {
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
      description: 'WebOrdinary Bench: EventBridge starts the stopped-run restore, and nothing else',
    });
    this.rule.addTarget(
      new targets.SfnStateMachine(this.stateMachine, {
        role: startRole,
        input: events.RuleTargetInput.fromObject({
          runId: events.EventField.fromPath('$.detail.name'),
          status: events.EventField.fromPath('$.detail.status'),
          executionArn: events.EventField.fromPath('$.detail.executionArn'),
        }),
        // EventBridge's own retries for a start that fails (throttled, say): a day, then FailedInvocations.
        retryAttempts: 185,
        maxEventAge: Duration.hours(24),
      }),
    );

    const metrics = {
      failed: this.stateMachine.metricFailed({ period: ALARM_PERIOD, statistic: cloudwatch.Stats.SUM }),
      timedOut: this.stateMachine.metricTimedOut({ period: ALARM_PERIOD, statistic: cloudwatch.Stats.SUM }),
      undelivered: new cloudwatch.Metric({
        namespace: 'AWS/Events',
        metricName: 'FailedInvocations',
        dimensionsMap: { RuleName: this.rule.ruleName },
        period: ALARM_PERIOD,
        statistic: cloudwatch.Stats.SUM,
      }),
    };
    this.notRestoredAlarm = new cloudwatch.Alarm(this, 'RunNotRestored', {
      alarmDescription:
        'A stopped, timed-out or failed benchmark run left the ECS service changed and the automatic restore ' +
        'failed (TargetNotRestored: see the StoppedRunRestore execution) or could not start; ' +
        'run `bench restore <runId> --table <TableName>`',
      metric: new cloudwatch.MathExpression({
        expression: 'FILL(failed, 0) + FILL(timedOut, 0) + FILL(undelivered, 0)',
        usingMetrics: metrics,
        period: ALARM_PERIOD,
        label: 'Restores failed, timed out or not started',
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  /** Input `{runId}`: find, set back one by one (failures kept), check, and succeed or fail. */
  private definition(props: StoppedRunRestoreProps): sfn.IChainable {
    const find = lambdaStep(this, 'Find what the run left changed', props.stoppedRun, {
      payload: { step: 'changes', runId: at('$.runId') },
      resultFields: ['changes'],
      resultPath: '$.left',
    });

    const change = (field: string) => at(`$.change.${field}`);
    const setBack = ecsStep(this, 'Set desired count back', {
      action: 'updateService',
      parameters: {
        Cluster: change('cluster'),
        Service: change('service'),
        DesiredCount: sfn.JsonPath.numberAt('$.change.before'),
      },
      serviceArn: props.serviceArn,
    });
    const marked = lambdaStep(this, 'Mark change restored', props.targetChange, {
      payload: {
        runId: at('$.runId'),
        scenario: change('scenario'),
        kind: change('kind'),
        cluster: change('cluster'),
        service: change('service'),
        before: sfn.JsonPath.numberAt('$.change.before'),
        after: sfn.JsonPath.numberAt('$.change.after'),
        restored: true,
      },
    });
    const notSetBack = new sfn.Pass(this, 'Keep why the change was not set back', {
      parameters: {
        resource: change('resource'),
        scenario: change('scenario'),
        error: sfn.JsonPath.objectAt('$.error'),
      },
    });
    // Finding, marking and checking are a Query and conditional writes: retried on any error.
    marked.addRetry(IDEMPOTENT_RETRY);
    for (const step of [setBack, marked]) {
      step.addCatch(notSetBack, { errors: [sfn.Errors.ALL], resultPath: '$.error' });
    }
    setBack.next(marked).next(new sfn.Succeed(this, 'Change set back', { outputPath: DISCARD }));
    const each = new sfn.Map(this, 'Set back each change', {
      itemsPath: '$.left.changes',
      itemSelector: { runId: at('$.runId'), change: at('$$.Map.Item.Value') },
      // Newest first, one at a time: two changes of one service leave the oldest recorded value.
      maxConcurrency: 1,
      resultPath: '$.attempts',
    }).itemProcessor(setBack);

    const check = lambdaStep(this, 'Check the run is restored', props.stoppedRun, {
      payload: { step: 'finish', runId: at('$.runId'), attempts: sfn.JsonPath.listAt('$.attempts') },
      resultFields: ['unrestored', 'summary'],
      resultPath: '$.check',
    });
    find.addRetry(IDEMPOTENT_RETRY);
    check.addRetry(IDEMPOTENT_RETRY);
    const verdict = new sfn.Choice(this, 'Is everything set back?')
      .when(
        sfn.Condition.numberEquals('$.check.unrestored', 0),
        new sfn.Succeed(this, 'Target left as found'),
      )
      .otherwise(
        new sfn.Fail(this, 'Target not restored', {
          error: 'TargetNotRestored',
          causePath: '$.check.summary',
        }),
      );
    return find.next(each).next(check).next(verdict);
  }
}
