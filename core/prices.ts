/**
 * The AWS list prices every cost figure uses (the run's estimate in
 * core/cost.ts, the harness cost model in core/harness-cost-model.ts), in one
 * place: each with its unit, for one region (us-east-1, N. Virginia; other
 * regions differ by a few percent), read from the AWS pricing pages on the
 * date `asOf`. On-demand prices, first tier, no free tier. Update the table
 * (and `asOf`) when AWS changes them; the report and `bench validate` say
 * which table they used.
 */
export const PRICE_TABLE = {
  region: 'us-east-1',
  currency: 'USD',
  /** When these list prices were read from the AWS pricing pages. */
  asOf: '2024-11-15',
  prices: {
    stepFunctionsPerTransition: { usd: 0.025 / 1_000, unit: 'state transition, Standard workflow' },
    lambdaPerRequest: { usd: 0.2 / 1_000_000, unit: 'Lambda request' },
    /** The stack's functions are arm64 (lib/handlers-construct.ts); x86 is 0.0000166667. */
    lambdaPerGbSecond: { usd: 0.0000133334, unit: 'Lambda GB-second, arm64' },
    /** On-demand, after the price cut of 2024-11-01. */
    dynamoPerWrite: { usd: 0.625 / 1_000_000, unit: 'DynamoDB write request unit, on-demand' },
    dynamoPerRead: { usd: 0.125 / 1_000_000, unit: 'DynamoDB read request unit, on-demand' },
    sesPerEmail: { usd: 0.1 / 1_000, unit: 'SES outbound message' },
    s3PerPut: { usd: 0.005 / 1_000, unit: 'S3 PUT/COPY/POST/LIST request, Standard' },
    s3PerGet: { usd: 0.0004 / 1_000, unit: 'S3 GET/HEAD request, Standard' },
    cloudWatchPerPutMetricDataRequest: { usd: 0.01 / 1_000, unit: 'CloudWatch PutMetricData request' },
    cloudWatchPerMetricRequested: { usd: 0.01 / 1_000, unit: 'CloudWatch GetMetricData metric requested' },
    /**
     * CloudWatch Logs bills ingestion, storage and Logs Insights scans, not
     * FilterLogEvents calls (the harness's poll mode), and a subscription's
     * delivery to the collector is free: counted, priced at 0.
     */
    logsPerFilterLogEvents: { usd: 0, unit: 'CloudWatch Logs FilterLogEvents request (not billed)' },
  },
} as const;

export type PriceKey = keyof typeof PRICE_TABLE.prices;

/** The prices as plain numbers (USD per unit), with the table's region and date. */
export const PRICES = {
  region: PRICE_TABLE.region,
  currency: PRICE_TABLE.currency,
  asOf: PRICE_TABLE.asOf,
  ...(Object.fromEntries(
    Object.entries(PRICE_TABLE.prices).map(([key, price]) => [key, price.usd]),
  ) as Record<PriceKey, number>),
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
