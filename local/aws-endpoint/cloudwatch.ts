import { AwsEndpointError } from './errors.js';
import { paginate } from './ids.js';
import { Input } from './input.js';
import { computeStat, isSupportedStat, type MetricSample } from './metric-stats.js';

const INVALID = 'InvalidParameterValueException';
const MISSING = 'MissingRequiredParameterException';
const MAX_PAYLOAD_BYTES = 1_048_576;
const HOUR_MS = 3_600_000;
const UNITS = new Set(
  'Seconds Microseconds Milliseconds Bytes Kilobytes Megabytes Gigabytes Terabytes Bits Kilobits Megabits Gigabits Terabits Percent Count Bytes/Second Kilobytes/Second Megabytes/Second Gigabytes/Second Terabytes/Second Bits/Second Kilobits/Second Megabits/Second Gigabits/Second Terabits/Second Count/Second None'.split(
    ' ',
  ),
);

export interface Dimension {
  Name: string;
  Value: string;
}

interface Datapoint extends MetricSample {
  timestampMs: number;
  unit: string;
}

interface Metric {
  Namespace: string;
  MetricName: string;
  Dimensions: Dimension[];
  data: Datapoint[];
}

const invalid = (message: string) => new AwsEndpointError(INVALID, message);

/** Identity of a metric: namespace, name and the dimensions as a set. */
const metricKey = (namespace: string, name: string, dimensions: Dimension[]): string =>
  JSON.stringify([namespace, name, [...dimensions].sort((a, b) => a.Name.localeCompare(b.Name))]);

/** Reads a timestamp sent as epoch seconds (the JSON protocols' format), a Date or an ISO string. */
function timestampMs(input: Input, key: string): number | undefined {
  const raw = input.raw(key);
  if (raw === undefined || raw === null) return undefined;
  const ms =
    typeof raw === 'number' ? raw * 1000 : raw instanceof Date ? raw.getTime() : Date.parse(String(raw));
  if (!Number.isFinite(ms)) throw invalid(`${input.where(key)} ${JSON.stringify(raw)} is not a timestamp`);
  return ms;
}

/**
 * In-memory CloudWatch metrics with the real PutMetricData limits and
 * GetMetricData statistics computed from the raw values in period-aligned buckets.
 */
export class CloudWatchStore {
  readonly #metrics = new Map<string, Metric>();
  readonly #now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  /**
   * `payloadBytes` is the uncompressed request size, checked against the 1 MB limit.
   * `asAwsService`: the data comes from an AWS service itself (the simulator's
   * ECS service publishing `AWS/ECS`), which customers' PutMetricData may not write.
   */
  putMetricData(
    body: unknown,
    payloadBytes = 0,
    options: { asAwsService?: boolean } = {},
  ): Record<string, never> {
    if (payloadBytes > MAX_PAYLOAD_BYTES) {
      throw invalid(`PutMetricData request is ${payloadBytes} bytes, over the 1048576-byte (1 MB) limit`);
    }
    const input = new Input(body, INVALID);
    const namespace = input.string('Namespace', MISSING);
    if (namespace.length > 255 || (namespace.startsWith('AWS/') && !options.asAwsService)) {
      throw invalid(`Namespace ${namespace} is invalid: 1-255 characters, not starting with AWS/`);
    }
    const data = input.objects('MetricData', MISSING);
    if (data.length < 1 || data.length > 1000) {
      throw invalid(`MetricData must hold 1 to 1000 metrics per request, got ${data.length}`);
    }
    const parsed = data.map((datum) => this.#readDatum(datum));
    for (const { name, dimensions, point } of parsed) {
      const key = metricKey(namespace, name, dimensions);
      let metric = this.#metrics.get(key);
      if (metric === undefined) {
        metric = { Namespace: namespace, MetricName: name, Dimensions: dimensions, data: [] };
        this.#metrics.set(key, metric);
      }
      metric.data.push(point);
    }
    return {};
  }

  #readDatum(datum: Input) {
    const name = datum.string('MetricName', MISSING);
    const dimensions = readDimensions(datum, true);
    const timestamp = timestampMs(datum, 'Timestamp') ?? this.#now();
    const now = this.#now();
    if (timestamp < now - 14 * 24 * HOUR_MS || timestamp > now + 2 * HOUR_MS) {
      throw invalid(
        `${datum.where('Timestamp')} ${new Date(timestamp).toISOString()} is more than 2 weeks old or 2 hours ahead`,
      );
    }
    const unit = datum.optString('Unit') ?? 'None';
    if (!UNITS.has(unit)) throw invalid(`${datum.where('Unit')} ${unit} is not a CloudWatch unit`);
    const resolution = datum.optNumber('StorageResolution') ?? 60;
    if (resolution !== 1 && resolution !== 60) {
      throw invalid(`${datum.where('StorageResolution')} must be 1 or 60, got ${resolution}`);
    }
    const point: Datapoint = { timestampMs: timestamp, unit, values: readValues(datum) };
    const set = datum.optObject('StatisticValues');
    if (set !== undefined) {
      point.statSet = {
        sampleCount: set.number('SampleCount'),
        sum: set.number('Sum'),
        minimum: set.number('Minimum'),
        maximum: set.number('Maximum'),
      };
    }
    return { name, dimensions, point };
  }

