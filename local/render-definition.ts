import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type CfnElement } from 'aws-cdk-lib';
import type { CfnFunction } from 'aws-cdk-lib/aws-lambda';
import type { CfnStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { BenchmarkStack } from '../lib/benchmark-stack.js';
import { type HandlerName, isHandlerName } from '../lib/handlers-construct.js';
import { WEBORDINARY_TARGET } from '../lib/target-props.js';
import { LOCAL_REPORTS_BUCKET } from './runner/local-aws-setup.js';

/** The state machine's Amazon States Language, as plain JSON. */
export type AslDefinition = StateMachineDefinition;

export interface RenderedDefinition {
  readonly definition: AslDefinition;
  /** `local:<handler>` (a Lambda task's FunctionName in the rendered definition) -> the handler's name. */
  readonly handlerOf: (functionName: string) => HandlerName | undefined;
  /** The handler's configured Lambda timeout in seconds (from the CDK construct), enforced locally. */
  readonly timeoutSecondsOf: (handler: HandlerName) => number;
  /** The definition as deployed (Distributed Map with its ItemReader), tokens resolved as above: what the cost model walks. */
  readonly deployed: AslDefinition;
  /** Each handler's memory size in MiB (from the CDK construct). */
  readonly memoryMiB: Readonly<Record<HandlerName, number>>;
  /** The stopped-run restore's definition (lib/stopped-run-restore-construct.ts), its handlers `local:<handler>` too. */
  readonly stoppedRunRestore: AslDefinition;
}

/** Prefix of the FunctionName that stands for a handler in the rendered definition. */
export const LOCAL_FUNCTION_PREFIX = 'local:';

/** What the other tokens of the definition become locally. */
const PSEUDO_PARAMETERS: Readonly<Record<string, string>> = {
  'AWS::Partition': 'aws',
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '000000000000',
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': 'WebOrdinaryBench',
};

type Built = {
  definition: AslDefinition;
  deployed: AslDefinition;
  stoppedRunRestore: AslDefinition;
  timeouts: ReadonlyMap<HandlerName, number>;
  memory: ReadonlyMap<HandlerName, number>;
};

let cached: Built | undefined;

/**
 * Renders the deployed state machine's definition from the CDK construct, with
 * each Lambda task's FunctionName replaced by `local:<handler>` and every other
 * token by a local placeholder (`arn:aws:states:::aws-sdk:ecs:updateService`
 * keeps its shape). Built once per process, with bundling off; each call
 * returns a fresh copy, so callers may change it.
 */
export function renderDefinition(): RenderedDefinition {
  cached ??= build();
  const { timeouts, memory } = cached;
  return {
    definition: structuredClone(cached.definition),
    deployed: structuredClone(cached.deployed),
    stoppedRunRestore: structuredClone(cached.stoppedRunRestore),
    memoryMiB: Object.fromEntries(memory) as Record<HandlerName, number>,
    timeoutSecondsOf: (handler) => {
      const seconds = timeouts.get(handler);
      if (seconds === undefined) throw new Error(`handler ${handler} has no configured timeout`);
      return seconds;
    },
    handlerOf: (functionName) => {
      if (!functionName.startsWith(LOCAL_FUNCTION_PREFIX)) return undefined;
      const name = functionName.slice(LOCAL_FUNCTION_PREFIX.length);
      return isHandlerName(name) ? name : undefined;
    },
  };
}

function build(): Built {
  // The app's own output directory, removed after: an App without one leaves a cdk.out temp dir behind.
  const outdir = mkdtempSync(join(tmpdir(), 'webordinary-render-'));
  try {
    return buildIn(outdir);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function buildIn(outdir: string): Built {
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new BenchmarkStack(app, 'WebOrdinaryBench', { target: WEBORDINARY_TARGET });
  const handlers = new Map<string, HandlerName>();
  const timeouts = new Map<HandlerName, number>();
  const memory = new Map<HandlerName, number>();
  for (const [name, fn] of Object.entries(stack.handlers.functions)) {
    if (!isHandlerName(name)) continue;
    const cfnFunction = fn.node.defaultChild as CfnFunction;
    handlers.set(stack.getLogicalId(cfnFunction), name);
    // AWS's default is 3 s; every handler of the stack sets its own.
    timeouts.set(name, (stack.resolve(cfnFunction.timeout) as number | undefined) ?? 3);
    // AWS's default is 128 MiB.
    memory.set(name, (stack.resolve(cfnFunction.memorySize) as number | undefined) ?? 128);
  }
  const buckets = new Map([
    [stack.getLogicalId(stack.storage.reportsBucket.node.defaultChild as CfnElement), LOCAL_REPORTS_BUCKET],
  ]);
  const cfn = stack.workflow.stateMachine.node.defaultChild as CfnStateMachine;
  const text = joinTokens(stack.resolve(cfn.definitionString), handlers, buckets);
  const definition = JSON.parse(text) as AslDefinition;
  const deployed = JSON.parse(text) as AslDefinition;
  forEachState(definition, adaptTimeoutPath);
  adaptItemReaders(definition as unknown as JsonGraph);
  const restore = stack.stoppedRunRestore.stateMachine.node.defaultChild as CfnStateMachine;
  const stoppedRunRestore = JSON.parse(
    joinTokens(stack.resolve(restore.definitionString), handlers, buckets),
  ) as AslDefinition;
  return { definition, deployed, stoppedRunRestore, timeouts, memory };
}

type JsonState = Record<string, unknown>;
type JsonGraph = { States: Record<string, JsonState> };

/** Where the local stand-in for an ItemReader puts the items it read. */
export const LOCAL_ITEMS_FIELD = 'localItems';
/** The suffix of a Map whose ItemReader a local Task state reads for it. */
export const LOCAL_ITEMS_MAP_SUFFIX = ' (items read)';

/**
 * aws-local-stepfunctions 3.0 runs a Distributed Map as an inline one and
 * ignores its ItemReader. Locally, the Map's name goes to a Task state with the
 * ItemReader's own Resource and Parameters (`arn:aws:states:::s3:getObject`,
 * the runner reads the object from the local S3 and parses it the way the
 * ItemReader's InputType says), whose result the renamed Map iterates
 * (`ItemsPath`). Every transition into the Map reaches the reader first;
 * MaxConcurrencyPath, ItemSelector and the processor are unchanged.
 */
function adaptItemReaders(graph: JsonGraph): void {
  for (const [name, state] of Object.entries(graph.States)) {
    for (const branch of (state.Branches as JsonGraph[] | undefined) ?? []) adaptItemReaders(branch);
    if (state.ItemProcessor) adaptItemReaders(state.ItemProcessor as JsonGraph);
    const reader = state.ItemReader as
      | { Resource: string; ReaderConfig?: { InputType?: string }; Parameters: JsonState }
      | undefined;
    if (!reader) continue;
    if (reader.ReaderConfig?.InputType !== 'JSON') {
      throw new Error(`local mode reads only JSON ItemReaders; ${name} has ${JSON.stringify(reader)}`);
    }
    const mapName = `${name}${LOCAL_ITEMS_MAP_SUFFIX}`;
    const { ItemReader: _reader, ...map } = state;
    graph.States[mapName] = { ...map, ItemsPath: `$.${LOCAL_ITEMS_FIELD}` };
    graph.States[name] = {
      Type: 'Task',
      Comment: 'Local stand-in for the Distributed Map ItemReader of the next state',
      Resource: reader.Resource,
      Parameters: reader.Parameters,
      ResultPath: `$.${LOCAL_ITEMS_FIELD}`,
      Next: mapName,
    };
  }
}

function forEachState(graph: { States: Record<string, unknown> }, visit: (state: JsonState) => void): void {
  for (const state of Object.values(graph.States) as JsonState[]) {
    visit(state);
    for (const branch of (state.Branches as (typeof graph)[] | undefined) ?? []) forEachState(branch, visit);
    if (state.ItemProcessor) forEachState(state.ItemProcessor as typeof graph, visit);
  }
}

/** Where a task's TimeoutSecondsPath is copied to, for aws-local-stepfunctions. */
export const LOCAL_TIMEOUT_PARAMETER = 'LocalTimeoutSeconds';

/**
 * AWS resolves TimeoutSecondsPath against the state's input; aws-local-stepfunctions
 * 3.0 resolves it against the Parameters it built. Copying the value into the
 * parameters keeps the AWS semantics locally; the runner passes on only
 * FunctionName and Payload, so no handler sees the extra field.
 */
function adaptTimeoutPath(state: JsonState): void {
  const path = state.TimeoutSecondsPath;
  const parameters = state.Parameters as JsonState | undefined;
  if (typeof path !== 'string' || !parameters) return;
  parameters[`${LOCAL_TIMEOUT_PARAMETER}.$`] = path;
  state.TimeoutSecondsPath = `$.${LOCAL_TIMEOUT_PARAMETER}`;
}

/** Turns the resolved `Fn::Join` of the definition into one string. */
function joinTokens(
  resolved: unknown,
  handlers: ReadonlyMap<string, HandlerName>,
  buckets: ReadonlyMap<string, string>,
): string {
  if (typeof resolved === 'string') return resolved;
  const join = (resolved as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) throw new Error(`unexpected definition shape: ${JSON.stringify(resolved).slice(0, 200)}`);
  const [separator, parts] = join;
  return parts.map((part) => placeholder(part, handlers, buckets)).join(separator);
}

function placeholder(
  part: unknown,
  handlers: ReadonlyMap<string, HandlerName>,
  buckets: ReadonlyMap<string, string>,
): string {
  if (typeof part === 'string') return part;
  const getAtt = (part as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
  if (getAtt) {
    const handler = handlers.get(getAtt[0]);
    return handler ? `${LOCAL_FUNCTION_PREFIX}${handler}` : `local-${getAtt[0]}-${getAtt[1]}`;
  }
  const ref = (part as { Ref?: string }).Ref;
  if (ref) return PSEUDO_PARAMETERS[ref] ?? buckets.get(ref) ?? `local-${ref}`;
  if ((part as { 'Fn::Join'?: unknown })['Fn::Join']) return joinTokens(part, handlers, buckets);
  throw new Error(`unexpected token in the definition: ${JSON.stringify(part)}`);
}
