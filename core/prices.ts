/**
 * The AWS list prices the cost estimate uses (core/cost.ts), in one place,
 * with their region and the date they were read. On-demand prices, no free
 * tier. Update the table (and `asOf`) when AWS changes them; the report says
 * which table it used.
 */
export const PRICES = {
  region: 'us-east-1',
  currency: 'USD',
  /** When these list prices were read from the AWS pricing pages. */
  asOf: '2024-11-15',
  stepFunctionsPerTransition: 0.025 / 1_000,
  lambdaPerRequest: 0.2 / 1_000_000,
  /** x86, per GB-second. */
  lambdaPerGbSecond: 0.0000166667,
  /** On-demand, per write / read request unit (prices of 2024-11-01). */
  dynamoPerWrite: 0.625 / 1_000_000,
  dynamoPerRead: 0.125 / 1_000_000,
  sesPerEmail: 0.1 / 1_000,
  s3PerPut: 0.005 / 1_000,
  s3PerGet: 0.0004 / 1_000,
  cloudWatchPerPutMetricDataRequest: 0.01 / 1_000,
  /** GetMetricData, per metric requested. */
  cloudWatchPerMetricRequested: 0.01 / 1_000,
} as const;

/**
 * What the harness does per unit of work, as lib/ builds it: these turn the
 * report's counts into billable quantities. Lambda memory sizes are those of
 * lib/handlers-construct.ts; durations are typical warm invocations.
 */
export const USAGE = {
  /** State transitions of one session iteration (wait, trigger, await with its callback, finalize, the choices between). */
  transitionsPerSession: 8,
  /** Per scenario: start, the Parallel, the observer's set-up and exit, the scenario loop. */
  transitionsPerScenario: 12,
  /** One observer loop turn: wait, observe, "all sessions done?". */
  transitionsPerObserveTurn: 3,
  /** prepare, report, and the run's own states. */
  transitionsPerRun: 10,
  /** Lambda invocations: (memory GiB, seconds) per call. */
  lambda: {
    session: { gib: 0.25, seconds: 0.15 },
    collector: { gib: 0.5, seconds: 0.05 },
    observe: { gib: 0.5, seconds: 0.3 },
    scenario: { gib: 0.5, seconds: 0.3 },
    run: { gib: 1, seconds: 2 },
  },
  /** Session Lambda calls: trigger, await, finalize. */
  lambdaCallsPerSession: 3,
  /** DynamoDB per session: plan put, sent, token, finalize (writes); reads by await, finalize, the collector. */
  dynamoWritesPerSession: 4,
  dynamoReadsPerSession: 4,
  /** Per observed stage: the conditional write of its time, and the collector's look-ups. */
  dynamoWritesPerStage: 1,
  dynamoReadsPerStage: 2,
  /** Per observer turn: reading the open sessions (about one read unit per 4 KB page), writing a task sample. */
  dynamoReadsPerObserveTurn: 2,
  dynamoWritesPerObserveTurn: 1,
  /** report.json, report.md, report.html. */
  reportPuts: 3,
} as const;