  getMetricData(body: unknown) {
    const input = new Input(body, INVALID);
    const start = timestampMs(input, 'StartTime');
    const end = timestampMs(input, 'EndTime');
    if (start === undefined) throw new AwsEndpointError(MISSING, 'StartTime is required');
    if (end === undefined) throw new AwsEndpointError(MISSING, 'EndTime is required');
    if (start >= end) throw invalid(`StartTime (${new Date(start).toISOString()}) must be before EndTime`);
    const scanBy = input.optString('ScanBy') ?? 'TimestampDescending';
    if (scanBy !== 'TimestampDescending' && scanBy !== 'TimestampAscending') {
      throw invalid(`ScanBy must be TimestampDescending or TimestampAscending, got ${scanBy}`);
    }
    const queries = input.objects('MetricDataQueries', MISSING);
    if (queries.length < 1 || queries.length > 500) {
      throw invalid(`MetricDataQueries must hold 1 to 500 queries, got ${queries.length}`);
    }
    const ids = new Set<string>();
    const results = queries.map((query) => {
      const id = query.string('Id', MISSING);
      if (!/^[a-z][a-zA-Z0-9_]{0,254}$/.test(id)) {
        throw invalid(
          `${query.where('Id')} ${id} must start with a lowercase letter and hold only letters, digits, _`,
        );
      }
      if (ids.has(id)) throw invalid(`${query.where('Id')} ${id} is used twice`);
      ids.add(id);
      if (query.has('Expression')) {
        throw invalid(`${query.where('Expression')} is not supported by the local endpoint; use MetricStat`);
      }
      const stat = query.optObject('MetricStat');
      if (stat === undefined) throw new AwsEndpointError(MISSING, `${query.where('MetricStat')} is required`);
      const series = this.#series(stat, start, end, scanBy === 'TimestampAscending');
      return { query, id, series };
    });
    const MetricDataResults = results
      .filter(({ query }) => query.optBoolean('ReturnData') !== false)
      .map(({ query, id, series }) => ({
        Id: id,
        Label: query.optString('Label') ?? series.label,
        Timestamps: series.points.map(([t]) => t / 1000),
        Values: series.points.map(([, v]) => v),
        StatusCode: 'Complete',
        Messages: [],
      }));
    return { MetricDataResults, Messages: [] };
  }

