import { describe, expect, it } from 'vitest';
import { measuredFigures } from '../../core/harness-figures.js';
import { harnessMetricRequest, SESSIONS_MAP_LABEL } from '../../core/harness-metrics.js';
import { type MetricAnswer, usageFromMetrics } from '../../core/harness-metrics-usage.js';
import { costComparisonLine, costComparisonTable } from '../../core/render-cost-comparison.js';
import type { CostReport } from '../../core/report-model.js';

const ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:WorkflowStateMachine-abc';
const RESOURCES = {
  stateMachineArn: ARN,
  functions: {
    trigger: 'Bench-Trigger-1',
    collector: 'Bench-Collector-2',
    report: 'Bench-Report-3',
    observe: 'Bench-Observe-5',
  },
  tableName: 'Bench-Table-4',
};
const START = Date.parse('2026-11-29T10:00:20Z');
const END = Date.parse('2026-11-29T10:03:10Z');
const request = harnessMetricRequest(RESOURCES, START, END);
/** 20 sessions predicted: 100 child transitions, 150 in all. */
const PREDICTION = {
  transitions: 150,
  children: { executions: 20, transitions: 100 },
  observer: { passes: 10, transitionsPerPass: 3 },
};
const COUNTED = { sesMessages: 20, s3Puts: 3, putMetricDataRequests: 1, getMetricDataMetrics: 11 };

/** The id of the query that reads `metric` (of `functionName`). */
function idOf(metric: string, functionName?: string): string {
  const query = request.queries.find(
    (q) =>
      `${q.MetricStat.Metric.Namespace}/${q.MetricStat.Metric.MetricName}` === metric &&
      (functionName === undefined || q.MetricStat.Metric.Dimensions.some((d) => d.Value === functionName)),
  );
  if (!query) throw new Error(`no query for ${metric}`);
  return query.Id;
}

/** A complete answer: per-minute datapoints, as CloudWatch returns them. */
function completeAnswer(): MetricAnswer[] {
  const answer = (id: string, values: number[]): MetricAnswer => ({
    Id: id,
    Values: values,
    StatusCode: 'Complete',
  });
  return [
    answer(idOf('AWS/States/ExecutionsStarted'), [1]),
    answer(request.queries[1]!.Id, [12, 8]),
    answer(idOf('AWS/Lambda/Invocations', 'Bench-Trigger-1'), [15, 5]),
    answer(idOf('AWS/Lambda/Duration', 'Bench-Trigger-1'), [9_000, 4_000]),
    answer(idOf('AWS/Lambda/Invocations', 'Bench-Collector-2'), [300, 120, 0]),
    answer(idOf('AWS/Lambda/Duration', 'Bench-Collector-2'), [15_000, 6_000, 0]),
    answer(idOf('AWS/Lambda/Invocations', 'Bench-Report-3'), [1]),
    answer(idOf('AWS/Lambda/Duration', 'Bench-Report-3'), [2_500]),
    answer(idOf('AWS/Lambda/Invocations', 'Bench-Observe-5'), [3, 1]),
    answer(idOf('AWS/Lambda/Duration', 'Bench-Observe-5'), [900, 300]),
    answer(idOf('AWS/DynamoDB/ConsumedReadCapacityUnits'), [200, 234.5]),
    answer(idOf('AWS/DynamoDB/ConsumedWriteCapacityUnits'), [600, 351]),
    answer(idOf('AWS/SES/Send'), [30, 10]),
  ];
}

const input = (
  answers: MetricAnswer[] | null,
  extra: Partial<Parameters<typeof usageFromMetrics>[0]> = {},
) => ({
  request,
  answers,
  prediction: PREDICTION,
  counted: COUNTED,
  pollMode: false,
  ...extra,
});

