import { GetMetricDataCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { withHarnessFigures } from '../core/harness-figures.js';
import { buildMetricData } from '../core/metric-data.js';
import type { Profile } from '../core/profile.js';
import type { MetricSeries } from '../core/records.js';
import { renderHtml } from '../core/render-html.js';
import { renderMarkdown } from '../core/render-markdown.js';
import { summaryLine } from '../core/render-text.js';
import { buildReport } from '../core/report.js';
import { resolveOutcome } from '../core/session-outcome.js';
import { longestSessionTimeoutSeconds } from '../core/session-plan.js';
import { cloudwatch, s3 } from './shared/clients.js';
import { requiredEnv } from './shared/env.js';
import { parseEvent, RunIdSchema } from './shared/event.js';
import { awsHarnessCost } from './shared/harness-cost.js';
import { parseHandlerFunctions } from './shared/harness-metrics.js';
import { drainLostBatches, lostBatchesBetween } from './shared/lost-batches.js';
import { Store } from './shared/store.js';
import { TargetChangeStore } from './shared/target-changes.js';

const table = requiredEnv('TABLE_NAME');
const store = new Store(table);
const targetChanges = new TargetChangeStore(table);
const bucket = requiredEnv('REPORTS_BUCKET');
const lostBatchesQueue = requiredEnv('LOST_BATCHES_QUEUE_URL');
const functions = parseHandlerFunctions(
  requiredEnv('HANDLER_FUNCTIONS'),
  process.env.AWS_LAMBDA_FUNCTION_NAME,
);

const EventSchema = z.object({
  runId: RunIdSchema,
  /** What the scenario loop caught, when it failed: {Error, Cause}. */
  failure: z.object({ Error: z.string(), Cause: z.string().optional() }).optional(),
  /** The state machine the run executes ($$.StateMachine.Id): its definition and metrics give the harness cost. */
  stateMachineArn: z.string().min(1).optional(),
  /**
   * Rebuild the report of a finished run from its records as they are now
   * (stage times that arrived late included), keeping the run's end time and
   * publishing no metrics again. Invoke the function by hand for it.
   */
  rebuild: z.boolean().default(false),
});

/**
 * Aggregates the run from its raw session records, evaluates thresholds,
 * writes report.json / report.md / report.html, publishes the metrics, and
 * closes the run (keeping its late-data window open). The state machine fails
 * with ThresholdsBreached on `fail`.
 */
export async function handler(event: unknown) {
  const { runId, failure, rebuild, stateMachineArn } = parseEvent(EventSchema, event, 'report');
  const run = await store.getRun(runId);
  if (!run) throw new Error(`run ${runId} has no record`);
  const finishedAt = rebuild ? (run.finishedAt ?? Date.now()) : Date.now();
  const [sessions, taskSamples, series, changes] = await Promise.all([
    store.sessions(runId),
    store.samples(runId),
    resourceSeries(run.profile, run.startedAt, finishedAt),
    targetChanges.list(runId),
  ]);
  // Batches the collector failed on during the run are named in the report (nothing lost silently).
  await drainLostBatches(lostBatchesQueue, table);
  const lostBatches = await lostBatchesBetween(table, run.startedAt, finishedAt);
  const built = buildReport({
    run,
    sessions: sessions.map((session) => resolveOutcome(run.profile, session)),
    taskSamples,
    cpu: series.cpu,
    memory: series.memory,
    finishedAt,
    targetChanges: changes,
  });
  // What publishing takes (counted in the harness cost; a rebuild publishes nothing again, the run did).
  const requests = run.profile.publish.cloudwatch
    ? buildMetricData(built, {
        namespace: run.profile.publish.namespace,
        profileName: run.profile.name,
        timestamp: new Date(finishedAt),
      })
    : [];
  const withCost = withHarnessFigures(
    built,
    await awsHarnessCost({
      profile: run.profile,
      sessions: built.sessions,
      startedAt: run.startedAt,
      finishedAt,
      stateMachineArn,
      functions,
      tableName: table,
      putMetricDataRequests: requests.length,
      otherMetricsRequested: series.metricsRequested,
    }),
  );
  const report = lostBatches.length > 0 ? { ...withCost, lostBatches } : withCost;
  const prefix = `reports/${runId}/`;
  await Promise.all([
    put(`${prefix}report.json`, `${JSON.stringify(report, null, 2)}\n`, 'application/json'),
    put(`${prefix}report.md`, renderMarkdown(report), 'text/markdown; charset=utf-8'),
    put(`${prefix}report.html`, renderHtml(report), 'text/html; charset=utf-8'),
  ]);
  if (!rebuild) {
    for (const request of requests) await cloudwatch().send(new PutMetricDataCommand(request));
  }
  // Markers that arrive within one more session timeout after the end are still matched and stored.
  const lateWindowMs = longestSessionTimeoutSeconds(run.profile) * 1000;
  await store.finishRun(runId, finishedAt, finishedAt + lateWindowMs);
  const failed = failure ? `the scenario loop failed (${failure.Error}); ` : '';
  return {
    verdict: failure ? 'fail' : report.verdict,
    summary: `${failed}${summaryLine(report)}`,
    reportKey: `${prefix}report.json`,
  };
}

async function put(key: string, body: string, contentType: string): Promise<void> {
  await s3().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
}

/**
 * CPU and memory of the service over the run, from CloudWatch (AWS/ECS); null when the profile samples
 * nothing. `metricsRequested`: the queries of each page, as CloudWatch bills them.
 */
async function resourceSeries(
  profile: Profile,
  from: number,
  to: number,
): Promise<{ cpu: MetricSeries | null; memory: MetricSeries | null; metricsRequested: number }> {
  const resources = profile.scenarios.find((s) => s.type === 'resources');
  const ecs = profile.target.ecs;
  if (resources?.type !== 'resources' || !ecs) return { cpu: null, memory: null, metricsRequested: 0 };
  const metric = (id: string, name: string) => ({
    Id: id,
    MetricStat: {
      Metric: {
        Namespace: 'AWS/ECS',
        MetricName: name,
        Dimensions: [
          { Name: 'ClusterName', Value: ecs.cluster },
          { Name: 'ServiceName', Value: ecs.service },
        ],
      },
      Period: resources.periodSeconds,
      Stat: 'Average',
    },
  });
  const points = new Map<string, { at: number; value: number }[]>();
  let NextToken: string | undefined;
  let metricsRequested = 0;
  do {
    metricsRequested += 2;
    const out = await cloudwatch().send(
      new GetMetricDataCommand({
        MetricDataQueries: [metric('cpu', 'CPUUtilization'), metric('memory', 'MemoryUtilization')],
        StartTime: new Date(from - (from % (resources.periodSeconds * 1000))),
        EndTime: new Date(to),
        ScanBy: 'TimestampAscending',
        NextToken,
      }),
    );
    for (const result of out.MetricDataResults ?? []) {
      const list = points.get(result.Id ?? '') ?? [];
      (result.Timestamps ?? []).forEach((t, i) => {
        list.push({ at: t.getTime(), value: result.Values?.[i] ?? 0 });
      });
      points.set(result.Id ?? '', list);
    }
    NextToken = out.NextToken;
  } while (NextToken);
  const series = (id: string, name: string): MetricSeries => ({
    name,
    unit: 'Percent',
    points: (points.get(id) ?? []).sort((a, b) => a.at - b.at),
  });
  return {
    cpu: series('cpu', 'CPUUtilization'),
    memory: series('memory', 'MemoryUtilization'),
    metricsRequested,
  };
}
