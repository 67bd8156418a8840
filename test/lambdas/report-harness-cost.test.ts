import { GetObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { SESSIONS_MAP_LABEL } from '../../core/harness-metrics.js';
import type { Report } from '../../core/report-model.js';
import { Store } from '../../lambdas/shared/store.js';
import { HANDLER_NAMES } from '../../lib/handlers-construct.js';
import { renderDefinition } from '../../local/render-definition.js';
import { LOCAL_REPORTS_BUCKET, LOCAL_TABLE, localS3 } from '../../local/runner/local-aws-setup.js';
import { profileInput } from '../fixtures/profile.js';
import { useLocalAws } from '../support/local-aws.js';

const ctx = useLocalAws();
const store = new Store(LOCAL_TABLE);

/** A finished burst of 4 sessions, sent and completed 30 s ago. */
async function finishedRun(runId: string) {
  const { handler: prepare } = await import('../../lambdas/prepare.js');
  const { handler: finalize } = await import('../../lambdas/finalize.js');
  await prepare({
    runId,
    startedAt: new Date(Date.now() - 60_000).toISOString(),
    profile: profileInput({ scenarios: [{ type: 'burst', sessions: 4 }] }),
  });
  const base = Date.now() - 30_000;
  for (const s of await store.sessions(runId)) {
    await store.markSent(runId, s.sessionId, base, base);
    for (const [k, stage] of ['pickup', 'build', 'live', 'done'].entries())
      await store.recordStage(runId, s.sessionId, stage, base + (k + 1) * 200);
    await finalize({ runId, sessionId: s.sessionId, outcome: 'completed' });
  }
}

/** What AWS would have published for the run: the stubbed CloudWatch answer, put in the local endpoint. */
async function publishUsage(stateMachineArn: string) {
  // As AWS's own services publish them (the AWS/ namespaces are closed to PutMetricData).
  const sink = {
    put: async (Namespace: string, data: object[]) =>
      ctx.aws.endpoint.cloudwatch.putMetricData({ Namespace, MetricData: data }, 0, { asAwsService: true }),
  };
  const at = (Date.now() - 20_000) / 1000;
  const datum = (
    MetricName: string,
    Name: string,
    Value: string,
    value: number,
    Unit: 'Count' | 'Milliseconds',
  ) => ({
    MetricName,
    Dimensions: Name === '' ? [] : [{ Name, Value }],
    Timestamp: at,
    Value: value,
    Unit,
  });
  await sink.put('AWS/States', [
    datum('ExecutionsStarted', 'StateMachineArn', stateMachineArn, 1, 'Count'),
    // 3 child executions where the model predicts 4 (one per session): the measured count is used.
    datum('ExecutionsStarted', 'StateMachineArn', `${stateMachineArn}/${SESSIONS_MAP_LABEL}`, 3, 'Count'),
  ]);
  await sink.put('AWS/Lambda', [
    datum('Invocations', 'FunctionName', 'local:trigger', 4, 'Count'),
    datum('Duration', 'FunctionName', 'local:trigger', 2_000, 'Milliseconds'),
    datum('Invocations', 'FunctionName', 'local:collector', 84, 'Count'),
    datum('Duration', 'FunctionName', 'local:collector', 4_200, 'Milliseconds'),
    datum('Invocations', 'FunctionName', 'local:observe', 3, 'Count'),
    datum('Duration', 'FunctionName', 'local:observe', 900, 'Milliseconds'),
  ]);
  await sink.put('AWS/DynamoDB', [
    datum('ConsumedReadCapacityUnits', 'TableName', LOCAL_TABLE, 120, 'Count'),
    datum('ConsumedWriteCapacityUnits', 'TableName', LOCAL_TABLE, 180, 'Count'),
  ]);
  await sink.put('AWS/SES', [datum('Send', '', '', 9, 'Count')]);
}

async function readReport(runId: string): Promise<Report> {
  const out = await localS3().send(
    new GetObjectCommand({ Bucket: LOCAL_REPORTS_BUCKET, Key: `reports/${runId}/report.json` }),
  );
  return JSON.parse((await out.Body?.transformToString('utf8')) ?? '') as Report;
}

async function readText(runId: string, file: string): Promise<string> {
  const out = await localS3().send(
    new GetObjectCommand({ Bucket: LOCAL_REPORTS_BUCKET, Key: `reports/${runId}/${file}` }),
  );
  return (await out.Body?.transformToString('utf8')) ?? '';
}

describe('report: the harness cost on AWS', () => {
  it('predicts from the deployed definition and measures from CloudWatch, labelling estimates and gaps', async () => {
    const stateMachineArn = ctx.aws.endpoint.sfn.defineStateMachine(
      'BenchCost',
      JSON.stringify(renderDefinition().deployed),
    );
    await publishUsage(stateMachineArn);
    await finishedRun('run-cost');
    const { handler } = await import('../../lambdas/report.js');
    await handler({ runId: 'run-cost', stateMachineArn });
    const cost = (await readReport('run-cost')).cost!;

    // The prediction: the model walked the deployed definition (4 load sessions, one child execution each).
    expect(cost.predicted?.sessions).toBe(4);
    expect(cost.predicted?.counts.transitions).toBeGreaterThan(4 * 5);
    expect(cost.predicted?.counts.lambda.trigger?.invocations).toBe(4);

    const measured = cost.measured!;
    expect(measured.counts.lambda).toEqual({
      trigger: { invocations: 4, seconds: 2 },
      collector: { invocations: 84, seconds: 4.2 },
      observe: { invocations: 3, seconds: 0.9 },
    });
    expect(measured.counts).toMatchObject({ dynamoReadUnits: 120, dynamoWriteUnits: 180, sesMessages: 4 });
    // Transitions: the parent's predicted path with 3 measured observer passes (3 transitions each, by hand:
    // Observe sessions, All sessions done?, Wait for next observation) instead of the predicted ones,
    // and the 3 child executions measured × 5 (the session's path) instead of the 4 predicted.
    const predicted = cost.predicted!.counts;
    const predictedPasses = predicted.lambda.observe?.invocations ?? 0;
    expect(predictedPasses).toBeGreaterThan(3);
    const predictedChildTransitions = 4 * 5;
    expect(measured.counts.transitions).toBe(
      predicted.transitions - predictedChildTransitions - predictedPasses * 3 + 3 * 3 + 3 * 5,
    );
    expect(measured.estimated?.transitions).toContain('3 observer pass(es) (Observe invocations) × 3');
    expect(measured.estimated?.transitions).toContain('3 child execution(s) × 5');
    expect(measured.unmeasured).toEqual(['s3Gets']);
    // The report's own PUTs and metric reads: 3 files; 5 + 2 per function (Invocations and Duration).
    expect(measured.counts.s3Puts).toBe(3);
    expect(measured.counts.getMetricDataMetrics).toBe(5 + 2 * HANDLER_NAMES.length);
    expect(measured.source).toContain('published 1 to 5 minutes late');
    expect(measured.source).toContain('AWS/SES Send over the window: 9, account-wide');
    expect(measured.notMeasured.some((n) => /^Lambda .*prepare.*: no datapoints/.test(n))).toBe(true);
    expect(measured.total).toBeCloseTo(
      measured.items.reduce((sum, i) => sum + i.amount, 0),
      12,
    );

    const markdown = await readText('run-cost', 'report.md');
    expect(markdown).toContain('not measured');
    expect(markdown).toContain('≈ ');
  });

  it('still writes the report when the definition cannot be read: no prediction, transitions not measured', async () => {
    await finishedRun('run-nodef');
    const { handler } = await import('../../lambdas/report.js');
    const out = await handler({
      runId: 'run-nodef',
      stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:Missing',
    });
    expect(out.reportKey).toBe('reports/run-nodef/report.json');
    const cost = (await readReport('run-nodef')).cost!;
    expect(cost.predicted).toBeUndefined();
    expect(cost.measured?.unmeasured).toContain('transitions');
    expect(cost.measured?.notMeasured[0]).toMatch(/^no prediction: State Machine Does Not Exist/);
  });
});
