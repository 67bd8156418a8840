import { addUsage, type HarnessUsage, NO_USAGE } from '../../core/harness-usage.js';
import type { Handler } from './state-machine.js';

/**
 * Counts what a local run really uses of the billable services, the way AWS
 * would bill it: every Lambda invocation with its duration (rounded up to the
 * millisecond), every state entered or retried in the execution and its Map
 * iterations (the local stand-in for an ItemReader is not a state on AWS and
 * is left out), and every call the handlers make: DynamoDB read and write
 * units as the emulator reports them (ReturnConsumedCapacity), SES sends, S3
 * requests, CloudWatch and CloudWatch Logs requests. The runner's own reads
 * (the session snapshot it keeps for a partial report, progress) go through
 * the same client and are counted with them: telling them apart per call (an
 * AsyncLocalStorage, or the call's stack) slows the handlers enough on Node 20
 * to make the sends of a burst of 100 time out.
 */
type Counts = Omit<HarnessUsage, 'lambda'> & { -readonly [K in keyof Omit<HarnessUsage, 'lambda'>]: number };

function newCounts(): Counts {
  const { lambda: _lambda, ...counts } = NO_USAGE;
  return { ...counts };
}

export class UsageMeter {
  private readonly lambda = new Map<string, { invocations: number; seconds: number }>();
  private counts: Counts = newCounts();

  /** The handler, counted: each call an invocation, its wall time its billed duration. */
  wrap(name: string, handler: Handler): Handler {
    return (event) => {
      const started = performance.now();
      const done = () => {
        const entry = this.lambda.get(name) ?? { invocations: 0, seconds: 0 };
        entry.invocations += 1;
        entry.seconds += Math.max(1, Math.ceil(performance.now() - started)) / 1_000;
        this.lambda.set(name, entry);
      };
      return handler(event).finally(done);
    };
  }

  wrapAll(handlers: Readonly<Record<string, Handler>>): Record<string, Handler> {
    return Object.fromEntries(Object.entries(handlers).map(([name, h]) => [name, this.wrap(name, h)]));
  }

  /**
   * A listener for the execution's events: a state entered, or a retry of it,
   * is a transition. `standIns` are the local ItemReader stand-ins, not billed.
   */
  stateEvents(standIns: ReadonlySet<string>): (event: { type: string; state?: string }) => void {
    return (event) => {
      if (event.type !== 'StateEntered' && event.type !== 'StateRetried') return;
      if (event.state !== undefined && standIns.has(event.state)) return;
      this.counts.transitions += 1;
    };
  }

  /** Counts the calls of the handlers' SDK clients (lambdas/shared/clients.ts). */
  attach(clients: {
    readonly dynamo: MeteredClient;
    readonly s3: MeteredClient;
    readonly ses: MeteredClient;
    readonly logs: MeteredClient;
    readonly cloudwatch: MeteredClient;
  }): void {
    this.meter(clients.dynamo, 'dynamo', (command, input, output, failed) => {
      if (!failed) input.ReturnConsumedCapacity ??= 'TOTAL';
      if (output === undefined && !failed) return;
      const units = failed ? 1 : consumedUnits(output?.ConsumedCapacity);
      if (/^(Get|BatchGet|Query|Scan)/.test(command)) this.add('dynamoReadUnits', units);
      else this.add('dynamoWriteUnits', units);
    });
    this.meter(clients.s3, 's3', (command, _input, output, failed) => {
      if (output === undefined && !failed) return;
      if (/^(Get|Head)Object/.test(command)) this.add('s3Gets', 1);
      else if (/^(Put|Copy|List|Delete)/.test(command)) this.add('s3Puts', 1);
    });
    this.meter(clients.ses, 'ses', (command, _input, output, failed) => {
      if (output !== undefined && !failed && /^Send(Raw)?Email/.test(command)) this.add('sesMessages', 1);
    });
    this.meter(clients.logs, 'logs', (command, _input, output, failed) => {
      if ((output !== undefined || failed) && command.startsWith('FilterLogEvents'))
        this.add('filterLogEventsRequests', 1);
    });
    this.meter(clients.cloudwatch, 'cloudwatch', (command, input, output, failed) => {
      if (output === undefined && !failed) return;
      if (command.startsWith('PutMetricData')) this.add('putMetricDataRequests', 1);
      if (command.startsWith('GetMetricData'))
        this.add('getMetricDataMetrics', ((input.MetricDataQueries as unknown[] | undefined) ?? []).length);
    });
  }

  /** Adds what was counted elsewhere (the collector's instance processes) to this meter's counts. */
  include(usage: HarnessUsage): void {
    const { lambda, ...counts } = addUsage(this.usage(), usage);
    this.counts = counts;
    this.lambda.clear();
    for (const [name, entry] of Object.entries(lambda)) this.lambda.set(name, { ...entry });
  }

  usage(): HarnessUsage {
    return { ...this.counts, lambda: Object.fromEntries(this.lambda) };
  }

  /** Per handler: its invocations and the seconds they ran. */
  handlerCounts(): Record<string, Record<string, number>> {
    return Object.fromEntries([...this.lambda].map(([handler, lambda]) => [handler, { ...lambda }]));
  }

  private add(what: keyof Counts, n: number): void {
    this.counts[what] += n;
  }

  /**
   * Calls `count` twice per request: before it is sent
   * (output undefined: the input may be amended) and after (its output, or failed).
   */
  private meter(
    client: MeteredClient,
    name: string,
    count: (
      command: string,
      input: Record<string, unknown>,
      output: Output | undefined,
      failed: boolean,
    ) => void,
  ): void {
    const step = `benchUsageMeter-${name}`;
    const stack = client.middlewareStack as Stack;
    stack.remove(step);
    stack.add(
      (next, context) => async (args) => {
        const command = (context as { commandName?: string }).commandName ?? '';
        const input = (args as { input: Record<string, unknown> }).input;
        const counted = (output: Output | undefined, failed: boolean) =>
          count(command, input, output, failed);
        counted(undefined, false);
        try {
          const result = await next(args);
          counted((result as { output: Output }).output, false);
          return result;
        } catch (error) {
          counted(undefined, true);
          throw error;
        }
      },
      { step: 'initialize', name: step },
    );
  }
}

type Output = { readonly ConsumedCapacity?: unknown } & Record<string, unknown>;

/** An SDK v3 client: the meter adds a step to its middleware stack. */
export interface MeteredClient {
  readonly middlewareStack: unknown;
}

interface Stack {
  add(
    middleware: (
      next: (args: unknown) => Promise<unknown>,
      context: unknown,
    ) => (args: unknown) => Promise<unknown>,
    options: { step: 'initialize'; name: string },
  ): void;
  remove(name: string): boolean;
}

/** ConsumedCapacity of one call: an object, or an array (batch operations); at least one unit. */
function consumedUnits(consumed: unknown): number {
  const list = Array.isArray(consumed) ? consumed : consumed ? [consumed] : [];
  const units = list.reduce(
    (sum: number, c) => sum + ((c as { CapacityUnits?: number }).CapacityUnits ?? 0),
    0,
  );
  return units > 0 ? units : 1;
}
