import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  buildMetricData,
  estimateDatumBytes,
  METRIC_DATA_LIMITS,
  type PutMetricDataInput,
} from '../core/metric-data.js';
import { buildReport } from '../core/report.js';
import { planRun } from '../core/session-plan.js';
import { createRng } from '../local/simulator/rng.js';
import { parsedProfile, sessionRecords } from './fixtures/webordinary-run.js';
import { type Benchmark, round, summarizeSamples, timeRepeated } from './harness.js';

const SESSIONS = 10_000;
const RUN_ID = 'bench-metric-data';
const REPETITIONS = 9;
/** PutMetricData's limit on a request's HTTP body. */
const API_BYTES_LIMIT = 1_048_576;

export const benchmark: Benchmark = {
  name: 'metric-data',
  description: `buildMetricData() for a ${SESSIONS.toLocaleString('en-US')}-session report`,
  async run() {
    const profile = parsedProfile(SESSIONS);
    const startedAt = Date.UTC(2026, 10, 27, 3);
    const report = buildReport({
      run: { runId: RUN_ID, profile, startedAt },
      sessions: sessionRecords(RUN_ID, planRun(RUN_ID, profile), startedAt + 2_000, createRng(13)),
      taskSamples: [],
      cpu: null,
      memory: null,
      finishedAt: startedAt + 3_600_000,
    });
    const options = {
      namespace: profile.publish.namespace,
      profileName: profile.name,
      timestamp: new Date(report.finishedAt),
    };
    const { ms } = await timeRepeated(REPETITIONS, () => buildMetricData(report, options));
    const requests = buildMetricData(report, options);
    const bodies = await wireBodies(requests);
    const largest = Math.max(...bodies);
    const estimate = Math.max(
      ...requests.map((r) => r.MetricData.reduce((s, d) => s + estimateDatumBytes(d), 0)),
    );
    const datums = requests.reduce((sum, r) => sum + r.MetricData.length, 0);
    const time = summarizeSamples(ms);
    return [
      {
        key: 'ms',
        what: `buildMetricData(): time, median of ${REPETITIONS}`,
        value: round(time.median, 1),
        unit: 'ms',
        target: { op: '<=', value: 250 },
        samples: time,
      },
      {
        key: 'requests',
        what: `PutMetricData requests (${datums.toLocaleString('en-US')} datums)`,
        value: requests.length,
        unit: 'requests',
        target: { op: '<=', value: 4 },
      },
      {
        key: 'largest-request-bytes',
        what: 'largest request body as SDK v3 sends it (JSON, uncompressed)',
        value: round(largest / 1_024, 1),
        unit: 'KiB',
        target: { op: '<=', value: API_BYTES_LIMIT / 1_024 },
        samples: summarizeSamples(bodies.map((b) => round(b / 1_024, 1))),
      },
      {
        key: 'largest-request-estimate',
        what: `largest request by core's upper-bound estimate (budget ${METRIC_DATA_LIMITS.bytesPerRequest / 1_024} KiB)`,
        value: round(estimate / 1_024, 1),
        unit: 'KiB',
        target: { op: '<=', value: METRIC_DATA_LIMITS.bytesPerRequest / 1_024 },
      },
    ];
  },
};

/**
 * The body of each request as @aws-sdk/client-cloudwatch serializes it, with
 * a transport that records it instead of sending it (compression off, so the
 * size is the JSON itself).
 */
async function wireBodies(requests: readonly PutMetricDataInput[]): Promise<number[]> {
  const sizes: number[] = [];
  const client = new CloudWatchClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
    disableRequestCompression: true,
    requestHandler: {
      async handle(request: { body?: unknown }) {
        sizes.push(Buffer.byteLength(request.body as string));
        return {
          response: {
            statusCode: 200,
            headers: { 'content-type': 'application/x-amz-json-1.0' },
            body: new Blob(['{}']).stream(),
          },
        };
      },
    } as never,
  });
  for (const request of requests) await client.send(new PutMetricDataCommand(request));
  client.destroy();
  return sizes;
}