  /** One query's datapoints: [bucket start ms, value], period-aligned, in scan order. */
  #series(stat: Input, start: number, end: number, ascending: boolean) {
    const metric = stat.optObject('Metric');
    if (metric === undefined) throw new AwsEndpointError(MISSING, `${stat.where('Metric')} is required`);
    const namespace = metric.string('Namespace', MISSING);
    const name = metric.string('MetricName', MISSING);
    const period = stat.number('Period', MISSING);
    if (
      !Number.isInteger(period) ||
      period <= 0 ||
      (period % 60 !== 0 && ![1, 5, 10, 20, 30].includes(period))
    ) {
      throw invalid(`${stat.where('Period')} must be 1, 5, 10, 20, 30 or a multiple of 60, got ${period}`);
    }
    const statName = stat.string('Stat', MISSING);
    if (!isSupportedStat(statName)) {
      throw invalid(
        `${stat.where('Stat')} ${statName} is not supported locally: use Average, Sum, Minimum, Maximum, SampleCount or pNN`,
      );
    }
    const unit = stat.optString('Unit');
    const periodMs = period * 1000;
    const alignedStart = Math.floor(start / periodMs) * periodMs;
    const buckets = new Map<number, MetricSample[]>();
    const found = this.#metrics.get(metricKey(namespace, name, readDimensions(metric, false)));
    for (const point of found?.data ?? []) {
      if (point.timestampMs < alignedStart || point.timestampMs >= end) continue;
      if (unit !== undefined && point.unit !== unit) continue;
      const bucket = Math.floor(point.timestampMs / periodMs) * periodMs;
      buckets.set(bucket, [...(buckets.get(bucket) ?? []), point]);
    }
    const points = [...buckets.entries()]
      .flatMap(([t, samples]): [number, number][] => {
        const value = computeStat(samples, statName);
        return value === undefined ? [] : [[t, value]];
      })
      .sort((a, b) => (ascending ? a[0] - b[0] : b[0] - a[0]));
    return { label: name, points };
  }

  /** Metrics that have the given namespace, name and (each named) dimensions; 500 per page. */
  listMetrics(body: unknown) {
    const input = new Input(body, INVALID);
    const namespace = input.optString('Namespace');
    const name = input.optString('MetricName');
    const filters = (input.optObjects('Dimensions') ?? []).map((d) => ({
      Name: d.string('Name'),
      Value: d.optString('Value'),
    }));
    const matching = [...this.#metrics.values()]
      .filter(
        (m) =>
          (namespace === undefined || m.Namespace === namespace) &&
          (name === undefined || m.MetricName === name) &&
          filters.every((f) =>
            m.Dimensions.some((d) => d.Name === f.Name && (f.Value === undefined || d.Value === f.Value)),
          ),
      )
      .map(({ Namespace, MetricName, Dimensions }) => ({ Namespace, MetricName, Dimensions }));
    const { page, nextToken } = paginate(matching, input.optString('NextToken'), 500, INVALID, 'NextToken');
    return nextToken === undefined ? { Metrics: page } : { Metrics: page, NextToken: nextToken };
  }
}

function readDimensions(input: Input, forPut: boolean): Dimension[] {
  const dimensions = (input.optObjects('Dimensions') ?? []).map((d) => ({
    Name: d.string('Name'),
    Value: d.string('Value'),
  }));
  if (forPut && dimensions.length > 30)
    throw invalid(`${input.where('Dimensions')} holds ${dimensions.length}, over 30`);
  const names = new Set(dimensions.map((d) => d.Name));
  if (names.size !== dimensions.length) throw invalid(`${input.where('Dimensions')} names a dimension twice`);
  return dimensions;
}

/** Value, or Values with optional Counts (default 1 each), or neither when StatisticValues is given. */
function readValues(datum: Input): [number, number][] {
  const value = datum.optNumber('Value');
  const values = datum.optNumbers('Values');
  const counts = datum.optNumbers('Counts');
  const hasSet = datum.has('StatisticValues');
  if ([value !== undefined, values !== undefined, hasSet].filter(Boolean).length > 1) {
    throw invalid(`${datum.where('Value')}, Values and StatisticValues are mutually exclusive; set only one`);
  }
  if (values === undefined) {
    if (counts !== undefined) throw invalid(`${datum.where('Counts')} requires Values`);
    if (value === undefined && !hasSet)
      throw new AwsEndpointError(MISSING, `${datum.where('Value')} or Values is required`);
    return value === undefined ? [] : [[value, 1]];
  }
  if (values.length < 1 || values.length > 150) {
    throw invalid(`${datum.where('Values')} must hold 1 to 150 values, got ${values.length}`);
  }
  if (counts !== undefined && counts.length !== values.length) {
    throw invalid(
      `${datum.where('Counts')} has ${counts.length} counts for ${values.length} Values; they must match`,
    );
  }
  if (counts?.some((c) => c < 0)) throw invalid(`${datum.where('Counts')} must not be negative`);
  return values.map((v, i) => [v, counts?.[i] ?? 1]);
}
