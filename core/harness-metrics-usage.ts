import type { HarnessMetricRequest, QueryMeaning } from './harness-metrics.js';
import { type HarnessUsage, NO_USAGE } from './harness-usage.js';

/** One result of GetMetricData (the SDK's MetricDataResult, only what is read here). */
export interface MetricAnswer {
  readonly Id?: string | undefined;
  readonly Values?: readonly number[] | undefined;
  /** Complete, PartialData (more pages), InternalError, Forbidden. */
  readonly StatusCode?: string | undefined;
}

/** What the run counted itself, exactly: no metric needed. */
export interface CountedUsage {
  /** Emails the sessions sent (their records): 0 for an s3-eml trigger. */
  readonly sesMessages: number;
  /** S3 PUTs the harness made and knows of: the report's files, an s3-eml trigger's emails. */
  readonly s3Puts: number;
  /** PutMetricData requests the report sends (or sent, for a rebuild). */
  readonly putMetricDataRequests: number;
  /** Metrics the report requested with GetMetricData (this read included). */
  readonly getMetricDataMetrics: number;
}

export interface MetricsUsageInput {
  readonly request: HarnessMetricRequest;
  /** The answer, pages merged; null when the call failed. */
  readonly answers: readonly MetricAnswer[] | null;
  /** Why the call failed (answers null). */
  readonly failure?: string;
  /**
   * The prediction's transitions and child executions, to turn measured
   * executions into transitions; null when there is no prediction.
   */
  readonly prediction: {
    readonly transitions: number;
    readonly children: { readonly executions: number; readonly transitions: number };
    readonly observer: { readonly passes: number; readonly transitionsPerPass: number };
  } | null;
  readonly counted: CountedUsage;
  /** The profile polls logs (FilterLogEvents): counted nowhere on AWS. */
  readonly pollMode: boolean;
}

export type UsageKey = keyof HarnessUsage;

export interface MetricsUsage {
  /** The quantities; a key in `unmeasured` holds 0 that is no measurement. */
  readonly usage: HarnessUsage;
  /** Quantities not measured (their reasons are in `notMeasured`). */
  readonly unmeasured: readonly UsageKey[];
  /** Quantities derived from measured ones, each with how. */
  readonly estimated: Readonly<Partial<Record<UsageKey, string>>>;
  /** What was not measured, and why, in words. */
  readonly notMeasured: readonly string[];
  /** Per handler: invocations and seconds, as CloudWatch answered. */
  readonly byHandler: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** AWS/SES Send over the window (account-wide); null without datapoints. */
  readonly sesSendMetric: number | null;
}

type Series = { readonly sum: number; readonly partial: boolean } | { readonly missing: string };

/**
 * Turns the answer of the harness's GetMetricData call into the run's
 * billable quantities. A series without datapoints is not a zero: nothing
 * was published for the window (no use, or not yet: CloudWatch publishes these
 * metrics minutes late), and the quantity is reported as not measured.
 * Step Functions publishes no metric of state transitions: they are estimated
 * from the measured executions with the definition's transitions per
 * execution (the prediction's), and labelled so.
 */
