import {
  CloudWatchClient,
  GetMetricDataCommand,
  type GetMetricDataCommandInput,
  InvalidParameterValueException,
  type MetricDatum,
  PutMetricDataCommand,
  paginateListMetrics,
} from '@aws-sdk/client-cloudwatch';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsEndpoint, startAwsEndpoint } from '../../local/aws-endpoint/index.js';
import { weightedPercentile } from '../../local/aws-endpoint/metric-stats.js';

let endpoint: AwsEndpoint;
let client: CloudWatchClient;

beforeAll(async () => {
  endpoint = await startAwsEndpoint();
  client = new CloudWatchClient({
    endpoint: endpoint.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterAll(async () => {
  client.destroy();
  await endpoint.close();
});

const put = (Namespace: string, MetricData: MetricDatum[]) =>
  client.send(new PutMetricDataCommand({ Namespace, MetricData }));

/** A period-aligned minute a few minutes ago, so every datapoint is inside CloudWatch's accepted window. */
const minute = Math.floor(Date.now() / 60_000) * 60_000 - 5 * 60_000;

function query(namespace: string, stats: string[], extra: Partial<GetMetricDataCommandInput> = {}) {
  return client.send(
    new GetMetricDataCommand({
      StartTime: new Date(minute - 60_000),
      EndTime: new Date(minute + 120_000),
      MetricDataQueries: stats.map((Stat, i) => ({
        Id: `q${i}`,
        MetricStat: {
          Metric: {
            Namespace: namespace,
            MetricName: 'Latency',
            Dimensions: [{ Name: 'Stage', Value: 'build' }],
          },
          Period: 60,
          Stat,
        },
      })),
      ...extra,
    }),
  );
}

describe('CloudWatch metrics', () => {
  it('accepts 1000 metrics sent gzipped and lists them across pages', async () => {
    const data = Array.from({ length: 1000 }, (_, i) => ({
      MetricName: `metric-${i}`,
      Dimensions: [{ Name: 'Run', Value: 'r1' }],
      Value: i,
      Unit: 'Count' as const,
    }));
    await put('Bench/Many', data);
    const pages = [];
    for await (const page of paginateListMetrics({ client }, { Namespace: 'Bench/Many' }))
      pages.push(page.Metrics?.length);
    expect(pages).toEqual([500, 500]);
  });

  it.each([
    [
      'over 1000 metrics',
      Array.from({ length: 1001 }, () => ({ MetricName: 'm', Value: 1 })),
      /1000 metrics/,
    ],
    [
      'over 150 values',
      [{ MetricName: 'm', Values: Array.from({ length: 151 }, (_, i) => i) }],
      /150 values/,
    ],
    ['Counts not matching Values', [{ MetricName: 'm', Values: [1, 2], Counts: [1] }], /must match/],
    ['both Value and Values', [{ MetricName: 'm', Value: 1, Values: [1] }], /mutually exclusive/],
    ['an unknown unit', [{ MetricName: 'm', Value: 1, Unit: 'Parsecs' }], /not a CloudWatch unit/],
    [
      'over 1 MB',
      Array.from({ length: 1000 }, (_, i) => ({
        MetricName: `m${i}`,
        Values: Array.from({ length: 150 }, (_, j) => j + 0.123456789),
      })),
      /1 MB/,
    ],
  ])('rejects %s with InvalidParameterValueException', async (_, data, message) => {
    const error = await put('Bench/Limits', data as MetricDatum[]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidParameterValueException);
    expect((error as Error).message).toMatch(message);
  });

  it('computes statistics and percentiles from Values and Counts in period-aligned buckets', async () => {
    const dims = [{ Name: 'Stage', Value: 'build' }];
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    await put('Bench/Stats', [
      {
        MetricName: 'Latency',
        Dimensions: dims,
        Timestamp: new Date(minute + 1_000),
        Values: values.slice(0, 50),
        Unit: 'Milliseconds',
      },
      {
        MetricName: 'Latency',
        Dimensions: dims,
        Timestamp: new Date(minute + 59_000),
        Values: values.slice(50),
        Unit: 'Milliseconds',
      },
      // 99 ones and a thousand: p50 and p99 are 1, p100 and Maximum are 1000.
      {
        MetricName: 'Latency',
        Dimensions: dims,
        Timestamp: new Date(minute + 61_000),
        Values: [1, 1000],
        Counts: [99, 1],
      },
    ]);
    const result = await query('Bench/Stats', [
      'p50',
      'p90',
      'p99',
      'p100',
      'Average',
      'Sum',
      'SampleCount',
      'Minimum',
      'Maximum',
      'p99.5',
    ]);
    const byId = Object.fromEntries(result.MetricDataResults?.map((r) => [r.Id, r]) ?? []);
    expect(byId.q0?.Timestamps).toEqual([new Date(minute + 60_000), new Date(minute)]);
    expect(byId.q0?.Values).toEqual([1, 50]);
    expect(byId.q1?.Values).toEqual([1, 90]);
    expect(byId.q2?.Values).toEqual([1, 99]);
    expect(byId.q3?.Values).toEqual([1000, 100]);
    expect(byId.q4?.Values).toEqual([10.99, 50.5]);
    expect(byId.q5?.Values).toEqual([1099, 5050]);
    expect(byId.q6?.Values).toEqual([100, 100]);
    expect(byId.q7?.Values).toEqual([1, 1]);
    expect(byId.q8?.Values).toEqual([1000, 100]);
    // Nearest rank: p99.5 of 100 samples is the 100th smallest.
    expect(byId.q9?.Values).toEqual([1000, 100]);
    expect(byId.q0).toMatchObject({ Label: 'Latency', StatusCode: 'Complete' });
    const ascending = await query('Bench/Stats', ['Sum'], { ScanBy: 'TimestampAscending' });
    expect(ascending.MetricDataResults?.[0]?.Values).toEqual([5050, 1099]);
  });

  it('matches dimensions exactly as a set', async () => {
    await put('Bench/Dims', [
      {
        MetricName: 'Latency',
        Dimensions: [
          { Name: 'Stage', Value: 'build' },
          { Name: 'Run', Value: 'r1' },
        ],
        Timestamp: new Date(minute),
        Value: 7,
      },
    ]);
    const subset = await query('Bench/Dims', ['Sum']);
    expect(subset.MetricDataResults?.[0]?.Values).toEqual([]);
    const reordered = await client.send(
      new GetMetricDataCommand({
        StartTime: new Date(minute),
        EndTime: new Date(minute + 60_000),
        MetricDataQueries: [
          {
            Id: 'all',
            MetricStat: {
              Metric: {
                Namespace: 'Bench/Dims',
                MetricName: 'Latency',
                Dimensions: [
                  { Name: 'Run', Value: 'r1' },
                  { Name: 'Stage', Value: 'build' },
                ],
              },
              Period: 60,
              Stat: 'Sum',
            },
          },
        ],
      }),
    );
    expect(reordered.MetricDataResults?.[0]?.Values).toEqual([7]);
  });

  it('rejects unsupported statistics and invalid query ids', async () => {
    await expect(query('Bench/Stats', ['tm90'])).rejects.toBeInstanceOf(InvalidParameterValueException);
    const badId = client.send(
      new GetMetricDataCommand({
        StartTime: new Date(minute),
        EndTime: new Date(minute + 60_000),
        MetricDataQueries: [
          {
            Id: 'Upper',
            MetricStat: { Metric: { Namespace: 'N', MetricName: 'M' }, Period: 60, Stat: 'Sum' },
          },
        ],
      }),
    );
    await expect(badId).rejects.toThrow(/lowercase letter/);
  });
});

describe('weightedPercentile', () => {
  it('equals the nearest-rank percentile of the values expanded by their counts', () => {
    const pairs = fc.array(fc.tuple(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 1, max: 5 })), {
      minLength: 1,
      maxLength: 30,
    });
    fc.assert(
      fc.property(pairs, fc.integer({ min: 0, max: 1000 }), (sample, tenths) => {
        const p = tenths / 10;
        const expanded = sample.flatMap(([v, n]) => Array.from({ length: n }, () => v)).sort((a, b) => a - b);
        const rank = Math.max(1, Math.ceil((p / 100) * expanded.length - 1e-9));
        expect(weightedPercentile(sample, p)).toBe(expanded[rank - 1]);
      }),
    );
  });
});
