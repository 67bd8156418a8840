import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { SESSIONS_MAP_LABEL } from '../core/harness-metrics.js';
import { MAX_DRAIN_CHECKS, MAX_OBSERVE_FAILURES } from '../core/history-events.js';
import type { HandlerName } from './handlers-construct.js';
import { acknowledgeWildcardResources } from './nag-acknowledgements.js';
import { type TargetProps, targetArns } from './target-props.js';
import { targetRestoreSteps } from './target-restore.js';
import { logAndTrace } from './workflow-logging.js';
import {
  at,
  CAUGHT,
  DISCARD,
  type EcsAction,
  ecsStep,
  IDEMPOTENT_RETRY,
  type LambdaStepOptions,
  lambdaStep,
  type Outcome,
  SESSION,
  type SessionKind,
} from './workflow-steps.js';

/** What the state machine selects from Start scenario's result: each must be in every answer. */
export const START_SCENARIO_FIELDS = [
  'name',
  'type',
  'planKey',
  'concurrency',
  'cold',
  'warm',
  'ecs',
] as const;

export interface BenchmarkWorkflowProps {
  readonly functions: Readonly<Record<HandlerName, lambda.IFunction>>;
  readonly target: TargetProps;
  /** Where Start scenario writes a load scenario's plan (`runs/<runId>/plans/`), read by the Distributed Map. */
  readonly plansBucket: s3.Bucket;
}

/**
 * How long a cold session waits for the service to drain before it is recorded
 * as failed: MAX_DRAIN_CHECKS (120) checks 5 s apart, 10 minutes. The observer
 * stops after MAX_OBSERVE_FAILURES (30) failed passes (after retries). Both
 * bound the history estimate (core/history-events.ts).
 */
const DRAIN_CHECK_SECONDS = 5;
const OBSERVE_FAILURE_WAIT_SECONDS = 10;

/**
 * The benchmark's Standard workflow; docs/internals.md specifies it state by state.
 *
 * 1. **Prepare run**: validate the profile (a bad one fails the execution at once
 *    with `ProfileInvalid`), create the run record and the session plan.
 * 2. **Run each scenario in order** (a Map, one at a time): start the scenario;
 *    `resources` runs no sessions of its own; any other type runs its sessions in
 *    parallel with an observer loop that polls what cannot be pushed until every
 *    session is done. A load session waits for its scheduled start, sends its
 *    trigger, waits for its task token up to the session timeout and records the
 *    outcome; `coldWarm` runs its sessions one by one, scaling the ECS service to
 *    zero before each cold one. Before its first change a coldWarm scenario
 *    records the service's desired count, and sets it back when its sessions
 *    end or fail (lib/target-restore.ts); a failed restore fails the run with
 *    `TargetNotRestored`. A failing scenario is recorded and ends the loop.
 *    A limit scenario runs as its steps, one scenario each; Start scenario
 *    answers `skipped` for a step whose predecessor did not pass, and the
 *    loop passes over it.
 * 3. **Write report**, then succeed, or fail with `TargetNotRestored` or `ThresholdsBreached`.
 */
