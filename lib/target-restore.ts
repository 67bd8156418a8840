import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import type { HandlerName } from './handlers-construct.js';
import { at, DISCARD, ecsStep, type LambdaStepOptions } from './workflow-steps.js';

export interface TargetRestoreProps {
  readonly serviceArn: string;
  readonly lambdaStep: (name: string, handler: HandlerName, options: LambdaStepOptions) => tasks.LambdaInvoke;
}

export interface TargetRestoreSteps {
  /** Reads the service's desired count into `$.target` and records it; chain the scenario's sessions after it. */
  readonly recordBefore: sfn.TaskStateBase;
  readonly recorded: tasks.LambdaInvoke;
  /**
   * Where the sessions go when they end, and where their Catch goes (with the
   * error at `$.failure`): set the desired count back when it was recorded,
   * then end the iteration, or fail it with the sessions' own error.
   */
  readonly afterSessions: sfn.Choice;
}

/**
 * Leaves the target as found: a coldWarm scenario records the ECS service's
 * desired count before its first change (`$.plan.ecs` from Start scenario),
 * and sets it back when its sessions end, whether they succeeded or failed.
 * When that restore fails (after retries) the scenario fails with
 * `TargetNotRestored`, which the run surfaces as its own error. A stopped
 * execution runs no Catch: the stopped-run restore (lib/stopped-run-restore-construct.ts)
 * sets the recorded value back, and `bench restore <runId>` by hand.
 */
export function targetRestoreSteps(scope: Construct, props: TargetRestoreProps): TargetRestoreSteps {
  const service = { Cluster: at('$.plan.ecs.cluster'), Service: at('$.plan.ecs.service') };
  const change = {
    runId: at('$.runId'),
    scenario: at('$.plan.name'),
    kind: 'ecsDesiredCount',
    cluster: service.Cluster,
    service: service.Service,
    before: sfn.JsonPath.numberAt('$.target.desiredCount'),
    after: sfn.JsonPath.numberAt('$.plan.ecs.after'),
  };
  const recordBefore = ecsStep(scope, 'Read desired count', {
    action: 'describeServices',
    parameters: { Cluster: service.Cluster, Services: sfn.JsonPath.array(service.Service) },
    serviceArn: props.serviceArn,
    result: { path: '$.target', fields: { desiredCount: '$.Services[0].DesiredCount' } },
  });
  const recorded = props.lambdaStep('Record desired count', 'target-change', {
    payload: { ...change, restored: false },
  });
  recordBefore.next(recorded);

  const restore = ecsStep(scope, 'Restore desired count', {
    action: 'updateService',
    parameters: { ...service, DesiredCount: sfn.JsonPath.numberAt('$.target.desiredCount') },
    serviceArn: props.serviceArn,
  });
  const describeFailure = new sfn.Pass(scope, 'Describe restore failure', {
    parameters: {
      'Cause.$':
        "States.Format('the desired count of {}/{} could not be set back to {}: {}: {}', $.plan.ecs.cluster, $.plan.ecs.service, $.target.desiredCount, $.restoreError.Error, $.restoreError.Cause)",
    },
    resultPath: '$.restoreFailure',
  });
  const notRestored = new sfn.Fail(scope, 'Restore failed', {
    error: 'TargetNotRestored',
    causePath: '$.restoreFailure.Cause',
  });
  restore.addCatch(describeFailure.next(notRestored), {
    errors: [sfn.Errors.ALL],
    resultPath: '$.restoreError',
  });
  const restored = props.lambdaStep('Record desired count restored', 'target-change', {
    payload: { ...change, restored: true },
  });
  const failed = new sfn.Choice(scope, 'Did the sessions fail?')
    .when(
      sfn.Condition.isPresent('$.failure'),
      new sfn.Fail(scope, 'Scenario failed', { errorPath: '$.failure.Error', causePath: '$.failure.Cause' }),
    )
    .otherwise(new sfn.Succeed(scope, 'Scenario done', { outputPath: DISCARD }));
  restore.next(restored).next(failed);
  const afterSessions = new sfn.Choice(scope, 'Was the target changed?')
    .when(sfn.Condition.isPresent('$.target'), restore)
    .otherwise(failed);
  return { recordBefore, recorded, afterSessions };
}
