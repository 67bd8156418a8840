import { describe, expect, it } from 'vitest';
import { LOCAL_ITEMS_MAP_SUFFIX } from '../../local/render-definition.js';
import { ParentHistory } from '../../local/runner/parent-history.js';
import { runStateMachine } from '../../local/runner/state-machine.js';

const invoke = (name: string, handler: string, extra: Record<string, unknown> = {}) => ({
  [name]: {
    Type: 'Task',
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: { FunctionName: `local:${handler}`, Payload: {} },
    ResultPath: null,
    ...extra,
  },
});
const pass = (name: string, next?: string) => ({
  [name]: { Type: 'Pass', ...(next ? { Next: next } : { End: true }) },
});

const READ = `Items${LOCAL_ITEMS_MAP_SUFFIX}`;

/**
 * One of each state the workflow uses, in the local form (a Distributed Map
 * after its ItemReader's stand-in). The AWS history of each, counted by hand
 * from LocalStack's snapshots recorded against AWS:
 * - Flaky (fails once, retried): Entered, 2 x (Scheduled, Started, Failed|Succeeded), Exited = 8
 * - Callback (.waitForTaskToken): Entered, Scheduled, Started, Submitted, Succeeded, Exited = 6
 * - Both (Parallel of two Pass): Entered, Started, 2 x (Entered, Exited), Exited = 7
 * - Items + Items (items read) (Distributed Map of 3, each a Pass in a child execution):
 *   MapStateEntered, MapStateStarted, MapRunStarted, MapRunSucceeded, MapStateSucceeded, MapStateExited = 6
 * - Two (Pass): 2
 * - Inline (Map of 2, each a Choice then a Pass): Entered, Started, 2 x (IterationStarted,
 *   Choice 2, Pass 2, IterationSucceeded), Succeeded, Exited = 16
 * - Broken (fails, caught): Entered, Scheduled, Started, Failed, Exited = 5; Done (Succeed): 2
 * - ExecutionStarted, ExecutionSucceeded = 2
 */
const DEFINITION = {
  StartAt: 'Flaky',
  States: {
    ...invoke('Flaky', 'flaky', {
      Retry: [{ ErrorEquals: ['Boom'], IntervalSeconds: 1, MaxAttempts: 2 }],
      Next: 'Callback',
    }),
    Callback: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: { FunctionName: 'local:ok', Payload: { 'token.$': '$$.Task.Token' } },
      ResultPath: null,
      Next: 'Both',
    },
    Both: {
      Type: 'Parallel',
      Branches: [
        { StartAt: 'Left', States: pass('Left') },
        { StartAt: 'Right', States: pass('Right') },
      ],
      ResultPath: null,
      Next: 'Items',
    },
    Items: { Type: 'Pass', Result: [1, 2, 3], ResultPath: '$.localItems', Next: READ },
    Two: { Type: 'Pass', Result: [1, 2], ResultPath: '$.two', Next: 'Inline' },
    [READ]: {
      Type: 'Map',
      ItemsPath: '$.localItems',
      ItemProcessor: {
        ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' },
        StartAt: 'Child',
        States: pass('Child'),
      },
      ResultPath: null,
      Next: 'Two',
    },
    Inline: {
      Type: 'Map',
      ItemsPath: '$.two',
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: 'Which',
        States: {
          Which: {
            Type: 'Choice',
            Choices: [{ Variable: '$', IsPresent: false, Next: 'Item' }],
            Default: 'Item',
          },
          ...pass('Item'),
        },
      },
      ResultPath: null,
      Next: 'Broken',
    },
    ...invoke('Broken', 'broken', {
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Done' }],
      End: true,
    }),
    Done: { Type: 'Succeed' },
  },
};

function named(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

describe('ParentHistory', () => {
  it('counts the history AWS records for the parent of a real local execution, children left out', async () => {
    let flakyCalls = 0;
    const history = new ParentHistory(DEFINITION);
    const outcome = await runStateMachine({
      definition: DEFINITION,
      input: {},
      executionName: 'history-test',
      handlerOf: (fn) => fn.slice('local:'.length),
      handlers: {
        flaky: async () => {
          flakyCalls += 1;
          if (flakyCalls === 1) throw named('Boom', 'first call fails');
          return {};
        },
        ok: async () => ({}),
        broken: async () => {
          throw named('Nope', 'always fails');
        },
      },
      tokens: { issueToken: () => ({ token: 't', result: Promise.resolve({}) }) },
      ecs: () => {
        throw new Error('no ECS in this test');
      },
      s3: () => {
        throw new Error('no S3 in this test');
      },
      timeoutSecondsOf: () => 5,
      onStateEvent: history.listener,
    });
    expect(outcome.status).toBe('SUCCEEDED');
    const { total, byType } = history.count();
    expect(byType).toEqual({
      ExecutionStarted: 1,
      ExecutionSucceeded: 1,
      TaskStateEntered: 3,
      TaskScheduled: 4,
      TaskStarted: 4,
      TaskSubmitted: 1,
      TaskFailed: 2,
      TaskSucceeded: 2,
      TaskStateExited: 3,
      ParallelStateEntered: 1,
      ParallelStateStarted: 1,
      ParallelStateExited: 1,
      PassStateEntered: 5,
      PassStateExited: 5,
      MapStateEntered: 2,
      MapStateStarted: 2,
      MapRunStarted: 1,
      MapRunSucceeded: 1,
      MapStateSucceeded: 2,
      MapStateExited: 2,
      MapIterationStarted: 2,
      MapIterationSucceeded: 2,
      ChoiceStateEntered: 2,
      ChoiceStateExited: 2,
      SucceedStateEntered: 1,
      SucceedStateExited: 1,
    });
    expect(total).toBe(8 + 6 + 7 + 6 + 2 + 16 + 5 + 2 + 2);
  }, 20_000);

  it('counts a timed-out callback as TaskTimedOut and an uncaught failure without an exit', () => {
    const history = new ParentHistory({
      StartAt: 'Wait',
      States: {
        Wait: { Type: 'Task', Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken', End: true },
      },
    });
    for (const event of [
      { type: 'ExecutionStarted' },
      { type: 'StateEntered', state: 'Wait' },
      { type: 'TaskSubmitted', state: 'Wait' },
      { type: 'StateFailed', state: 'Wait', error: 'States.Timeout' },
      { type: 'ExecutionFailed', error: 'States.Timeout' },
    ])
      history.listener(event);
    // As AWS records it: ExecutionStarted, TaskStateEntered, TaskScheduled, TaskStarted, TaskSubmitted, TaskTimedOut, ExecutionFailed.
    expect(history.count()).toEqual({
      total: 7,
      entered: { Wait: 1 },
      byType: {
        ExecutionStarted: 1,
        ExecutionFailed: 1,
        TaskStateEntered: 1,
        TaskScheduled: 1,
        TaskStarted: 1,
        TaskSubmitted: 1,
        TaskTimedOut: 1,
      },
    });
  });
});
