/**
 * The CloudWatch PutMetricData requests that publish a report. Durations go
 * out as the raw per-session values (`Values` / `Counts`), so CloudWatch
 * computes true percentiles over any period and across runs; nothing
 * pre-aggregated is published as if it were a sample. Names, units and
 * dimensions are documented in docs/report.md.
 *
 * The types below are structurally compatible with PutMetricDataCommandInput
 * of @aws-sdk/client-cloudwatch, which core does not import.
 */
import type { Report, SessionReport } from './report-model.js';

export type MetricUnit = 'Milliseconds' | 'Seconds' | 'Percent' | 'Count' | 'None';

export interface MetricDimension {
  Name: string;
  Value: string;
}

export interface MetricDatum {
  MetricName: string;
  Dimensions: MetricDimension[];
  Timestamp: Date;
  Unit: MetricUnit;
  Value?: number;
  Values?: number[];
  Counts?: number[];
}

export interface PutMetricDataInput {
  Namespace: string;
  MetricData: MetricDatum[];
}

export interface MetricDataOptions {
  readonly namespace: string;
  readonly profileName: string;
  /** The time every datum is recorded at (CloudWatch accepts up to two weeks in the past). */
  readonly timestamp: Date;
}

/**
 * PutMetricData limits: 150 values per datum, 1,000 datums per request, 1 MB per
 * request; the size budget applies to an upper-bound estimate (estimateDatumBytes).
 */
export const METRIC_DATA_LIMITS = {
  valuesPerDatum: 150,
  datumsPerRequest: 1_000,
  bytesPerRequest: 640 * 1_024,
} as const;

/** The scenario dimension's value for figures over the whole run. */
export const ALL_SCENARIOS = 'all';

/** CloudWatch's unit for a captured value's unit (dollars have none there). */
const CAPTURE_METRIC_UNITS: Readonly<Record<string, MetricUnit>> = {
  ms: 'Milliseconds',
  s: 'Seconds',
  count: 'Count',
  usd: 'None',
  none: 'None',
};

export const METRIC_NAMES = {
  stage: 'StageDuration',
  total: 'TotalDuration',
  lateness: 'Lateness',
  successRate: 'SuccessRate',
  ok: 'SessionsOk',
  failed: 'SessionsFailed',
  timedOut: 'SessionsTimedOut',
  unfinished: 'SessionsUnfinished',
} as const;

/**
 * Per scenario (report order), then for the run as a whole (Scenario `all`):
 * StageDuration per stage, TotalDuration, Lateness (Milliseconds, Values /
 * Counts), SuccessRate (Percent), SessionsOk / Failed / TimedOut / Unfinished
 * (Count), batched into requests within the API limits, in a stable order.
 * Negative durations (clock disagreement between emitters) stay in
 * report.json but are not published: CloudWatch offers no percentiles for a
 * metric once any of its values is negative.
 */
export function buildMetricData(report: Report, options: MetricDataOptions): PutMetricDataInput[] {
  const groups = [
    ...report.scenarios.map((s) => ({
      name: s.name,
      counts: s.sessions,
      rate: s.successRate,
      sessions: report.sessions.filter((session) => session.scenario === s.name),
    })),
    {
      name: ALL_SCENARIOS,
      counts: report.overall.sessions,
      rate: report.overall.successRate,
      sessions: report.sessions,
    },
  ];
  const datums: MetricDatum[] = [];
  for (const group of groups) {
    const base = [
      { Name: 'Profile', Value: options.profileName },
      { Name: 'Scenario', Value: group.name },
    ];
    const distribution = (
      name: string,
      values: readonly number[],
      stage?: string,
      unit: MetricUnit = 'Milliseconds',
    ): void => {
      const dimensions = stage === undefined ? base : [...base, { Name: 'Stage', Value: stage }];
      for (const { Values, Counts } of valueCounts(values)) {
        datums.push({
          MetricName: name,
          Dimensions: dimensions.map((d) => ({ ...d })),
          Timestamp: options.timestamp,
          Unit: unit,
          Values,
          Counts,
        });
      }
    };
    const raw = rawDurations(group.sessions, report.stageNames);
    for (const stage of report.stageNames)
      distribution(METRIC_NAMES.stage, raw.segments.get(stage) ?? [], stage);
    distribution(METRIC_NAMES.total, raw.total, 'total');
    distribution(METRIC_NAMES.lateness, raw.lateness);
    // Captured values (log.capture), each a metric of its own name in its unit.
    for (const capture of report.captures ?? []) {
      const values = group.sessions.flatMap((s) => {
        const v = s.values?.[capture.metric];
        return v === undefined ? [] : [v];
      });
      distribution(capture.metric, values, capture.stage, CAPTURE_METRIC_UNITS[capture.unit] ?? 'None');
    }
    const single = (name: string, unit: MetricUnit, value: number): void => {
      datums.push({
        MetricName: name,
        Dimensions: base.map((d) => ({ ...d })),
        Timestamp: options.timestamp,
        Unit: unit,
        Value: value,
      });
    };
    if (group.counts.planned > 0) single(METRIC_NAMES.successRate, 'Percent', group.rate * 100);
    single(METRIC_NAMES.ok, 'Count', group.counts.ok);
    single(METRIC_NAMES.failed, 'Count', group.counts.failed);
    single(METRIC_NAMES.timedOut, 'Count', group.counts.timedOut);
    single(METRIC_NAMES.unfinished, 'Count', group.counts.unfinished);
  }
  return batch(options.namespace, datums);
}

