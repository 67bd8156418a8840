import { randomBytes } from 'node:crypto';
import { AwsEndpointError } from './errors.js';
import { arn } from './ids.js';
import { Input } from './input.js';

const INVALID = 'ValidationException';

/** The error a task token's result rejects with after SendTaskFailure. */
export class TaskFailedError extends Error {
  override readonly cause: string | undefined;

  constructor(error: string, cause: string | undefined) {
    super(cause === undefined ? error : `${error}: ${cause}`);
    this.name = error;
    this.cause = cause;
  }
}

export interface IssuedToken {
  token: string;
  /** Resolves with the parsed `output` of SendTaskSuccess; rejects with a TaskFailedError on SendTaskFailure. */
  result: Promise<unknown>;
}

interface TokenState {
  status: 'open' | 'succeeded' | 'failed' | 'cancelled';
  resolve: (output: unknown) => void;
  reject: (error: Error) => void;
  lastHeartbeatAt?: number;
}

/**
 * Task tokens with Step Functions' callback semantics: a token is answered
 * once; answering it again, or after it was cancelled (the task timed out),
 * fails with TaskTimedOut; a token never issued fails with InvalidToken.
 */
export class SfnStore {
  readonly #tokens = new Map<string, TokenState>();
  #faults = 0;
  #faultType = 'ServiceUnavailable';

  /**
   * Test faults: the next `count` SendTaskSuccess / SendTaskFailure calls fail
   * with a 500 `errorType`, as the service does when it is unavailable or
   * throttles (the SDK retries them too), without answering the token.
   */
  failNextCallbacks(count: number, errorType = 'ServiceUnavailable'): void {
    this.#faults = count;
    this.#faultType = errorType;
  }

  readonly #machines = new Map<string, { name: string; createdAt: number; definition: string }>();

  /**
   * Registers a state machine by name (for `bench preflight`'s check, and the
   * report's DescribeStateMachine with the definition as deployed); returns its ARN.
   */
  defineStateMachine(name: string, definition = '{}'): string {
    const machineArn = arn('states', `stateMachine:${name}`);
    this.#machines.set(machineArn, { name, createdAt: Date.now(), definition });
    return machineArn;
  }

  describeStateMachine(body: unknown) {
    const input = new Input(body, INVALID);
    const machineArn = input.string('stateMachineArn');
    const machine = this.#machines.get(machineArn);
    if (machine === undefined)
      throw new AwsEndpointError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${machineArn}'`);
    return {
      stateMachineArn: machineArn,
      name: machine.name,
      status: 'ACTIVE',
      type: 'STANDARD',
      definition: machine.definition,
      roleArn: arn('iam', `role/${machine.name}`).replace(':us-east-1:', '::'),
      creationDate: machine.createdAt / 1000,
    };
  }

  issueToken(): IssuedToken {
    // Opaque and long, like real tokens, so nobody parses it.
    const token = `AQC${randomBytes(96).toString('base64')}`;
    let resolve!: (output: unknown) => void;
    let reject!: (error: Error) => void;
    const result = new Promise<unknown>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // The caller may race the result against a timeout and drop it; a failure then is not a crash.
    result.catch(() => undefined);
    this.#tokens.set(token, { status: 'open', resolve, reject });
    return { token, result };
  }

  /** Ends a token without settling its result (the task timed out); later callbacks get TaskTimedOut. */
  cancelToken(token: string): void {
    const state = this.#tokens.get(token);
    if (state?.status === 'open') state.status = 'cancelled';
  }

  /** The token's state, or undefined for a token never issued. */
  tokenStatus(token: string): { status: TokenState['status']; lastHeartbeatAt?: number } | undefined {
    const state = this.#tokens.get(token);
    if (state === undefined) return undefined;
    return state.lastHeartbeatAt === undefined
      ? { status: state.status }
      : { status: state.status, lastHeartbeatAt: state.lastHeartbeatAt };
  }

  sendTaskSuccess(body: unknown): Record<string, never> {
    const input = new Input(body, INVALID);
    const state = this.#open(input);
    const text = input.string('output');
    let output: unknown;
    try {
      output = JSON.parse(text);
    } catch (error) {
      throw new AwsEndpointError('InvalidOutput', `output is not valid JSON: ${(error as Error).message}`);
    }
    state.status = 'succeeded';
    state.resolve(output);
    return {};
  }

  sendTaskFailure(body: unknown): Record<string, never> {
    const input = new Input(body, INVALID);
    const state = this.#open(input);
    const error = input.optString('error') ?? 'States.TaskFailed';
    const cause = input.optString('cause');
    if (error.length > 256)
      throw new AwsEndpointError(INVALID, `error is ${error.length} characters, over 256`);
    if (cause !== undefined && cause.length > 32_768) {
      throw new AwsEndpointError(INVALID, `cause is ${cause.length} characters, over 32768`);
    }
    state.status = 'failed';
    state.reject(new TaskFailedError(error, cause));
    return {};
  }

  sendTaskHeartbeat(body: unknown): Record<string, never> {
    const state = this.#open(new Input(body, INVALID));
    state.lastHeartbeatAt = Date.now();
    return {};
  }

  #open(input: Input): TokenState {
    const token = input.string('taskToken');
    if (this.#faults > 0) {
      this.#faults -= 1;
      throw new AwsEndpointError(this.#faultType, 'injected fault: the callback failed', { statusCode: 500 });
    }
    const state = this.#tokens.get(token);
    if (state === undefined)
      throw new AwsEndpointError(
        'InvalidToken',
        `Invalid Token: task token ${token.slice(0, 16)}... was never issued`,
      );
    if (state.status !== 'open') {
      throw new AwsEndpointError(
        'TaskTimedOut',
        `Task Timed Out: task token ${token.slice(0, 16)}... is already ${state.status}`,
      );
    }
    return state;
  }
}