export function usageFromMetrics(input: MetricsUsageInput): MetricsUsage {
  const { request, counted } = input;
  const series = new Map<string, Series>();
  for (const [id, meaning] of Object.entries(request.meanings)) {
    series.set(id, readSeries(id, meaning, input));
  }
  const of = (kind: QueryMeaning['kind'], handler?: string): Series => {
    for (const [id, meaning] of Object.entries(request.meanings)) {
      if (
        meaning.kind === kind &&
        (handler === undefined || ('handler' in meaning && meaning.handler === handler))
      )
        return series.get(id) as Series;
    }
    return { missing: `no ${kind} query` };
  };
  const unmeasured = new Set<UsageKey>();
  const notMeasured: string[] = [];
  const estimated: Partial<Record<UsageKey, string>> = {};
  const partial: string[] = [];
  const value = (s: Series, what: string): number | null => {
    if ('missing' in s) return null;
    if (s.partial) partial.push(what);
    return s.sum;
  };

  // Lambda, per handler.
  const lambda: Record<string, { invocations: number; seconds: number }> = {};
  const silent: string[] = [];
  const handlers = [
    ...new Set(Object.values(request.meanings).flatMap((m) => ('handler' in m ? [m.handler] : []))),
  ].sort();
  for (const handler of handlers) {
    const invocations = value(of('lambdaInvocations', handler), `Lambda ${handler} invocations`);
    const durationMs = value(of('lambdaDuration', handler), `Lambda ${handler} duration`);
    if (invocations === null) {
      silent.push(handler);
      continue;
    }
    if (durationMs === null)
      notMeasured.push(`Lambda ${handler}: duration (no Duration datapoints beside its invocations)`);
    lambda[handler] = { invocations, seconds: (durationMs ?? 0) / 1_000 };
  }
  if (silent.length > 0) {
    notMeasured.push(
      `Lambda ${silent.join(', ')}: no datapoints in the window (not invoked, or not yet published)`,
    );
  }
  if (handlers.length > 0 && silent.length === handlers.length) unmeasured.add('lambda');

  // DynamoDB.
  const reads = value(of('dynamoRead'), 'DynamoDB read units');
  const writes = value(of('dynamoWrite'), 'DynamoDB write units');
  for (const [key, units, what] of [
    ['dynamoReadUnits', reads, 'read'],
    ['dynamoWriteUnits', writes, 'write'],
  ] as const) {
    if (units !== null) continue;
    unmeasured.add(key);
    notMeasured.push(`DynamoDB ${what} units: ${reason(of(what === 'read' ? 'dynamoRead' : 'dynamoWrite'))}`);
  }

  // Step Functions: executions measured, transitions estimated.
  const parents = value(of('parentExecutions'), 'parent executions');
  const children = value(of('childExecutions'), 'child executions');
  let transitions = 0;
  const prediction = input.prediction;
  if (!prediction) {
    unmeasured.add('transitions');
    notMeasured.push(
      'state transitions: Step Functions publishes no metric of them, and without the definition (no prediction) they cannot be derived from the executions',
    );
  } else if (parents === null) {
    unmeasured.add('transitions');
    notMeasured.push(`state transitions: the run's execution has ${reason(of('parentExecutions'))}`);
  } else {
    const { executions: predictedChildren, transitions: childTransitions } = prediction.children;
    const perChild = predictedChildren > 0 ? childTransitions / predictedChildren : 0;
    const perParent = prediction.transitions - childTransitions;
    const childCount = children ?? 0;
    if (children === null && predictedChildren > 0) {
      notMeasured.push(
        `child executions (the sessions'): ${reason(of('childExecutions'))}; the transitions count none`,
      );
    }
    // The observer's passes are the parent's largest variable part: each is one Observe invocation, measured.
    const { passes, transitionsPerPass } = prediction.observer;
    const observed = lambda.observe?.invocations;
    const parent =
      observed === undefined
        ? `${fmt(parents)} execution(s) × ${fmt(perParent)} (the parent's predicted path, ${fmt(passes)} observer passes assumed)`
        : `${fmt(parents)} execution(s) × ${fmt(perParent - passes * transitionsPerPass)} (the parent's predicted path ` +
          `without its observer passes) + ${fmt(observed)} observer pass(es) (Observe invocations) × ${fmt(transitionsPerPass)}`;
    transitions =
      observed === undefined
        ? parents * perParent
        : parents * (perParent - passes * transitionsPerPass) + observed * transitionsPerPass;
    transitions += childCount * perChild;
    estimated.transitions =
      `Step Functions publishes no metric of state transitions, so they are derived: ${parent} + ${fmt(childCount)} child ` +
      `execution(s) × ${fmt(perChild)} (the definition's session path), executions measured by AWS/States ExecutionsStarted`;
  }

  const sesSendMetric = value(of('sesSend'), 'SES Send');
  if (input.pollMode) {
    unmeasured.add('filterLogEventsRequests');
    notMeasured.push('FilterLogEvents requests of poll mode (no metric; CloudWatch Logs does not bill them)');
  }
  unmeasured.add('s3Gets');
  notMeasured.push(
    "S3 GET/HEAD (the ItemReader's plan reads, the observer's S3 stage checks) and Start scenario's plan PUTs: " +
      'the buckets publish no request metrics',
  );
  if (partial.length > 0)
    notMeasured.push(`partial answers (more datapoints than read): ${partial.join(', ')}`);

  const usage: HarnessUsage = {
    ...NO_USAGE,
    transitions,
    lambda,
    dynamoReadUnits: reads ?? 0,
    dynamoWriteUnits: writes ?? 0,
    sesMessages: counted.sesMessages,
    s3Puts: counted.s3Puts,
    putMetricDataRequests: counted.putMetricDataRequests,
    getMetricDataMetrics: counted.getMetricDataMetrics,
  };
  return {
    usage,
    unmeasured: [...unmeasured],
    estimated,
    notMeasured,
    byHandler: Object.fromEntries(Object.entries(lambda).map(([h, v]) => [h, { ...v }])),
    sesSendMetric,
  };
}

function readSeries(id: string, meaning: QueryMeaning, input: MetricsUsageInput): Series {
  if (input.answers === null)
    return { missing: `the GetMetricData call failed (${input.failure ?? 'no answer'})` };
  const answers = input.answers.filter((a) => a.Id === id);
  if (answers.length === 0) return { missing: `no result for ${describe(meaning)}` };
  const failed = answers.find((a) => a.StatusCode === 'Forbidden' || a.StatusCode === 'InternalError');
  if (failed) return { missing: `CloudWatch answered ${failed.StatusCode} for ${describe(meaning)}` };
  const values = answers.flatMap((a) => a.Values ?? []).filter((v) => Number.isFinite(v));
  if (values.length === 0) return { missing: 'no datapoints in the window (none, or not yet published)' };
  return {
    sum: values.reduce((sum, v) => sum + v, 0),
    partial: answers.some((a) => a.StatusCode === 'PartialData'),
  };
}

function reason(series: Series): string {
  return 'missing' in series ? series.missing : 'measured';
}

function describe(meaning: QueryMeaning): string {
  return 'handler' in meaning ? `${meaning.kind} of ${meaning.handler}` : meaning.kind;
}

function fmt(n: number): string {
  return Number.isInteger(n) ? n.toLocaleString('en-US') : n.toFixed(2);
}
