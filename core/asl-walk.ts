/**
 * Walks an Amazon States Language graph along one path, the way an execution
 * would take it, and counts what it enters: the states (each one a billed state
 * transition of a Standard workflow) and the Lambda functions its Task states
 * invoke. Which way a Choice goes is decided by evaluating the Choice's own
 * rules against stated facts (`$.sent.retryAt` is present on the first visit,
 * `$.observed.done` is true on the tenth, ...), so a change to the workflow's
 * states or conditions changes the count; a Choice on a variable the facts do
 * not know is an error, never a silent guess. Pure: no AWS, no CDK.
 */

export interface AslChoiceRule {
  readonly Variable?: string;
  readonly Next: string;
  readonly [operator: string]: unknown;
}

export interface AslState {
  readonly Type: string;
  readonly Next?: string;
  readonly End?: boolean;
  readonly Default?: string;
  readonly Choices?: readonly AslChoiceRule[];
  readonly Branches?: readonly AslGraph[];
  readonly ItemProcessor?: AslGraph & {
    readonly ProcessorConfig?: { readonly Mode?: string; readonly ExecutionType?: string };
  };
  readonly Iterator?: AslGraph;
  readonly Resource?: string;
  readonly Parameters?: Readonly<Record<string, unknown>>;
}

export interface AslGraph {
  readonly StartAt: string;
  readonly States: Readonly<Record<string, AslState>>;
}

/** A variable's value on the n-th time (0-based) its Choice is entered; ABSENT: the path does not exist. */
export type Fact = (visit: number) => unknown;
export const ABSENT = Symbol('absent');
export type Facts = Readonly<Record<string, Fact>>;

/** What a walk entered. */
export interface Tally {
  /** State names in the order they were entered (nested branches after their Parallel). */
  readonly states: string[];
  /** Lambda invocations by function (the Task's FunctionName, as `functionOf` names it). */
  readonly lambda: Record<string, number>;
}

export interface WalkOptions {
  readonly facts: Facts;
  /** The function a Lambda Task state invokes (from its Parameters.FunctionName). */
  readonly functionOf: (state: AslState, name: string) => string;
  /**
   * A Map state's iterations: what to add for them (the walk itself counts only
   * the Map state). Omitted: a Map's iterations add nothing here.
   */
  readonly onMap?: (name: string, state: AslState) => Tally | undefined;
  /** A guard against a loop the facts never leave. */
  readonly maxSteps?: number;
}

export function emptyTally(): Tally {
  return { states: [], lambda: {} };
}

export function addTally(into: Tally, from: Tally, times = 1): Tally {
  for (let i = 0; i < times; i++) into.states.push(...from.states);
  for (const [fn, n] of Object.entries(from.lambda)) into.lambda[fn] = (into.lambda[fn] ?? 0) + n * times;
  return into;
}

/** Counts of a tally, for arithmetic: transitions = states entered. */
export function transitionsOf(tally: Tally): number {
  return tally.states.length;
}

/** Walks `graph` from its StartAt (or `from`) to an end state, following the facts. */
export function walk(graph: AslGraph, options: WalkOptions, from = graph.StartAt): Tally {
  const tally = emptyTally();
  const visits = new Map<string, number>();
  const maxSteps = options.maxSteps ?? 100_000;
  let name: string | undefined = from;
  while (name !== undefined) {
    const state: AslState | undefined = graph.States[name];
    if (!state) throw new Error(`the definition has no state "${name}"`);
    if (tally.states.length >= maxSteps) throw new Error(`the walk did not end within ${maxSteps} states`);
    tally.states.push(name);
    if (state.Type === 'Task' && isLambdaTask(state)) {
      const fn = options.functionOf(state, name);
      tally.lambda[fn] = (tally.lambda[fn] ?? 0) + 1;
    }
    if (state.Type === 'Parallel') {
      for (const branch of state.Branches ?? []) addTally(tally, walk(branch, options));
    }
    if (state.Type === 'Map') {
      const iterations = options.onMap?.(name, state);
      if (iterations) addTally(tally, iterations);
    }
    if (state.Type === 'Choice') {
      const visit = visits.get(name) ?? 0;
      visits.set(name, visit + 1);
      name = choose(name, state, options.facts, visit);
      continue;
    }
    if (state.Type === 'Succeed' || state.Type === 'Fail' || state.End) return tally;
    name = state.Next;
  }
  return tally;
}

export function isLambdaTask(state: AslState): boolean {
  return /:states:::lambda:invoke(\.waitForTaskToken)?$/.test(state.Resource ?? '');
}

/** The processor (or legacy Iterator) of a Map state. */
export function processorOf(state: AslState): AslGraph {
  const processor = state.ItemProcessor ?? state.Iterator;
  if (!processor) throw new Error('a Map state without an ItemProcessor');
  return processor;
}

export function isDistributedMap(state: AslState): boolean {
  return state.Type === 'Map' && state.ItemProcessor?.ProcessorConfig?.Mode === 'DISTRIBUTED';
}

function choose(name: string, state: AslState, facts: Facts, visit: number): string {
  for (const rule of state.Choices ?? []) {
    if (matches(name, rule, facts, visit)) return rule.Next;
  }
  if (!state.Default) throw new Error(`Choice "${name}" matched no rule and has no Default`);
  return state.Default;
}

function matches(name: string, rule: AslChoiceRule, facts: Facts, visit: number): boolean {
  const variable = rule.Variable;
  if (variable === undefined) throw new Error(`Choice "${name}": only rules on one Variable are modelled`);
  const fact = facts[variable];
  if (!fact) throw new Error(`Choice "${name}" tests ${variable}, which the cost model does not know`);
  const value = fact(visit);
  const present = value !== ABSENT && value !== undefined;
  for (const [operator, expected] of Object.entries(rule)) {
    switch (operator) {
      case 'Variable':
      case 'Next':
        continue;
      case 'IsPresent':
        return present === expected;
      case 'IsString':
        return (present && typeof value === 'string') === expected;
      case 'IsNull':
        return (value === null) === expected;
      case 'StringEquals':
      case 'BooleanEquals':
      case 'NumericEquals':
        return present && value === expected;
      case 'NumericGreaterThanEquals':
        return present && typeof value === 'number' && value >= (expected as number);
      case 'NumericLessThan':
        return present && typeof value === 'number' && value < (expected as number);
      default:
        throw new Error(`Choice "${name}": the cost model does not evaluate ${operator}`);
    }
  }
  throw new Error(`Choice "${name}": a rule on ${variable} with no comparison`);
}
