import './polyfills.js';
import {
  DescribeServicesCommand,
  type ECSClient,
  ListTasksCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';

/**
 * Runs the CDK-rendered definition with aws-local-stepfunctions. Lambda tasks
 * call the same handlers that run in AWS; `.waitForTaskToken` tasks get a real
 * token and park until SendTaskSuccess / SendTaskFailure reaches the local
 * Step Functions endpoint; `aws-sdk:ecs:*` tasks call the local ECS endpoint
 * with the parameter and result casing Step Functions uses; `s3:getObject`
 * tasks (the local stand-in for a Distributed Map's ItemReader) read the local
 * S3. Each Lambda handler runs under its configured timeout, as on AWS.
 */

export type Handler = (event: unknown) => Promise<unknown>;

export interface TaskTokens {
  issueToken(): { token: string; result: Promise<unknown> };
}

export interface RunStateMachineOptions {
  readonly definition: object;
  readonly input: unknown;
  readonly executionName: string;
  readonly handlerOf: (functionName: string) => string | undefined;
  readonly handlers: Readonly<Record<string, Handler>>;
  readonly tokens: TaskTokens;
  readonly ecs: () => ECSClient;
  readonly s3: () => S3Client;
  /** A handler's configured Lambda timeout in seconds. */
  readonly timeoutSecondsOf: (handler: string) => number;
  readonly onStateEvent?: (event: { type: string; state?: string; error?: string }) => void;
  /** Stops the execution (an emulator died, the CLI was interrupted): it fails with the signal's reason. */
  readonly signal?: AbortSignal;
  /** `$$.StateMachine.Id`: the ARN the local Step Functions endpoint knows the definition by. */
  readonly stateMachineArn?: string;
}

export type ExecutionOutcome =
  | { readonly status: 'SUCCEEDED'; readonly output: unknown }
  | { readonly status: 'FAILED'; readonly error: string; readonly cause: string };

const TOKEN_PLACEHOLDER = '__LOCAL_TASK_TOKEN__';

interface TaskState {
  readonly Type: 'Task';
  readonly Resource: string;
}

export async function runStateMachine(options: RunStateMachineOptions): Promise<ExecutionOutcome> {
  const definition = options.definition as StateMachineDefinition;
  const overrides: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const [name, state] of taskStates(definition)) overrides[name] = taskOverride(state, options);

  const machine = new StateMachine(definition, { validationOptions: { checkArn: false } });
  const startTime = new Date().toISOString();
  const execution = machine.run(options.input as never, {
    overrides: { taskResourceLocalHandlers: overrides as never },
    context: {
      Execution: {
        Id: `local:${options.executionName}`,
        Name: options.executionName,
        StartTime: startTime,
        Input: options.input,
      },
      StateMachine: { Id: options.stateMachineArn ?? 'local:WebOrdinaryBench', Name: 'WebOrdinaryBench' },
      Task: { Token: TOKEN_PLACEHOLDER },
    } as never,
  });
  const abort = () => execution.abort();
  options.signal?.addEventListener('abort', abort, { once: true });
  if (options.signal?.aborted) abort();
  const watch = options.onStateEvent
    ? followEvents(execution.eventLogs, options.onStateEvent)
    : Promise.resolve();
  try {
    const output = await execution.result;
    return { status: 'SUCCEEDED', output };
  } catch (error) {
    if (options.signal?.aborted) {
      const reason = options.signal.reason as { name?: string; message?: string } | undefined;
      return { status: 'FAILED', error: reason?.name ?? 'Aborted', cause: reason?.message ?? String(reason) };
    }
    const failure = error as Error & { cause?: unknown };
    const inner = (failure.cause ?? failure) as Error & { cause?: unknown };
    return {
      status: 'FAILED',
      error: inner.name ?? 'States.Runtime',
      cause: typeof inner.cause === 'string' ? inner.cause : (inner.message ?? ''),
    };
  } finally {
    options.signal?.removeEventListener('abort', abort);
    await watch.catch(() => undefined);
  }
}

async function followEvents(
  events: AsyncGenerator<unknown>,
  listener: NonNullable<RunStateMachineOptions['onStateEvent']>,
): Promise<void> {
  for await (const raw of events) {
    const event = raw as { type: string; state?: { name: string }; Error?: string };
    listener({
      type: event.type,
      ...(event.state ? { state: event.state.name } : {}),
      ...(event.Error ? { error: event.Error } : {}),
    });
  }
}

/** Every Task state, including those inside Parallel branches and Map processors. */
function* taskStates(definition: { States: Record<string, unknown> }): Generator<[string, TaskState]> {
  for (const [name, raw] of Object.entries(definition.States)) {
    const state = raw as { Type: string; Branches?: unknown[]; ItemProcessor?: unknown; Iterator?: unknown };
    if (state.Type === 'Task') yield [name, state as TaskState];
    for (const branch of state.Branches ?? [])
      yield* taskStates(branch as { States: Record<string, unknown> });
    const processor = state.ItemProcessor ?? state.Iterator;
    if (processor) yield* taskStates(processor as { States: Record<string, unknown> });
  }
}

