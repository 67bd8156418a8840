import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type CfnElement } from 'aws-cdk-lib';
import type { CfnStateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import type { StateMachineDefinition } from 'aws-local-stepfunctions';
import { BenchmarkStack } from '../lib/benchmark-stack.js';
import { type HandlerName, isHandlerName } from '../lib/handlers-construct.js';
import { WEBORDINARY_TARGET } from '../lib/target-props.js';

/** The state machine's Amazon States Language, as plain JSON. */
export type AslDefinition = StateMachineDefinition;

export interface RenderedDefinition {
  readonly definition: AslDefinition;
  /** `local:<handler>` (a Lambda task's FunctionName in the rendered definition) -> the handler's name. */
  readonly handlerOf: (functionName: string) => HandlerName | undefined;
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

let cached: AslDefinition | undefined;

/**
 * Renders the deployed state machine's definition from the CDK construct, with
 * each Lambda task's FunctionName replaced by `local:<handler>` and every other
 * token by a local placeholder (`arn:aws:states:::aws-sdk:ecs:updateService`
 * keeps its shape). Built once per process, with bundling off; each call
 * returns a fresh copy, so callers may change it.
 */
export function renderDefinition(): RenderedDefinition {
  cached ??= build();
  return {
    definition: structuredClone(cached),
    handlerOf: (functionName) => {
      if (!functionName.startsWith(LOCAL_FUNCTION_PREFIX)) return undefined;
      const name = functionName.slice(LOCAL_FUNCTION_PREFIX.length);
      return isHandlerName(name) ? name : undefined;
    },
  };
}

function build(): AslDefinition {
  // The app's own output directory, removed after: an App without one leaves a cdk.out temp dir behind.
  const outdir = mkdtempSync(join(tmpdir(), 'webordinary-render-'));
  try {
    return buildIn(outdir);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

function buildIn(outdir: string): AslDefinition {
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new BenchmarkStack(app, 'WebOrdinaryBench', { target: WEBORDINARY_TARGET });
  const handlers = new Map<string, HandlerName>();
  for (const [name, fn] of Object.entries(stack.handlers.functions)) {
    if (isHandlerName(name)) handlers.set(stack.getLogicalId(fn.node.defaultChild as CfnElement), name);
  }
  const cfn = stack.workflow.stateMachine.node.defaultChild as CfnStateMachine;
  const text = joinTokens(stack.resolve(cfn.definitionString), handlers);
  const definition = JSON.parse(text) as AslDefinition;
  forEachState(definition, adaptTimeoutPath);
  return definition;
}

type JsonState = Record<string, unknown>;

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
function joinTokens(resolved: unknown, handlers: ReadonlyMap<string, HandlerName>): string {
  if (typeof resolved === 'string') return resolved;
  const join = (resolved as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) throw new Error(`unexpected definition shape: ${JSON.stringify(resolved).slice(0, 200)}`);
  const [separator, parts] = join;
  return parts.map((part) => placeholder(part, handlers)).join(separator);
}

function placeholder(part: unknown, handlers: ReadonlyMap<string, HandlerName>): string {
  if (typeof part === 'string') return part;
  const getAtt = (part as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
  if (getAtt) {
    const handler = handlers.get(getAtt[0]);
    return handler ? `${LOCAL_FUNCTION_PREFIX}${handler}` : `local-${getAtt[0]}-${getAtt[1]}`;
  }
  const ref = (part as { Ref?: string }).Ref;
  if (ref) return PSEUDO_PARAMETERS[ref] ?? `local-${ref}`;
  if ((part as { 'Fn::Join'?: unknown })['Fn::Join']) return joinTokens(part, handlers);
  throw new Error(`unexpected token in the definition: ${JSON.stringify(part)}`);
}