export class BenchmarkWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  private readonly fns: Readonly<Record<HandlerName, lambda.IFunction>>;
  private readonly ecsServiceArn: string;
  private readonly plansBucket: s3.Bucket;
  private readonly invoked = new Set<lambda.IFunction>();

  constructor(scope: Construct, id: string, props: BenchmarkWorkflowProps) {
    super(scope, id);
    this.fns = props.functions;
    this.plansBucket = props.plansBucket;
    this.ecsServiceArn = targetArns(this, props.target).ecsService;

    const prepare = this.lambdaStep('Prepare run', 'prepare', {
      payload: {
        profile: sfn.JsonPath.entirePayload,
        runId: sfn.JsonPath.executionName,
        startedAt: sfn.JsonPath.executionStartTime,
      },
      resultFields: ['runId', 'scenarios', 'settleSeconds'],
      resultPath: '$.run',
    });
    const invalid = new sfn.Fail(this, 'Profile is invalid', {
      error: 'ProfileInvalid',
      causePath: '$.error.Cause',
    });
    prepare.addCatch(invalid, { errors: ['ProfileInvalid'], ...CAUGHT });

    const scenarios = new sfn.Map(this, 'Run each scenario in order', {
      itemsPath: '$.run.scenarios',
      itemSelector: { runId: at('$.run.runId'), scenario: at('$$.Map.Item.Value') },
      maxConcurrency: 1,
      resultPath: DISCARD,
    }).itemProcessor(this.scenario());

    const breached = new sfn.Fail(this, 'Thresholds breached', {
      error: 'ThresholdsBreached',
      causePath: '$.report.summary',
    });
    const verdict = new sfn.Choice(this, 'Thresholds passed?')
      .when(sfn.Condition.stringEquals('$.report.verdict', 'pass'), new sfn.Succeed(this, 'Benchmark passed'))
      .otherwise(breached);
    // A target left changed fails the run whatever its thresholds say, with its report written.
    const targetRestored = new sfn.Choice(this, 'Was the target restored?')
      .when(
        sfn.Condition.stringEquals('$.failure.Error', 'TargetNotRestored'),
        new sfn.Fail(this, 'Target was not restored', {
          error: 'TargetNotRestored',
          causePath: '$.failure.Cause',
        }),
      )
      .otherwise(verdict);
    const report = (name: string, payload: Record<string, unknown>) =>
      this.lambdaStep(name, 'report', {
        // The state machine's ARN: the report reads its definition (the predicted cost) and its metrics.
        payload: { runId: at('$.run.runId'), stateMachineArn: at('$$.StateMachine.Id'), ...payload },
        resultFields: ['verdict', 'summary', 'reportKey'],
        resultPath: '$.report',
      });
    const settle = new sfn.Wait(this, 'Wait for late log deliveries', {
      time: sfn.WaitTime.secondsPath('$.run.settleSeconds'),
    });
    // Two report states: a JSONPath to an absent `$.failure` is a runtime error, not "undefined".
    const afterFailure = report('Write report after failure', {
      failure: sfn.JsonPath.objectAt('$.failure'),
    });
    scenarios.addCatch(afterFailure.next(targetRestored), {
      errors: [sfn.Errors.ALL],
      resultPath: '$.failure',
    });

    const logGroup = new logs.LogGroup(this, 'ExecutionLogs', {
      logGroupName: `/aws/vendedlogs/states/${Stack.of(this).stackName}-workflow`,
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'WebOrdinary Bench: one benchmark run; the input is a profile (docs/internals.md)',
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(
        prepare.next(scenarios).next(settle).next(report('Write report', {})).next(verdict),
      ),
    });
    // Logging ALL without execution data, and tracing; their "*" statements in policies of their own.
    logAndTrace(this.stateMachine, logGroup);
    this.grantSessionCallbacks([this.fns.await, this.fns.collector, this.fns.observe]);

    acknowledgeWildcardResources(
      this.stateMachine,
      [...this.invoked].map((fn) => `${fn.functionArn}:*`),
      "CDK's invoke grant: the workflow's own functions, any version or alias of them.",
    );
    this.acknowledgeDistributedMapGrants();
  }

  /** One iteration of "Run each scenario in order": input `{runId, scenario: {name, type}}`. */
  private scenario(): sfn.IChainable {
    const sessions = new sfn.Choice(this, 'Cold and warm sessions?')
      .when(
        sfn.Condition.stringEquals('$.plan.type', 'coldWarm'),
        this.coldSessions().next(this.warmSessions()),
      )
      .otherwise(this.loadSessions());
    // The input passes on: the restore after it reads $.plan and $.target.
    const withObserver = new sfn.Parallel(this, 'Sessions with observer', { resultPath: DISCARD })
      .branch(sessions)
      .branch(this.observer());
    const target = targetRestoreSteps(this, {
      serviceArn: this.ecsServiceArn,
      lambdaStep: (name, handler, options) => this.lambdaStep(name, handler, options),
    });
    target.recorded.next(withObserver);
    withObserver.next(target.afterSessions);
    withObserver.addCatch(target.afterSessions, { errors: [sfn.Errors.ALL], resultPath: '$.failure' });
    const resources = new sfn.Pass(this, 'Resources are sampled while load runs', { outputPath: DISCARD });
    const skipped = new sfn.Pass(this, 'Step skipped: the step before it did not pass', {
      outputPath: DISCARD,
    });
    const start = this.lambdaStep('Start scenario', 'start-scenario', {
      payload: { runId: at('$.runId'), scenario: at('$.scenario.name') },
      resultFields: [...START_SCENARIO_FIELDS],
      resultPath: '$.plan',
    });
    return start.next(
      new sfn.Choice(this, 'Which scenario type?')
        .when(sfn.Condition.stringEquals('$.plan.type', 'resources'), resources)
        .when(sfn.Condition.stringEquals('$.plan.type', 'skipped'), skipped)
        .when(sfn.Condition.stringEquals('$.plan.type', 'coldWarm'), target.recordBefore)
        .otherwise(withObserver),
    );
  }

  /** A Map over session items; `last` ends the branch, so its output is `{}`. */
  private sessionMap(
    name: string,
    items: string,
    concurrency: number,
    iteration: sfn.IChainable,
    last = true,
  ) {
    return new sfn.Map(this, name, {
      itemsPath: items,
      itemSelector: { runId: at('$.runId'), session: at('$$.Map.Item.Value') },
      // 0 means "unlimited" on AWS but 40 locally: say what we mean everywhere.
      maxConcurrency: concurrency,
      resultPath: DISCARD,
      ...(last ? { outputPath: DISCARD } : {}),
    }).itemProcessor(iteration);
  }

  /**
   * A load scenario's sessions in a Distributed Map: one Standard child execution
   * per session (a child can wait for a task token), so the parent's history does
   * not grow with sessions. The plan is read from S3 (ItemReader); MaxConcurrency
   * is the scenario's own need (Start scenario computes it, bounded by the
   * stack's maxSessionConcurrency); a failed session never fails the scenario
   * (its failure is caught and recorded inside the child anyway). No
   * ItemBatcher: a batch would run its sessions one after another or need an
   * inline Map per child, and each session needs its own task token; Standard
   * pricing is per state transition, so batching saves little.
   */
  private loadSessions(): sfn.DistributedMap {
    const { trigger, sent, completion } = this.sessionSteps('load');
    sent.otherwise(completion);
    const wait = new sfn.Wait(this, 'Wait until scheduled start', {
      time: sfn.WaitTime.timestampPath('$.session.scheduledAt'),
    });
    return new sfn.DistributedMap(this, 'Run each session', {
      itemReader: new sfn.S3JsonItemReader({
        bucket: this.plansBucket as s3.IBucket,
        key: at('$.plan.planKey'),
      }),
      itemSelector: { runId: at('$.runId'), session: at('$$.Map.Item.Value') },
      maxConcurrencyPath: '$.plan.concurrency',
      mapExecutionType: sfn.StateMachineType.STANDARD,
      // Child executions publish their AWS/States metrics under <state machine ARN>/<label>: a fixed label
      // lets the report read them (lambdas/shared/harness-metrics.ts) instead of a Map Run's random UUID.
      label: SESSIONS_MAP_LABEL,
      toleratedFailurePercentage: 100,
      resultPath: DISCARD,
      outputPath: DISCARD,
    }).itemProcessor(wait.next(trigger));
  }

  private coldSessions(): sfn.Map {
    const { trigger, sent, completion } = this.sessionSteps('cold');
    const service = { Cluster: at('$.session.cluster'), Service: at('$.session.service') };
    const scaleToZero = this.ecsStep('Scale service to zero', 'updateService', {
      ...service,
      DesiredCount: 0,
    });
    const describe = this.ecsStep(
      'Describe service',
      'describeServices',
      { Cluster: service.Cluster, Services: sfn.JsonPath.array(service.Service) },
      { path: '$.ecs', fields: { running: '$.Services[0].RunningCount' } },
    );
    const scaleUp = this.ecsStep('Scale service up', 'updateService', {
      ...service,
      DesiredCount: sfn.JsonPath.numberAt('$.session.desiredCount'),
    });
    const stopped = new sfn.Wait(this, 'Wait for tasks to stop', {
      time: sfn.WaitTime.duration(Duration.seconds(DRAIN_CHECK_SECONDS)),
    });
    const whoScalesUp = new sfn.Choice(this, 'Who scales up?')
      .when(sfn.Condition.stringEquals('$.session.scaleUp', 'bench'), scaleUp.next(completion))
      .otherwise(completion);
    sent.otherwise(whoScalesUp);
    // A service that never drains (another scaler keeps a task up) fails the cold session, not the run.
    const startCount = new sfn.Pass(this, 'Start counting drain checks', {
      result: sfn.Result.fromObject({ checks: 0 }),
      resultPath: '$.drain',
    });
    const count = new sfn.Pass(this, 'Count drain check', {
      parameters: { 'checks.$': 'States.MathAdd($.drain.checks, 1)' },
      resultPath: '$.drain',
    });
    const gaveUp = new sfn.Pass(this, 'Service did not drain', {
      result: sfn.Result.fromObject({
        Error: 'ServiceDidNotDrain',
        Cause: `the service still ran tasks after ${MAX_DRAIN_CHECKS} checks ${DRAIN_CHECK_SECONDS} s apart`,
      }),
      resultPath: '$.error',
    });
    gaveUp.next(this.record('cold', 'failure'));
    const iteration = scaleToZero
      .next(startCount)
      .next(describe)
      .next(
        new sfn.Choice(this, 'No task running?')
          .when(sfn.Condition.numberEquals('$.ecs.running', 0), trigger)
          .when(sfn.Condition.numberGreaterThanEquals('$.drain.checks', MAX_DRAIN_CHECKS), gaveUp)
          .otherwise(stopped.next(count).next(describe)),
      );
    // The warm sessions read $.plan after it: the cold Map passes its input on.
    return this.sessionMap('Run each cold session', '$.plan.cold', 1, iteration, false);
  }

  private warmSessions(): sfn.Map {
    const { trigger, sent, completion } = this.sessionSteps('warm');
    sent.otherwise(completion);
    const pause = new sfn.Wait(this, 'Pause before warm session', {
      time: sfn.WaitTime.secondsPath('$.session.gapSeconds'),
    });
    return this.sessionMap('Run each warm session', '$.plan.warm', 1, pause.next(trigger));
  }

  /**
   * Send trigger and Wait for completion, caught into the Record states; names carry the kind.
   * A session whose SES send slot is later than now returns `retryAt` unsent: it waits for
   * the slot in a Wait state and sends then (the wait counts as lateness), so no Lambda sleeps
   * for its slot. `sent` is the choice after the trigger; the caller says where a sent session goes.
   */
  private sessionSteps(kind: SessionKind) {
    const label = kind === 'load' ? '' : ` ${kind}`;
    const triggerStep = (name: string, payload: Record<string, unknown>) => {
      const step = this.lambdaStep(name, 'trigger', {
        payload,
        resultFields: ['sentAt', 'retryAt', 'slot'],
        resultPath: '$.sent',
      });
      // A pool whose users are all held: wait for one to come back (the wait counts as lateness).
      step.addRetry({
        errors: ['NoFreeUser'],
        interval: Duration.seconds(2),
        backoffRate: 1.5,
        maxDelay: Duration.seconds(30),
        maxAttempts: 12,
        jitterStrategy: sfn.JitterType.FULL,
      });
      step.addCatch(this.record(kind, 'failure'), { errors: [sfn.Errors.ALL], ...CAUGHT });
      return step;
    };
    const trigger = triggerStep(`Send${label} trigger`, SESSION);
    const inSlot = triggerStep(`Send${label} trigger in its slot`, {
      ...SESSION,
      slot: sfn.JsonPath.numberAt('$.sent.slot'),
    });
    const waitForSlot = new sfn.Wait(this, `Wait for${label} send slot`, {
      time: sfn.WaitTime.timestampPath('$.sent.retryAt'),
    });
    const sent = new sfn.Choice(this, `Send slot${label} later?`).when(
      sfn.Condition.isString('$.sent.retryAt'),
      waitForSlot.next(inSlot),
    );
    trigger.next(sent);
    inSlot.next(sent);
    const completion = this.lambdaStep(`Wait for${label} completion`, 'await', {
      payload: { ...SESSION, taskToken: sfn.JsonPath.taskToken },
      callback: true,
    });
    completion.addCatch(this.record(kind, 'timeout'), { errors: [sfn.Errors.TIMEOUT], ...CAUGHT });
    completion.addCatch(this.record(kind, 'failure'), { errors: [sfn.Errors.ALL], ...CAUGHT });
    completion.next(this.record(kind, 'completion'));
    return { trigger, sent, completion };
  }

  /** "Record [kind] completion|timeout|failure", created once per kind and outcome. */
  private record(kind: SessionKind, what: Outcome): tasks.LambdaInvoke {
    const name = `Record${kind === 'load' ? '' : ` ${kind}`} ${what}`;
    const existing = this.node.tryFindChild(name);
    if (existing) return existing as tasks.LambdaInvoke;
    const outcome = { completion: 'completed', timeout: 'timedOut', failure: 'failed' }[what];
    const error = what === 'completion' ? {} : { error: sfn.JsonPath.objectAt('$.error') };
    return this.lambdaStep(name, 'finalize', { payload: { ...SESSION, outcome, ...error }, last: true });
  }

  /**
   * Polls what cannot be pushed, once per interval for all open sessions, until
   * all are done. Observe is retried; a pass that still fails is noted and the
   * loop goes on (the sessions never depend on one pass), giving up only after
   * MAX_OBSERVE_FAILURES failed passes, so the scenario always ends.
   */
  private observer(): sfn.IChainable {
    const start = new sfn.Pass(this, 'Start observing', {
      result: sfn.Result.fromObject({ count: 0 }),
      resultPath: '$.observeFailures',
    });
    const observe = this.lambdaStep('Observe sessions', 'observe', {
      payload: { runId: at('$.runId'), scenario: at('$.plan.name') },
      resultFields: ['done', 'waitSeconds', 'open'],
      resultPath: '$.observed',
    });
    observe.addRetry(IDEMPOTENT_RETRY);
    const wait = new sfn.Wait(this, 'Wait for next observation', {
      time: sfn.WaitTime.secondsPath('$.observed.waitSeconds'),
    });
    const done = new sfn.Succeed(this, 'Observer done', { outputPath: DISCARD });
    const noteFailure = new sfn.Pass(this, 'Note failed observation', {
      parameters: { count: sfn.JsonPath.mathAdd(sfn.JsonPath.numberAt('$.observeFailures.count'), 1) },
      resultPath: '$.observeFailures',
    });
    const waitAfterFailure = new sfn.Wait(this, 'Wait after failed observation', {
      time: sfn.WaitTime.duration(Duration.seconds(OBSERVE_FAILURE_WAIT_SECONDS)),
    });
    const gaveUp = new sfn.Succeed(this, 'Observer gave up', { outputPath: DISCARD });
    observe.addCatch(noteFailure, { errors: [sfn.Errors.ALL], resultPath: '$.observeError' });
    noteFailure.next(
      new sfn.Choice(this, 'Observe failing for good?')
        .when(sfn.Condition.numberGreaterThanEquals('$.observeFailures.count', MAX_OBSERVE_FAILURES), gaveUp)
        .otherwise(waitAfterFailure.next(observe)),
    );
    return start
      .next(observe)
      .next(
        new sfn.Choice(this, 'All sessions done?')
          .when(sfn.Condition.booleanEquals('$.observed.done', true), done)
          .otherwise(wait.next(observe)),
      );
  }

  private lambdaStep(name: string, handler: HandlerName, options: LambdaStepOptions): tasks.LambdaInvoke {
    this.invoked.add(this.fns[handler]);
    return lambdaStep(this, name, this.fns[handler], options);
  }

  /** An ECS call of a cold session; when it fails (after retries) the session is recorded as failed. */
  private ecsStep(
    name: string,
    action: EcsAction,
    parameters: Record<string, unknown>,
    result?: { path: string; fields: Record<string, string> },
  ) {
    return ecsStep(this, name, {
      action,
      parameters,
      serviceArn: this.ecsServiceArn,
      ...(result ? { result } : {}),
    }).addCatch(this.record('cold', 'failure'), { errors: [sfn.Errors.ALL], ...CAUGHT });
  }

  /**
   * CDK's grants for the Distributed Map: describe, stop and redrive the
   * workflow's own (child) executions, and read the plans (ItemReader) in the
   * stack's bucket.
   */
  private acknowledgeDistributedMapGrants(): void {
    const policy = this.stateMachine.node.tryFindChild('DistributedMapPolicy') as iam.Policy | undefined;
    if (!policy) throw new Error('the workflow has a Distributed Map but CDK added no DistributedMapPolicy');
    const statements = (policy.document.toJSON() as { Statement: { Resource: unknown }[] }).Statement;
    const executions = statements
      .flatMap((statement) => [statement.Resource].flat())
      .filter((resource): resource is string => typeof resource === 'string' && resource.includes('*'));
    acknowledgeWildcardResources(
      this.stateMachine,
      executions,
      "CDK's Distributed Map grant: this state machine's own executions (the sessions' child executions).",
    );
    const stack = Stack.of(this);
    acknowledgeWildcardResources(
      this.stateMachine,
      [`arn:${stack.partition}:s3:::${this.plansBucket.bucketName}/*`],
      "CDK's ItemReader grant: GetObject in the stack's own bucket, where Start scenario writes the plans.",
    );
  }

  /**
   * Lets the functions that see a session finish end its wait. A policy of its
   * own (the functions depend on their roles' default policies) avoids the
   * cycle function -> policy -> state machine -> function.
   */
  private grantSessionCallbacks(functions: readonly lambda.IFunction[]): void {
    const roles = functions.map((fn) => {
      if (!fn.role) throw new Error(`function ${fn.node.path} has no role to grant task callbacks to`);
      return fn.role;
    });
    const actions = ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'];
    new iam.Policy(this, 'SessionCallbacks', {
      roles,
      statements: [new iam.PolicyStatement({ actions, resources: [this.stateMachine.stateMachineArn] })],
    });
  }
}
