import { PRICES, USAGE } from './prices.js';
import type { Profile } from './profile.js';
import type { CostItem, CostReport, Report, SessionReport, TargetCost } from './report-model.js';

/**
 * What the run cost: the harness's own AWS usage, counted from what the run
 * did (sessions sent, stages observed, scenarios, observer turns, metric
 * requests) at the list prices of core/prices.ts, plus the target's own cost
 * when the run captured it. An estimate: quantities follow the state machine
 * and handlers as lib/ builds them (core/prices.ts `USAGE`), not a bill.
 */

export interface CostInput {
  readonly profile: Pick<Profile, 'target' | 'scenarios'>;
  readonly sessions: readonly SessionReport[];
  /** Run start and end (epoch ms). */
  readonly startedAt: number;
  readonly finishedAt: number;
  /** PutMetricData requests the report sends (0 when publishing is off). */
  readonly metricRequests: number;
  /** Resource metrics read (GetMetricData), one per series point fetched. */
  readonly metricsRead: number;
  /**
   * What the target itself spent on this run's sessions, when its markers
   * captured it (e.g. WebOrdinary's `Task completed - Cost: $0.0712`); null
   * until then: the report then says it was not captured.
   */
  readonly target: TargetCost | null;
}

export function estimateCost(input: CostInput): CostReport {
  const { profile, sessions } = input;
  const sent = sessions.filter((s) => s.sentAt !== null).length;
  const observedStages = sessions.reduce((sum, s) => sum + Object.keys(s.stages).length, 0);
  const logStages = new Set(profile.target.stages.filter((s) => 'log' in s).map((s) => s.name));
  const logEvents = sessions.reduce(
    (sum, s) => sum + Object.keys(s.stages).filter((name) => logStages.has(name)).length,
    0,
  );
  const loadScenarios = profile.scenarios.filter((s) => s.type !== 'resources').length;
  const intervalSeconds = profile.target.observe?.intervalSeconds ?? 5;
  const runSeconds = Math.max(0, (input.finishedAt - input.startedAt) / 1_000);
  const observeTurns = Math.ceil(runSeconds / intervalSeconds);
  const s3Polls = s3StagePolls(profile, sessions, intervalSeconds);
  const { lambda } = USAGE;
  const gbSeconds =
    sent * USAGE.lambdaCallsPerSession * lambda.session.gib * lambda.session.seconds +
    logEvents * lambda.collector.gib * lambda.collector.seconds +
    observeTurns * lambda.observe.gib * lambda.observe.seconds +
    loadScenarios * lambda.scenario.gib * lambda.scenario.seconds +
    2 * lambda.run.gib * lambda.run.seconds;
  const ses = profile.target.trigger.type === 'ses';
  const items: CostItem[] = [
    item(
      'Step Functions',
      'state transitions',
      sent * USAGE.transitionsPerSession +
        loadScenarios * USAGE.transitionsPerScenario +
        observeTurns * USAGE.transitionsPerObserveTurn +
        USAGE.transitionsPerRun,
      PRICES.stepFunctionsPerTransition,
    ),
    item(
      'Lambda',
      'invocations',
      sent * USAGE.lambdaCallsPerSession + logEvents + observeTurns + loadScenarios + 2,
      PRICES.lambdaPerRequest,
    ),
    item('Lambda', 'GB-seconds', gbSeconds, PRICES.lambdaPerGbSecond),
    item(
      'DynamoDB',
      'write request units',
      sessions.length * USAGE.dynamoWritesPerSession +
        observedStages * USAGE.dynamoWritesPerStage +
        observeTurns * USAGE.dynamoWritesPerObserveTurn,
      PRICES.dynamoPerWrite,
    ),
    item(
      'DynamoDB',
      'read request units',
      sessions.length * USAGE.dynamoReadsPerSession +
        observedStages * USAGE.dynamoReadsPerStage +
        observeTurns * USAGE.dynamoReadsPerObserveTurn,
      PRICES.dynamoPerRead,
    ),
    ses
      ? item('SES', 'emails sent', sent, PRICES.sesPerEmail)
      : item('S3', 'emails dropped (PUT)', sent, PRICES.s3PerPut),
    item('S3', 'stage checks (GET/HEAD)', s3Polls, PRICES.s3PerGet),
    item('S3', 'reports written (PUT)', USAGE.reportPuts, PRICES.s3PerPut),
    item(
      'CloudWatch',
      'PutMetricData requests',
      input.metricRequests,
      PRICES.cloudWatchPerPutMetricDataRequest,
    ),
    item(
      'CloudWatch',
      'metrics read (GetMetricData)',
      input.metricsRead,
      PRICES.cloudWatchPerMetricRequested,
    ),
  ].filter((i) => i.quantity > 0);
  const harness = items.reduce((sum, i) => sum + i.amount, 0);
  return {
    currency: PRICES.currency,
    region: PRICES.region,
    pricesAsOf: PRICES.asOf,
    harness: { total: harness, items },
    target: input.target,
    total: harness + (input.target?.total ?? 0),
  };
}

function item(service: string, what: string, quantity: number, unitPrice: number): CostItem {
  const rounded = Math.round(quantity * 1_000) / 1_000;
  return { service, what, quantity: rounded, unitPrice, amount: rounded * unitPrice };
}

/** S3 stages are polled once per interval per open session until they are seen (or for the whole session when never seen). */
function s3StagePolls(
  profile: Pick<Profile, 'target'>,
  sessions: readonly SessionReport[],
  intervalSeconds: number,
): number {
  const s3Stages = profile.target.stages.filter((s) => 's3' in s).map((s) => s.name);
  if (s3Stages.length === 0) return 0;
  const timeoutMs = (profile.target.sessionTimeoutSeconds ?? 600) * 1_000;
  let polls = 0;
  for (const session of sessions) {
    if (session.sentAt === null) continue;
    for (const stage of s3Stages) {
      const seen = Object.hasOwn(session.stages, stage) ? session.stages[stage]! - session.sentAt : timeoutMs;
      polls += Math.max(1, Math.ceil(Math.max(0, seen) / 1_000 / intervalSeconds));
    }
  }
  return polls;
}

/** The cost of a finished report (before its `cost` is set): what it did, and what publishing it sends. */
export function reportCost(
  report: Report,
  profile: Pick<Profile, 'target' | 'scenarios' | 'publish'>,
  extra: { readonly metricsRead: number; readonly target: TargetCost | null },
): CostReport {
  return estimateCost({
    profile,
    sessions: report.sessions,
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    metricRequests: profile.publish.cloudwatch ? metricRequests(report) : 0,
    metricsRead: extra.metricsRead,
    target: extra.target,
  });
}

/**
 * About how many PutMetricData requests publishing the report takes
 * (core/metric-data.ts): per scenario and `all`, one datum per 150 values of
 * each duration metric plus the counts, 1,000 datums a request. Counted,
 * not built: building them twice would double the report's cost in time.
 */
function metricRequests(report: Report): number {
  const groups = [...report.scenarios, report.overall];
  let datums = 0;
  for (const group of groups) {
    const counts = [...Object.values(group.stages), group.total, group.lateness].map((s) => s?.count ?? 0);
    datums += counts.reduce((sum, n) => sum + Math.ceil(n / 150), 0) + 5;
  }
  return Math.max(1, Math.ceil(datums / 1_000));
}
