import { PRICES } from './prices.js';
import type { CostItem } from './report-model.js';

/**
 * What the harness used of AWS, in billable quantities: the same shape for the
 * cost model's prediction (core/harness-cost-model.ts) and a run's measured
 * counts (local mode counts every call), priced by one function at the table
 * of core/prices.ts.
 */
export interface HarnessUsage {
  /** Standard workflow state transitions, parent and child executions together. */
  readonly transitions: number;
  /** Per handler: invocations and the seconds they ran (billed duration, summed). */
  readonly lambda: Readonly<Record<string, { readonly invocations: number; readonly seconds: number }>>;
  readonly dynamoReadUnits: number;
  readonly dynamoWriteUnits: number;
  readonly sesMessages: number;
  readonly s3Puts: number;
  /** GET and HEAD (ItemReader, S3 stage checks). */
  readonly s3Gets: number;
  readonly putMetricDataRequests: number;
  readonly getMetricDataMetrics: number;
  readonly filterLogEventsRequests: number;
}

export const NO_USAGE: HarnessUsage = {
  transitions: 0,
  lambda: {},
  dynamoReadUnits: 0,
  dynamoWriteUnits: 0,
  sesMessages: 0,
  s3Puts: 0,
  s3Gets: 0,
  putMetricDataRequests: 0,
  getMetricDataMetrics: 0,
  filterLogEventsRequests: 0,
};

/** Memory (MiB) of each handler, as the stack sizes them (lib/handlers-construct.ts). */
export type HandlerMemory = Readonly<Record<string, number>>;

export function lambdaTotals(
  usage: HarnessUsage,
  memoryMiB: HandlerMemory,
): { invocations: number; gbSeconds: number } {
  let invocations = 0;
  let gbSeconds = 0;
  for (const [handler, { invocations: n, seconds }] of Object.entries(usage.lambda)) {
    const memory = memoryMiB[handler];
    if (memory === undefined) throw new Error(`no memory size for handler ${handler}`);
    invocations += n;
    gbSeconds += (memory / 1024) * seconds;
  }
  return { invocations, gbSeconds };
}

/** The usage priced, one line per billable quantity (zero lines left out). */
export function priceUsage(usage: HarnessUsage, memoryMiB: HandlerMemory): CostItem[] {
  const { invocations, gbSeconds } = lambdaTotals(usage, memoryMiB);
  return [
    item('Step Functions', 'state transitions', usage.transitions, PRICES.stepFunctionsPerTransition),
    item('Lambda', 'invocations', invocations, PRICES.lambdaPerRequest),
    item('Lambda', 'GB-seconds (arm64)', gbSeconds, PRICES.lambdaPerGbSecond),
    item('DynamoDB', 'write request units', usage.dynamoWriteUnits, PRICES.dynamoPerWrite),
    item('DynamoDB', 'read request units', usage.dynamoReadUnits, PRICES.dynamoPerRead),
    item('SES', 'emails sent', usage.sesMessages, PRICES.sesPerEmail),
    item('S3', 'PUT requests', usage.s3Puts, PRICES.s3PerPut),
    item('S3', 'GET/HEAD requests', usage.s3Gets, PRICES.s3PerGet),
    item(
      'CloudWatch',
      'PutMetricData requests',
      usage.putMetricDataRequests,
      PRICES.cloudWatchPerPutMetricDataRequest,
    ),
    item(
      'CloudWatch',
      'GetMetricData metrics',
      usage.getMetricDataMetrics,
      PRICES.cloudWatchPerMetricRequested,
    ),
    item(
      'CloudWatch Logs',
      'FilterLogEvents requests',
      usage.filterLogEventsRequests,
      PRICES.logsPerFilterLogEvents,
    ),
  ].filter((i) => i.quantity > 0);
}

/** The quantity of the usage each line of {@link priceUsage} prices, by `service|what`. */
export const ITEM_COUNTS: Readonly<Record<string, keyof HarnessUsage>> = {
  'Step Functions|state transitions': 'transitions',
  'Lambda|invocations': 'lambda',
  'Lambda|GB-seconds (arm64)': 'lambda',
  'DynamoDB|write request units': 'dynamoWriteUnits',
  'DynamoDB|read request units': 'dynamoReadUnits',
  'SES|emails sent': 'sesMessages',
  'S3|PUT requests': 's3Puts',
  'S3|GET/HEAD requests': 's3Gets',
  'CloudWatch|PutMetricData requests': 'putMetricDataRequests',
  'CloudWatch|GetMetricData metrics': 'getMetricDataMetrics',
  'CloudWatch Logs|FilterLogEvents requests': 'filterLogEventsRequests',
};

export function item(service: string, what: string, quantity: number, unitPrice: number): CostItem {
  const rounded = Math.round(quantity * 1_000) / 1_000;
  return { service, what, quantity: rounded, unitPrice, amount: rounded * unitPrice };
}

export function sumItems(items: readonly CostItem[]): number {
  return items.reduce((sum, i) => sum + i.amount, 0);
}

/** Adds usages (and scales one: `times`). */
export function addUsage(a: HarnessUsage, b: HarnessUsage, times = 1): HarnessUsage {
  const lambda: Record<string, { invocations: number; seconds: number }> = {};
  for (const [handler, v] of Object.entries(a.lambda)) lambda[handler] = { ...v };
  for (const [handler, v] of Object.entries(b.lambda)) {
    const into = lambda[handler] ?? { invocations: 0, seconds: 0 };
    lambda[handler] = {
      invocations: into.invocations + v.invocations * times,
      seconds: into.seconds + v.seconds * times,
    };
  }
  return {
    transitions: a.transitions + b.transitions * times,
    lambda,
    dynamoReadUnits: a.dynamoReadUnits + b.dynamoReadUnits * times,
    dynamoWriteUnits: a.dynamoWriteUnits + b.dynamoWriteUnits * times,
    sesMessages: a.sesMessages + b.sesMessages * times,
    s3Puts: a.s3Puts + b.s3Puts * times,
    s3Gets: a.s3Gets + b.s3Gets * times,
    putMetricDataRequests: a.putMetricDataRequests + b.putMetricDataRequests * times,
    getMetricDataMetrics: a.getMetricDataMetrics + b.getMetricDataMetrics * times,
    filterLogEventsRequests: a.filterLogEventsRequests + b.filterLogEventsRequests * times,
  };
}
