import { LOCAL_ITEMS_MAP_SUFFIX } from '../render-definition.js';

/**
 * Counts the history events AWS Step Functions would record for the PARENT
 * execution of a local run, from aws-local-stepfunctions' event log, to check
 * core/run-limits.ts's estimate against what an execution really produces.
 *
 * aws-local-stepfunctions runs a Distributed Map inline and forwards its
 * iterations' events into the parent's log; on AWS each iteration is a child
 * execution with a history of its own, so every state inside a Distributed
 * Map's processor (and its iterations) is left out. Which events AWS records
 * per state type: the `HistoryEventType` list of the Step Functions API
 * reference (API_HistoryEvent), in the order LocalStack's snapshot tests
 * recorded against AWS (localstack/localstack,
 * tests/aws/services/stepfunctions/v2/**\/*.snapshot.json):
 * - Task: TaskStateEntered; per attempt TaskScheduled, TaskStarted, then
 *   TaskSucceeded, TaskFailed or TaskTimedOut (a retry adds no event of its
 *   own); `.waitForTaskToken` adds TaskSubmitted once the call returned;
 *   TaskStateExited unless the failure ends the execution.
 * - Pass, Choice, Wait, Succeed: …StateEntered, …StateExited. Fail: FailStateEntered.
 * - Parallel: ParallelStateEntered, ParallelStateStarted, ParallelStateFailed
 *   on failure only (a success records none), ParallelStateExited.
 * - Inline Map: MapStateEntered, MapStateStarted, MapIterationStarted and
 *   MapIterationSucceeded|Failed per item, MapStateSucceeded|Failed, MapStateExited.
 * - Distributed Map: MapStateEntered, MapStateStarted, MapRunStarted,
 *   MapRunSucceeded|Failed, MapStateSucceeded|Failed, MapStateExited.
 * - ExecutionStarted, ExecutionSucceeded|Failed|Aborted|TimedOut.
 */

/** An event of the local runner: aws-local-stepfunctions' own, and `TaskSubmitted` from a callback task. */
export interface RunnerEvent {
  readonly type: string;
  readonly state?: string;
  /** For MapIteration* events: the Map state's name. */
  readonly parent?: string;
  readonly error?: string;
}

export interface HistoryCount {
  readonly total: number;
  /** Per AWS history event type. */
  readonly byType: Readonly<Record<string, number>>;
  /** How often each of the parent's states was entered (a Map's iterations not counted). */
  readonly entered: Readonly<Record<string, number>>;
}

/** `read`: a Distributed Map after its local ItemReader stand-in (which counts its MapStateEntered). */
type Kind = 'task' | 'callback' | 'reader' | 'read' | 'distributed' | 'map' | 'parallel' | 'simple' | 'fail';

interface StateCounts {
  entered: number;
  failed: number;
  timedOut: number;
  caught: number;
  exited: number;
  submitted: number;
  iterationsStarted: number;
  iterationsSucceeded: number;
  iterationsFailed: number;
}

const EXECUTION_EVENTS: Readonly<Record<string, string>> = {
  ExecutionStarted: 'ExecutionStarted',
  ExecutionSucceeded: 'ExecutionSucceeded',
  ExecutionFailed: 'ExecutionFailed',
  ExecutionAborted: 'ExecutionAborted',
  ExecutionTimeout: 'ExecutionTimedOut',
};

export class ParentHistory {
  private readonly kinds = new Map<string, { kind: Kind; type: string }>();
  private readonly counts = new Map<string, StateCounts>();
  private readonly execution = new Map<string, number>();

  /** `definition`: the definition the runner executes (local/render-definition.ts's `definition`). */
  constructor(definition: object) {
    this.classify(definition as Graph);
  }

  /** The listener to give the runner (`onStateEvent`). */
  readonly listener = (event: RunnerEvent): void => {
    const execution = EXECUTION_EVENTS[event.type];
    if (execution) {
      this.execution.set(execution, (this.execution.get(execution) ?? 0) + 1);
      return;
    }
    const name = event.type.startsWith('MapIteration') ? event.parent : event.state;
    if (name === undefined || !this.kinds.has(name)) return;
    const counts = this.stateCounts(name);
    switch (event.type) {
      case 'StateEntered':
        counts.entered += 1;
        break;
      case 'StateFailed':
        if (event.error === 'States.Timeout') counts.timedOut += 1;
        else counts.failed += 1;
        break;
      case 'StateCaught':
        counts.caught += 1;
        break;
      case 'StateExited':
        counts.exited += 1;
        break;
      case 'TaskSubmitted':
        counts.submitted += 1;
        break;
      case 'MapIterationStarted':
        counts.iterationsStarted += 1;
        break;
      case 'MapIterationSucceeded':
        counts.iterationsSucceeded += 1;
        break;
      case 'MapIterationFailed':
        counts.iterationsFailed += 1;
        break;
    }
  };