/** The sessions' own figures, as buildReport computed them (nothing is re-derived here). */
function rawDurations(sessions: readonly SessionReport[], stageNames: readonly string[]) {
  const segments = new Map<string, number[]>(stageNames.map((name) => [name, []]));
  const total: number[] = [];
  const lateness: number[] = [];
  for (const session of sessions) {
    for (const [name, value] of Object.entries(session.segments)) segments.get(name)?.push(value);
    if (session.total !== null) total.push(session.total);
    if (session.lateness !== null) lateness.push(session.lateness);
  }
  return { segments, total, lateness };
}

/**
 * Merges identical values into Values / Counts, ascending, in chunks of at most
 * 150 distinct values; negative values are left out (see buildMetricData).
 */
export function valueCounts(values: readonly number[]): { Values: number[]; Counts: number[] }[] {
  const counts = new Map<number, number>();
  for (const value of values) {
    if (value >= 0 && Number.isFinite(value)) counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  const merged = [...counts].sort((a, b) => a[0] - b[0]);
  const chunks: { Values: number[]; Counts: number[] }[] = [];
  for (let i = 0; i < merged.length; i += METRIC_DATA_LIMITS.valuesPerDatum) {
    const chunk = merged.slice(i, i + METRIC_DATA_LIMITS.valuesPerDatum);
    chunks.push({ Values: chunk.map(([v]) => v), Counts: chunk.map(([, c]) => c) });
  }
  return chunks;
}

/**
 * An upper bound on a datum's share of a request body as SDK v3 sends it (AWS
 * JSON 1.0): its JSON with the timestamp as an ISO string (the wire has epoch
 * seconds, shorter) and a separating comma. Measured on a 10,000-session
 * report it overestimates by under 10 %, so the 640 KiB budget keeps each
 * request well below the 1 MB limit.
 */
export function estimateDatumBytes(datum: MetricDatum): number {
  return Buffer.byteLength(JSON.stringify(datum), 'utf8') + 1;
}

function batch(namespace: string, datums: readonly MetricDatum[]): PutMetricDataInput[] {
  const requests: PutMetricDataInput[] = [];
  let current: MetricDatum[] = [];
  let bytes = 0;
  const overhead = Buffer.byteLength(JSON.stringify({ Namespace: namespace, MetricData: [] }), 'utf8');
  for (const datum of datums) {
    const size = estimateDatumBytes(datum);
    const full =
      current.length >= METRIC_DATA_LIMITS.datumsPerRequest ||
      overhead + bytes + size > METRIC_DATA_LIMITS.bytesPerRequest;
    if (full && current.length > 0) {
      requests.push({ Namespace: namespace, MetricData: current });
      current = [];
      bytes = 0;
    }
    current.push(datum);
    bytes += size;
  }
  if (current.length > 0) requests.push({ Namespace: namespace, MetricData: current });
  return requests;
}