describe('harnessMetricRequest', () => {
  it('asks for the sum of each metric over whole minutes around the run, one query per series', () => {
    expect(request.startMs).toBe(Date.parse('2026-11-29T10:00:00Z'));
    expect(request.endMs).toBe(Date.parse('2026-11-29T10:04:00Z'));
    expect(request.periodSeconds).toBe(60);
    // Parent and child executions, 2 per function, the table's reads and writes, SES.
    expect(request.queries).toHaveLength(2 + 2 * 4 + 2 + 1);
    const ids = request.queries.map((q) => q.Id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z][a-zA-Z0-9_]*$/);
    for (const q of request.queries) expect(q.MetricStat).toMatchObject({ Period: 60, Stat: 'Sum' });
    const arns = request.queries
      .filter((q) => q.MetricStat.Metric.Namespace === 'AWS/States')
      .map((q) => q.MetricStat.Metric.Dimensions);
    expect(arns).toEqual([
      [{ Name: 'StateMachineArn', Value: ARN }],
      [{ Name: 'StateMachineArn', Value: `${ARN}/${SESSIONS_MAP_LABEL}` }],
    ]);
    expect(
      request.queries.find((q) => q.MetricStat.Metric.Namespace === 'AWS/DynamoDB')?.MetricStat.Metric
        .Dimensions,
    ).toEqual([{ Name: 'TableName', Value: 'Bench-Table-4' }]);
  });

  it('widens the period of a run longer than a day so each series stays within 1,440 datapoints', () => {
    const long = harnessMetricRequest(RESOURCES, START, START + 36 * 3_600_000);
    expect(long.periodSeconds).toBe(120);
    expect((long.endMs - long.startMs) / 1_000 / long.periodSeconds).toBeLessThanOrEqual(1_440);
  });

  it('refuses a window that ends before it starts', () => {
    expect(() => harnessMetricRequest(RESOURCES, END, START)).toThrow(/ends .* before it starts/);
  });
});

describe('usageFromMetrics', () => {
  it('sums each series and counts Lambda seconds from Duration (ms)', () => {
    const out = usageFromMetrics(input(completeAnswer()));
    expect(out.usage.lambda).toEqual({
      collector: { invocations: 420, seconds: 21 },
      observe: { invocations: 4, seconds: 1.2 },
      report: { invocations: 1, seconds: 2.5 },
      trigger: { invocations: 20, seconds: 13 },
    });
    expect(out.usage).toMatchObject({ dynamoReadUnits: 434.5, dynamoWriteUnits: 951, ...COUNTED });
    expect(out.byHandler.trigger).toEqual({ invocations: 20, seconds: 13 });
    expect(out.sesSendMetric).toBe(40);
  });

  it('estimates transitions from the measured executions with the prediction per execution, and says so', () => {
    const out = usageFromMetrics(input(completeAnswer()));
    // 1 parent × (150 − 100 − 10 passes × 3) + 4 passes (Observe invocations) × 3 + 20 children × (100 / 20).
    expect(out.usage.transitions).toBe(20 + 12 + 100);
    expect(out.estimated.transitions).toContain('4 observer pass(es) (Observe invocations) × 3');
    expect(out.estimated.transitions).toMatch(
      /^Step Functions publishes no metric of state transitions, so they are derived: /,
    );
    expect(out.estimated.transitions).toContain('20 child execution(s) × 5');
    const fewer = completeAnswer().map((a) => (a.Id === request.queries[1]!.Id ? { ...a, Values: [7] } : a));
    expect(usageFromMetrics(input(fewer)).usage.transitions).toBe(20 + 12 + 7 * 5);
  });

  it("takes the observer's passes as predicted when Observe has no datapoints", () => {
    const answers = completeAnswer().filter(
      (a) => a.Id !== idOf('AWS/Lambda/Invocations', 'Bench-Observe-5'),
    );
    const out = usageFromMetrics(input(answers));
    expect(out.usage.transitions).toBe(50 + 100);
    expect(out.estimated.transitions).toContain('10 observer passes assumed');
  });

  it('leaves only what no metric covers unmeasured when every series answered', () => {
    const out = usageFromMetrics(input(completeAnswer()));
    expect(out.unmeasured).toEqual(['s3Gets']);
    expect(out.notMeasured).toHaveLength(1);
    expect(out.notMeasured[0]).toMatch(/^S3 GET\/HEAD/);
    const poll = usageFromMetrics(input(completeAnswer(), { pollMode: true }));
    expect(poll.unmeasured).toContain('filterLogEventsRequests');
  });

  it('reports a series without datapoints as not measured, never as zero', () => {
    const answers = completeAnswer()
      .filter((a) => a.Id !== idOf('AWS/DynamoDB/ConsumedReadCapacityUnits'))
      .map((a) => (a.Id === idOf('AWS/Lambda/Invocations', 'Bench-Report-3') ? { ...a, Values: [] } : a));
    const out = usageFromMetrics(input(answers));
    expect(out.unmeasured).toContain('dynamoReadUnits');
    expect(out.unmeasured).not.toContain('dynamoWriteUnits');
    expect(out.notMeasured).toContain('DynamoDB read units: no result for dynamoRead');
    expect(out.usage.lambda.report).toBeUndefined();
    expect(out.notMeasured.some((n) => n.startsWith('Lambda report: no datapoints in the window'))).toBe(
      true,
    );
    // Some functions answered: Lambda as a whole is measured.
    expect(out.unmeasured).not.toContain('lambda');
  });

  it('counts no child execution it could not read, and says the transitions miss them', () => {
    const answers = completeAnswer().filter((a) => a.Id !== request.queries[1]!.Id);
    const out = usageFromMetrics(input(answers));
    expect(out.usage.transitions).toBe(20 + 12);
    expect(out.notMeasured.some((n) => n.startsWith("child executions (the sessions'): no result"))).toBe(
      true,
    );
  });

  it('marks the transitions not measured without the parent execution or without a prediction', () => {
    const noParent = completeAnswer().map((a) =>
      a.Id === request.queries[0]!.Id ? { ...a, Values: [] } : a,
    );
    const a = usageFromMetrics(input(noParent));
    expect(a.unmeasured).toContain('transitions');
    expect(a.estimated.transitions).toBeUndefined();
    expect(a.notMeasured).toContain(
      "state transitions: the run's execution has no datapoints in the window (none, or not yet published)",
    );
    const b = usageFromMetrics(input(completeAnswer(), { prediction: null }));
    expect(b.unmeasured).toContain('transitions');
    expect(b.usage.transitions).toBe(0);
  });

  it('takes partial data with a note, and a Forbidden series as not measured', () => {
    const answers = completeAnswer().map((a) => {
      if (a.Id === idOf('AWS/DynamoDB/ConsumedWriteCapacityUnits'))
        return { ...a, StatusCode: 'PartialData' };
      if (a.Id === idOf('AWS/DynamoDB/ConsumedReadCapacityUnits')) return { ...a, StatusCode: 'Forbidden' };
      return a;
    });
    const out = usageFromMetrics(input(answers));
    expect(out.usage.dynamoWriteUnits).toBe(951);
    expect(out.notMeasured).toContain('partial answers (more datapoints than read): DynamoDB write units');
    expect(out.unmeasured).toContain('dynamoReadUnits');
    expect(out.notMeasured).toContain('DynamoDB read units: CloudWatch answered Forbidden for dynamoRead');
  });

  it('keeps the counted quantities and marks every metric quantity not measured when the call failed', () => {
    const out = usageFromMetrics(input(null, { failure: 'AccessDenied: not authorized' }));
    expect([...out.unmeasured].sort()).toEqual([
      'dynamoReadUnits',
      'dynamoWriteUnits',
      'lambda',
      's3Gets',
      'transitions',
    ]);
    expect(out.usage).toMatchObject(COUNTED);
    expect(out.notMeasured).toContain(
      'DynamoDB read units: the GetMetricData call failed (AccessDenied: not authorized)',
    );
  });
});

