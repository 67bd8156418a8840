/**
 * What each part of the workflow (lib/benchmark-workflow.ts,
 * lib/target-restore.ts, lib/workflow-steps.ts) adds to the PARENT
 * execution's history, per the events AWS records for each state type (the
 * Step Functions API reference's HistoryEvent types, in the order of
 * histories recorded against AWS in LocalStack's snapshot tests,
 * localstack/localstack tests/aws/services/stepfunctions/v2):
 * - Task: TaskStateEntered, TaskScheduled, TaskStarted, TaskSucceeded|Failed|TimedOut,
 *   TaskStateExited (5); `.waitForTaskToken` adds TaskSubmitted (6); each
 *   retried attempt adds TaskScheduled, TaskStarted, TaskFailed (3).
 * - Pass, Choice, Wait, Succeed: Entered, Exited (2); Fail: FailStateEntered (1).
 * - Inline Map: MapStateEntered, MapStateStarted, MapStateSucceeded|Failed,
 *   MapStateExited (4), and MapIterationStarted, MapIterationSucceeded|Failed per item (2).
 * - Parallel: ParallelStateEntered, ParallelStateStarted, ParallelStateFailed
 *   (on failure only), ParallelStateExited, and on failure the other branch's
 *   running state is aborted (…StateAborted): 5 at most.
 * - Distributed Map: MapStateEntered, MapStateStarted, MapRunStarted,
 *   MapRunSucceeded|Failed, MapStateSucceeded|Failed, MapStateExited (6); its
 *   items run in child executions with histories of their own.
 * Measured against real local executions (test/e2e/history-events.test.ts,
 * docs/internals.md).
 */

/** What the count allows for beyond the states every run passes through. */
export interface HistoryAllowance {
  /** Every retrier's attempts all taken (the worst case), or none. */
  readonly retries: boolean;
  /** Failed Observe passes per observed scenario. */
  readonly failedObservations: number;
  /** Drain checks (describe, wait, count) per cold session before its service is drained. */
  readonly drainChecks: number;
}

/** The observer's bound on failed passes (lib/benchmark-workflow.ts). */
export const MAX_OBSERVE_FAILURES = 30;
/** The drain loop's bound (lib/benchmark-workflow.ts): 120 checks. */
export const MAX_DRAIN_CHECKS = 120;

export const WORST_CASE: HistoryAllowance = {
  retries: true,
  failedObservations: MAX_OBSERVE_FAILURES,
  drainChecks: MAX_DRAIN_CHECKS,
};

const TASK = 5;
const CALLBACK_TASK = TASK + 1;
/** A retried attempt: Scheduled, Started, Failed. */
const RETRY = 3;
/** Pass, Choice, Wait, Succeed: Entered and Exited (a Fail state records 1). */
const SIMPLE = 2;
const INLINE_MAP = 4;
const ITERATION = 2;
const PARALLEL = 5;
const DISTRIBUTED_MAP = 6;

/** Retrier attempts of the workflow's tasks (lib/workflow-steps.ts, lib/benchmark-workflow.ts). */
const ATTEMPTS = {
  /** CDK's Lambda service-exception retrier (6) and the workflow's throttling retrier (6). */
  lambda: 12,
  /** The trigger also retries NoFreeUser (12) while a user pool is exhausted. */
  noFreeUser: 12,
  /** Observe is also retried on any error (3). */
  observe: 3,
  /** An ECS SDK task's retrier. */
  ecs: 5,
} as const;

/** Events per part of the parent's history under an allowance. */
export interface HistoryEventModel {
  /** ExecutionStarted, Prepare, the scenario Map, the settle wait, report, verdict and end, ExecutionSucceeded|Failed. */
  readonly run: number;
  /** An iteration of the scenario Map: Start scenario and the type choice. */
  readonly scenario: number;
  /** A load scenario's Parallel, choice, Distributed Map, restore choices and end. */
  readonly load: number;
  /** A coldWarm scenario's desired count read and recorded, Parallel, its two inline Maps, restore and end. */
  readonly coldWarm: number;
  readonly coldSession: number;
  readonly warmSession: number;
  /** The observer's start and end, and its failed passes. */
  readonly observer: number;
  /** One observer pass: Observe, the done choice, the wait. */
  readonly observation: number;
  /** The resources scenario's Pass. */
  readonly resources: number;
}

export function historyEventModel(allowance: HistoryAllowance): HistoryEventModel {
  const retries = (attempts: number) => (allowance.retries ? RETRY * attempts : 0);
  const lambda = TASK + retries(ATTEMPTS.lambda);
  const trigger = lambda + retries(ATTEMPTS.noFreeUser);
  // A retried attempt of a callback task failed to invoke the Lambda: no TaskSubmitted.
  const callback = CALLBACK_TASK + retries(ATTEMPTS.lambda);
  const ecs = TASK + retries(ATTEMPTS.ecs);
  const observe = lambda + retries(ATTEMPTS.observe);
  // Trigger, the send-slot choice, one wait for a later slot with the trigger again and
  // its choice (the slot reserved is kept), wait for completion, record.
  const session = trigger + SIMPLE + (SIMPLE + trigger + SIMPLE) + callback + lambda;
  return {
    run: 1 + lambda + INLINE_MAP + SIMPLE + lambda + 3 * SIMPLE + 1,
    scenario: ITERATION + lambda + SIMPLE,
    load: PARALLEL + SIMPLE + DISTRIBUTED_MAP + 3 * SIMPLE,
    coldWarm: ecs + lambda + PARALLEL + SIMPLE + 2 * INLINE_MAP + SIMPLE + ecs + lambda + 3 * SIMPLE,
    coldSession:
      ITERATION +
      ecs + // scale to zero
      SIMPLE + // start counting
      allowance.drainChecks * (ecs + 3 * SIMPLE) +
      ecs +
      SIMPLE + // the last describe and its choice
      SIMPLE + // who scales up
      ecs +
      session,
    warmSession: ITERATION + SIMPLE + session,
    // A failed pass: Observe, note the failure, choice, wait.
    observer: SIMPLE + allowance.failedObservations * (observe + 3 * SIMPLE) + SIMPLE,
    observation: observe + SIMPLE + SIMPLE,
    resources: SIMPLE,
  };
}
