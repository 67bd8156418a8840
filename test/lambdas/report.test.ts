import { GetMetricDataCommand, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../core/report-model.js';
import { cloudwatch } from '../../lambdas/shared/clients.js';
import { Store } from '../../lambdas/shared/store.js';
import {
  LOCAL_REPORTS_BUCKET,
  LOCAL_TABLE,
  localS3,
  metricSink,
} from '../../local/runner/local-aws-setup.js';
import { profileInput } from '../fixtures/profile.js';
import { useLocalAws } from '../support/local-aws.js';

const ctx = useLocalAws();
const store = new Store(LOCAL_TABLE);
const ECS_DIMENSIONS = [
  { Name: 'ClusterName', Value: 'webordinary-edit-cluster' },
  { Name: 'ServiceName', Value: 'webordinary-edit-service' },
];

/** A run whose sessions have known stage times: session i takes (i + 1) seconds in total. */
async function finishedRun(runId: string, thresholds: { metric: string; condition: string }[]) {
  const { handler: prepare } = await import('../../lambdas/prepare.js');
  const { handler: finalize } = await import('../../lambdas/finalize.js');
  await prepare({
    runId,
    startedAt: new Date(Date.now() - 60_000).toISOString(),
    profile: profileInput({
      scenarios: [
        { type: 'burst', sessions: 4 },
        { type: 'resources', periodSeconds: 1 },
      ],
      thresholds,
    }),
  });
  const base = Date.now() - 30_000;
  for (const [i, s] of (await store.sessions(runId)).entries()) {
    await store.markSent(runId, s.sessionId, base, base);
    const step = (i + 1) * 250;
    for (const [k, stage] of ['pickup', 'build', 'live', 'done'].entries()) {
      await store.recordStage(runId, s.sessionId, stage, base + (k + 1) * step);
    }
    await finalize({ runId, sessionId: s.sessionId, outcome: 'completed' });
  }
}

/** The last hour of one WebOrdinary/Performance metric of the fixture profile's burst scenario, as CloudWatch computes it. */
async function metricValues(metricName: string, stat: string, extra: { Name: string; Value: string }[] = []) {
  const out = await cloudwatch().send(
    new GetMetricDataCommand({
      StartTime: new Date(Date.now() - 3600_000),
      EndTime: new Date(Date.now() + 60_000),
      MetricDataQueries: [
        {
          Id: 'm',
          MetricStat: {
            Metric: {
              Namespace: 'WebOrdinary/Performance',
              MetricName: metricName,
              Dimensions: [
                { Name: 'Profile', Value: 'fixture' },
                { Name: 'Scenario', Value: 'burst' },
                ...extra,
              ],
            },
            Period: 3600,
            Stat: stat,
          },
        },
      ],
    }),
  );
  return out.MetricDataResults?.[0]?.Values;
}

async function readReport(runId: string): Promise<Report> {
  const out = await localS3().send(
    new GetObjectCommand({ Bucket: LOCAL_REPORTS_BUCKET, Key: `reports/${runId}/report.json` }),
  );
  return JSON.parse((await out.Body?.transformToString('utf8')) ?? '') as Report;
}

describe('report', () => {
  it('writes the report, publishes raw values to CloudWatch, and passes when every threshold does', async () => {
    // What the ECS service published while the run went on.
    metricSink(ctx.aws).put(
      'AWS/ECS',
      [40, 60].map((Value, i) => ({
        MetricName: 'CPUUtilization',
        Dimensions: ECS_DIMENSIONS,
        Timestamp: new Date(Date.now() - 20_000 + i * 5_000),
        Value,
        Unit: 'Percent' as const,
      })),
    );
    await finishedRun('run-rep', [{ metric: 'total', condition: 'max < 5s' }]);
    const { handler } = await import('../../lambdas/report.js');
    const out = await handler({ runId: 'run-rep' });
    expect(out).toMatchObject({ verdict: 'pass', reportKey: 'reports/run-rep/report.json' });

    const report = await readReport('run-rep');
    expect(report.scenarios[0]?.total).toMatchObject({ count: 4, min: 1000, max: 4000 });
    expect(report.resources?.cpu?.points.map((p) => p.value)).toEqual([40, 60]);

    // CloudWatch's own percentile over the raw values: nearest rank of 1, 2, 3, 4 s.
    expect(await metricValues('TotalDuration', 'p50', [{ Name: 'Stage', Value: 'total' }])).toEqual([2000]);
    const listed = await cloudwatch().send(new ListMetricsCommand({ Namespace: 'WebOrdinary/Performance' }));
    expect(new Set(listed.Metrics?.map((m) => m.MetricName))).toContain('SuccessRate');
    // The collector goes on matching the run for one more session timeout (600 s by default), then stops.
    expect((await store.activeRuns()).map((r) => r.runId)).toEqual(['run-rep']);
    expect(await store.activeRuns(Date.now() + 601_000)).toEqual([]);
  });

  it('rebuilds a finished report with late stage times, keeping its end and publishing nothing again', async () => {
    await finishedRun('run-late', []);
    const { handler } = await import('../../lambdas/report.js');
    const [late] = await store.sessions('run-late');
    await handler({ runId: 'run-late' });
    const first = await readReport('run-late');
    const datums = async () => (await metricValues('SessionsOk', 'SampleCount'))?.[0];
    const published = await datums();

    const session = (await store.sessions('run-late')).find((s) => s.sessionId === late!.sessionId)!;
    const doneAt = session.stages.done!;
    // A late marker: an earlier 'done' event arrives after the report (the earliest event wins).
    expect(await store.recordStage('run-late', late!.sessionId, 'done', doneAt - 200)).toBeDefined();
    await handler({ runId: 'run-late', rebuild: true });
    const rebuilt = await readReport('run-late');
    expect(rebuilt.finishedAt).toBe(first.finishedAt);
    expect(rebuilt.sessions.find((s) => s.sessionId === late!.sessionId)?.stages.done).toBe(doneAt - 200);
    expect(rebuilt.scenarios[0]?.total?.min).toBe(first.scenarios[0]!.total!.min - 200);
    expect(await datums()).toBe(published);
  });

  it('returns verdict fail with the breached thresholds in its summary', async () => {
    await finishedRun('run-fail', [
      { metric: 'total', condition: 'p(95) < 3s' },
      { metric: 'success', condition: 'rate > 95%' },
    ]);
    const { handler } = await import('../../lambdas/report.js');
    const out = await handler({ runId: 'run-fail' });
    expect(out.verdict).toBe('fail');
    expect(out.summary).toContain('p(95) < 3s');
    const report = await readReport('run-fail');
    expect(report.thresholds.map((t) => [t.condition, t.ok, t.actual])).toEqual([
      ['p(95) < 3s', false, 4000],
      ['rate > 95%', true, 1],
    ]);
  });
});
