import { Duration } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';

/** The workflow's building blocks: Lambda and ECS task states with their retries, and shared paths. */

export interface LambdaStepOptions {
  readonly payload: Record<string, unknown>;
  /** Fields of the handler's result kept at `resultPath`; none: the result is discarded. */
  readonly resultFields?: readonly string[];
  readonly resultPath?: string;
  /** Ends an iteration: its output is `{}`, so the Map's collected results stay small. */
  readonly last?: boolean;
  readonly callback?: boolean;
}

export type SessionKind = 'load' | 'cold' | 'warm';
export type Outcome = 'completion' | 'timeout' | 'failure';

export const at = (path: string) => sfn.JsonPath.stringAt(path);
export const SESSION = { runId: at('$.runId'), sessionId: at('$.session.sessionId') };
export const DISCARD = sfn.JsonPath.DISCARD;
export const CAUGHT = { resultPath: '$.error' } as const;
const LAMBDA_THROTTLED: sfn.RetryProps = {
  errors: ['Lambda.TooManyRequestsException'],
  interval: Duration.seconds(1),
  backoffRate: 2,
  maxAttempts: 6,
  jitterStrategy: sfn.JitterType.FULL,
};
/**
 * Any error, a few times: for a step whose handler is idempotent (a read, or a
 * conditional write), so a throttled table or a transient fault never ends the
 * workflow on its own.
 */
export const IDEMPOTENT_RETRY: sfn.RetryProps = {
  errors: [sfn.Errors.ALL],
  interval: Duration.seconds(2),
  backoffRate: 2,
  maxAttempts: 3,
  jitterStrategy: sfn.JitterType.FULL,
};
const ECS_RETRY: sfn.RetryProps = {
  errors: ['Ecs.ThrottlingException', 'Ecs.EcsException'],
  interval: Duration.seconds(2),
  backoffRate: 2,
  maxAttempts: 5,
  jitterStrategy: sfn.JitterType.FULL,
};

export type EcsAction = 'updateService' | 'describeServices';

/**
 * A Lambda task: the handler's result reduced to `resultFields` (or discarded),
 * `.waitForTaskToken` with the session timeout for a callback, and throttling
 * retried with jitter (CDK's retryOnServiceExceptions covers the service errors).
 */
export function lambdaStep(
  scope: Construct,
  name: string,
  fn: lambda.IFunction,
  options: LambdaStepOptions,
): tasks.LambdaInvoke {
  const fields = options.resultFields ?? [];
  const step = new tasks.LambdaInvoke(scope, name, {
    lambdaFunction: fn,
    payload: sfn.TaskInput.fromObject(options.payload),
    resultPath: fields.length > 0 ? (options.resultPath ?? '$') : DISCARD,
    ...(fields.length > 0
      ? { resultSelector: Object.fromEntries(fields.map((f) => [f, at(`$.Payload.${f}`)])) }
      : {}),
    ...(options.last ? { outputPath: DISCARD } : {}),
    ...(options.callback
      ? {
          integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
          taskTimeout: sfn.Timeout.at('$.session.timeoutSeconds'),
        }
      : {}),
  });
  return step.addRetry(LAMBDA_THROTTLED) as tasks.LambdaInvoke;
}

/**
 * An ECS SDK integration on the target service. Its result is discarded, or
 * reduced to `result.fields` (name -> JSONPath into the response) at `result.path`.
 */
export function ecsStep(
  scope: Construct,
  name: string,
  options: {
    readonly action: EcsAction;
    readonly parameters: Record<string, unknown>;
    readonly serviceArn: string;
    readonly result?: { readonly path: string; readonly fields: Readonly<Record<string, string>> };
  },
): sfn.TaskStateBase {
  const { result } = options;
  return new tasks.CallAwsService(scope, name, {
    service: 'ecs',
    action: options.action,
    parameters: options.parameters,
    iamResources: [options.serviceArn],
    resultPath: result ? result.path : DISCARD,
    ...(result
      ? {
          resultSelector: Object.fromEntries(
            Object.entries(result.fields).map(([field, path]) => [field, sfn.JsonPath.numberAt(path)]),
          ),
        }
      : {}),
  }).addRetry(ECS_RETRY);
}