describe('the measured figures on AWS, rendered', () => {
  it('show "not measured" and "≈" beside the prediction instead of a zero', () => {
    const answers = completeAnswer().filter((a) => a.Id !== idOf('AWS/DynamoDB/ConsumedReadCapacityUnits'));
    const out = usageFromMetrics(input(answers));
    const memory = { trigger: 256, collector: 512, report: 1024, observe: 512 };
    const measured = measuredFigures(out.usage, memory, 20, {
      source: 'CloudWatch metrics',
      notMeasured: out.notMeasured,
      byHandler: out.byHandler,
      unmeasured: out.unmeasured,
      estimated: out.estimated,
    });
    const predicted = measuredFigures({ ...out.usage, dynamoReadUnits: 500, s3Gets: 40 }, memory, 20, {
      source: '',
      notMeasured: [],
    });
    const cost = {
      currency: 'USD',
      measured,
      predicted: { ...predicted, assumptions: [] },
    } as unknown as CostReport;
    const rows = costComparisonTable(cost)!.rows;
    const row = (what: string) => rows.find((r) => r[1] === what);
    expect(row('read request units')?.slice(4)).toEqual(['not measured', '–']);
    expect(row('GET/HEAD requests')?.slice(4)).toEqual(['not measured', '–']);
    expect(row('state transitions')?.[4]).toBe('≈ 132');
    expect(row('write request units')?.[4]).toBe('951');
    expect(costComparisonLine(cost)).toContain('Estimated: transitions: Step Functions publishes no metric');
  });
});