  /**
   * The parent's events so far. Order-free: a state's exits that follow a
   * caught failure are its catches, the others its successes.
   */
  count(): HistoryCount {
    const byType: Record<string, number> = {};
    const add = (type: string, n: number) => {
      if (n > 0) byType[type] = (byType[type] ?? 0) + n;
    };
    for (const [type, n] of this.execution) add(type, n);
    for (const [name, c] of this.counts) {
      const { kind, type } = this.kinds.get(name) ?? { kind: 'simple', type: 'Pass' };
      const succeeded = c.exited - c.caught;
      const failures = c.failed + c.timedOut;
      switch (kind) {
        case 'task':
        case 'callback':
          add('TaskStateEntered', c.entered);
          add('TaskScheduled', failures + succeeded);
          add('TaskStarted', failures + succeeded);
          add('TaskSubmitted', c.submitted);
          add('TaskFailed', c.failed);
          add('TaskTimedOut', c.timedOut);
          add('TaskSucceeded', succeeded);
          add('TaskStateExited', c.exited);
          break;
        case 'reader':
          // The local stand-in for the next state's ItemReader: on AWS the Map is entered here.
          add('MapStateEntered', c.entered);
          add('MapStateStarted', failures);
          add('MapRunStarted', failures);
          add('MapRunFailed', failures);
          add('MapStateFailed', failures);
          break;
        case 'distributed':
        case 'read':
          if (kind === 'distributed') add('MapStateEntered', c.entered);
          add('MapStateStarted', c.entered);
          add('MapRunStarted', c.entered);
          add('MapRunFailed', failures);
          add('MapStateFailed', failures);
          add('MapRunSucceeded', succeeded);
          add('MapStateSucceeded', succeeded);
          add('MapStateExited', c.exited);
          break;
        case 'map':
          add('MapStateEntered', c.entered);
          add('MapStateStarted', c.entered);
          add('MapIterationStarted', c.iterationsStarted);
          add('MapIterationSucceeded', c.iterationsSucceeded);
          add('MapIterationFailed', c.iterationsFailed);
          add('MapStateFailed', failures);
          add('MapStateSucceeded', succeeded);
          add('MapStateExited', c.exited);
          break;
        case 'parallel':
          add('ParallelStateEntered', c.entered);
          add('ParallelStateStarted', c.entered);
          add('ParallelStateFailed', failures);
          add('ParallelStateExited', c.exited);
          break;
        case 'fail':
          add('FailStateEntered', c.entered);
          break;
        case 'simple':
          add(`${type}StateEntered`, c.entered);
          add(`${type}StateExited`, c.exited);
          break;
      }
    }
    const total = Object.values(byType).reduce((sum, n) => sum + n, 0);
    const entered = Object.fromEntries(
      [...this.counts].filter(([, c]) => c.entered > 0).map(([name, c]) => [name, c.entered]),
    );
    return { total, byType, entered };
  }

  private stateCounts(name: string): StateCounts {
    let counts = this.counts.get(name);
    if (!counts) {
      counts = {
        entered: 0,
        failed: 0,
        timedOut: 0,
        caught: 0,
        exited: 0,
        submitted: 0,
        iterationsStarted: 0,
        iterationsSucceeded: 0,
        iterationsFailed: 0,
      };
      this.counts.set(name, counts);
    }
    return counts;
  }

  /** The parent's states by kind; states inside a Distributed Map's processor are not the parent's. */
  private classify(graph: Graph): void {
    for (const [name, state] of Object.entries(graph.States)) {
      const distributed = state.ItemProcessor?.ProcessorConfig?.Mode === 'DISTRIBUTED';
      this.kinds.set(name, { kind: kindOf(name, state, graph, distributed), type: state.Type });
      for (const branch of state.Branches ?? []) this.classify(branch);
      const processor = state.ItemProcessor ?? state.Iterator;
      if (processor && !distributed) this.classify(processor);
    }
  }
}

interface State {
  readonly Type: string;
  readonly Resource?: string;
  readonly Branches?: Graph[];
  readonly ItemProcessor?: Graph & { readonly ProcessorConfig?: { readonly Mode?: string } };
  readonly Iterator?: Graph;
}
interface Graph {
  readonly States: Readonly<Record<string, State>>;
}

function kindOf(name: string, state: State, graph: Graph, distributed: boolean): Kind {
  if (graph.States[`${name}${LOCAL_ITEMS_MAP_SUFFIX}`]) return 'reader';
  switch (state.Type) {
    case 'Task':
      return state.Resource?.endsWith('.waitForTaskToken') ? 'callback' : 'task';
    case 'Map':
      if (!distributed) return 'map';
      return name.endsWith(LOCAL_ITEMS_MAP_SUFFIX) &&
        graph.States[name.slice(0, -LOCAL_ITEMS_MAP_SUFFIX.length)] !== undefined
        ? 'read'
        : 'distributed';
    case 'Parallel':
      return 'parallel';
    case 'Fail':
      return 'fail';
    default:
      return 'simple';
  }
}