function taskOverride(
  state: TaskState,
  options: RunStateMachineOptions,
): (input: unknown) => Promise<unknown> {
  const resource = state.Resource;
  if (
    resource.endsWith(':states:::lambda:invoke') ||
    resource.endsWith(':states:::lambda:invoke.waitForTaskToken')
  ) {
    const callback = resource.endsWith('.waitForTaskToken');
    return async (input) => {
      const { FunctionName, Payload } = input as { FunctionName: string; Payload: unknown };
      const name = options.handlerOf(FunctionName);
      const handler = name === undefined ? undefined : options.handlers[name];
      if (name === undefined || !handler)
        throw new Error(`no local handler for Lambda function ${FunctionName}`);
      const timeoutMs = options.timeoutSecondsOf(name) * 1000;
      if (!callback)
        return {
          StatusCode: 200,
          ExecutedVersion: '$LATEST',
          Payload: await invoke(handler, Payload, timeoutMs),
        };
      const { token, result } = options.tokens.issueToken();
      await invoke(handler, replaceToken(Payload, token), timeoutMs);
      return result;
    };
  }
  if (resource.endsWith(':states:::s3:getObject')) {
    return async (input) => {
      const { Bucket, Key } = input as { Bucket: string; Key: string };
      try {
        const object = await options.s3().send(new GetObjectCommand({ Bucket, Key }));
        return JSON.parse((await object.Body?.transformToString()) ?? 'null') as unknown;
      } catch (error) {
        const e = error as Error;
        throw namedError('States.ItemReaderFailed', `s3://${Bucket}/${Key}: ${e.name}: ${e.message}`);
      }
    };
  }
  const sdk = /:states:::aws-sdk:ecs:(\w+)$/.exec(resource);
  if (sdk?.[1]) {
    const action = sdk[1];
    return async (input) => {
      try {
        const params = camelKeys(input) as never;
        const command =
          action === 'updateService'
            ? new UpdateServiceCommand(params)
            : action === 'describeServices'
              ? new DescribeServicesCommand(params)
              : action === 'listTasks'
                ? new ListTasksCommand(params)
                : undefined;
        if (!command) throw new Error(`local mode has no ECS action ${action}`);
        const { $metadata: _metadata, ...output } = (await options
          .ecs()
          .send(command as never)) as unknown as Record<string, unknown>;
        return pascalKeys(output);
      } catch (error) {
        const e = error as Error;
        throw namedError(e.name.startsWith('Ecs.') ? e.name : `Ecs.${e.name}`, e.message);
      }
    };
  }
  return async () => {
    throw new Error(`local mode cannot run Task resource ${resource}`);
  };
}

/**
 * Calls a handler the way the Lambda runtime reports its errors to Step
 * Functions, under its configured timeout: a handler still running then fails
 * the task with `Sandbox.Timedout`, as on AWS (the local call itself cannot be
 * frozen; its result is ignored).
 */
async function invoke(handler: Handler, payload: unknown, timeoutMs: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const seconds = (timeoutMs / 1000).toFixed(2);
      const message = `Task timed out after ${seconds} seconds`;
      reject(namedError('Sandbox.Timedout', JSON.stringify({ errorMessage: message })));
    }, timeoutMs);
  });
  try {
    // A JSON round trip, as over the wire: no shared objects between states.
    const result = await Promise.race([handler(JSON.parse(JSON.stringify(payload ?? null))), timedOut]);
    return result === undefined ? null : JSON.parse(JSON.stringify(result));
  } catch (error) {
    if ((error as Error).name === 'Sandbox.Timedout') throw error;
    const e = error as Error;
    throw namedError(e.name || 'Error', JSON.stringify({ errorType: e.name, errorMessage: e.message }));
  } finally {
    clearTimeout(timer);
  }
}

function namedError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

function replaceToken(value: unknown, token: string): unknown {
  if (value === TOKEN_PLACEHOLDER) return token;
  if (Array.isArray(value)) return value.map((v) => replaceToken(v, token));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceToken(v, token)]));
  }
  return value;
}

function mapKeys(value: unknown, rename: (key: string) => string): unknown {
  if (Array.isArray(value)) return value.map((v) => mapKeys(v, rename));
  if (value instanceof Date) return value.toISOString();
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [rename(k), mapKeys(v, rename)]));
  }
  return value;
}

const camelKeys = (value: unknown) => mapKeys(value, (k) => k.charAt(0).toLowerCase() + k.slice(1));
const pascalKeys = (value: unknown) => mapKeys(value, (k) => k.charAt(0).toUpperCase() + k.slice(1));
