/**
 * What the harness used on AWS, read from CloudWatch's own metrics over the
 * run's window in one GetMetricData call: the queries (here), and the answer
 * turned into the billable quantities of core/harness-usage.ts
 * (core/harness-metrics-usage.ts). Pure: the call is lambdas/shared/harness-metrics.ts.
 */

/**
 * The label of the sessions' Distributed Map (lib/benchmark-workflow.ts): its
 * child executions publish their AWS/States metrics under the state machine
 * ARN followed by `/<label>`.
 */
export const SESSIONS_MAP_LABEL = 'Sessions';

/** The stack's resources whose metrics the harness's cost is read from. */
export interface HarnessResources {
  readonly stateMachineArn: string;
  /** Handler name -> its Lambda function's name (the FunctionName dimension). */
  readonly functions: Readonly<Record<string, string>>;
  readonly tableName: string;
}

/** A GetMetricData query, as the SDK takes it (only what these queries use). */
export interface MetricQuery {
  readonly Id: string;
  readonly MetricStat: {
    readonly Metric: {
      readonly Namespace: string;
      readonly MetricName: string;
      readonly Dimensions: readonly { readonly Name: string; readonly Value: string }[];
    };
    readonly Period: number;
    readonly Stat: 'Sum';
  };
}

/** What one query measures: a quantity of the usage, for one handler where it is a Lambda metric. */
export type QueryMeaning =
  | { readonly kind: 'parentExecutions' | 'childExecutions' | 'dynamoRead' | 'dynamoWrite' | 'sesSend' }
  | { readonly kind: 'lambdaInvocations' | 'lambdaDuration'; readonly handler: string };

export interface HarnessMetricRequest {
  readonly startMs: number;
  readonly endMs: number;
  readonly periodSeconds: number;
  readonly queries: readonly MetricQuery[];
  readonly meanings: Readonly<Record<string, QueryMeaning>>;
}

const MINUTE_MS = 60_000;
/** Datapoints per query at most: one day of minutes (GetMetricData returns 100,800 a page). */
const MAX_POINTS = 1_440;

/** Queries that do not depend on the number of handlers: executions (2), DynamoDB (2), SES (1). */
export const FIXED_HARNESS_QUERIES = 5;
/** Per handler: Invocations and Duration. */
export const HARNESS_QUERIES_PER_HANDLER = 2;

/**
 * The queries for a run from `fromMs` to `toMs`: whole minutes around it
 * (CloudWatch's standard resolution for these metrics), Sum of each:
 * AWS/States ExecutionsStarted of the state machine and of its sessions'
 * child executions, AWS/Lambda Invocations and Duration of each function,
 * AWS/DynamoDB ConsumedRead/WriteCapacityUnits of the table, AWS/SES Send.
 */
export function harnessMetricRequest(
  resources: HarnessResources,
  fromMs: number,
  toMs: number,
): HarnessMetricRequest {
  if (!(toMs >= fromMs)) throw new Error(`the run's window ends (${toMs}) before it starts (${fromMs})`);
  const startMs = Math.floor(fromMs / MINUTE_MS) * MINUTE_MS;
  const endMs = Math.max(startMs + MINUTE_MS, Math.ceil(toMs / MINUTE_MS) * MINUTE_MS);
  const minutes = (endMs - startMs) / MINUTE_MS;
  const periodSeconds = 60 * Math.ceil(minutes / MAX_POINTS);
  const queries: MetricQuery[] = [];
  const meanings: Record<string, QueryMeaning> = {};
  const add = (
    id: string,
    meaning: QueryMeaning,
    namespace: string,
    name: string,
    dimensions: Record<string, string>,
  ) => {
    queries.push({
      Id: id,
      MetricStat: {
        Metric: {
          Namespace: namespace,
          MetricName: name,
          Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
        },
        Period: periodSeconds,
        Stat: 'Sum',
      },
    });
    meanings[id] = meaning;
  };
  const machine = resources.stateMachineArn;
  add('states_parent', { kind: 'parentExecutions' }, 'AWS/States', 'ExecutionsStarted', {
    StateMachineArn: machine,
  });
  add('states_child', { kind: 'childExecutions' }, 'AWS/States', 'ExecutionsStarted', {
    StateMachineArn: `${machine}/${SESSIONS_MAP_LABEL}`,
  });
  Object.entries(resources.functions)
    .sort(([a], [b]) => a.localeCompare(b))
    .forEach(([handler, functionName], i) => {
      add(`lambda_invocations_${i}`, { kind: 'lambdaInvocations', handler }, 'AWS/Lambda', 'Invocations', {
        FunctionName: functionName,
      });
      add(`lambda_duration_${i}`, { kind: 'lambdaDuration', handler }, 'AWS/Lambda', 'Duration', {
        FunctionName: functionName,
      });
    });
  const table = { TableName: resources.tableName };
  add('dynamo_read', { kind: 'dynamoRead' }, 'AWS/DynamoDB', 'ConsumedReadCapacityUnits', table);
  add('dynamo_write', { kind: 'dynamoWrite' }, 'AWS/DynamoDB', 'ConsumedWriteCapacityUnits', table);
  add('ses_send', { kind: 'sesSend' }, 'AWS/SES', 'Send', {});
  return { startMs, endMs, periodSeconds, queries, meanings };
}
