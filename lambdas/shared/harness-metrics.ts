import { GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeStateMachineCommand } from '@aws-sdk/client-sfn';
import { z } from 'zod';
import type { AslGraph } from '../../core/asl-walk.js';
import type { HarnessMetricRequest } from '../../core/harness-metrics.js';
import type { MetricAnswer } from '../../core/harness-metrics-usage.js';
import { cloudwatch, sfn } from './clients.js';

const HandlerFunctionsSchema = z.record(
  z.string(),
  z.object({ functionName: z.string().min(1).optional(), memoryMiB: z.number().int().positive() }),
);

/** Each handler's function name (the report's own: AWS_LAMBDA_FUNCTION_NAME) and memory size. */
export interface HandlerFunctions {
  readonly names: Readonly<Record<string, string>>;
  readonly memoryMiB: Readonly<Record<string, number>>;
}

/**
 * Reads HANDLER_FUNCTIONS (`{"<handler>": {"functionName": "...", "memoryMiB": 256}}`,
 * set by lib/handlers-construct.ts); a handler without a name is the function
 * itself (`ownName`, AWS_LAMBDA_FUNCTION_NAME), which cannot name itself in its
 * own environment.
 */
export function parseHandlerFunctions(text: string, ownName: string | undefined): HandlerFunctions {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`HANDLER_FUNCTIONS is not JSON: ${(error as Error).message}`);
  }
  const parsed = HandlerFunctionsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`HANDLER_FUNCTIONS.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  const names: Record<string, string> = {};
  const memoryMiB: Record<string, number> = {};
  for (const [handler, { functionName, memoryMiB: memory }] of Object.entries(parsed.data)) {
    const name = functionName ?? ownName;
    if (name === undefined) throw new Error(`HANDLER_FUNCTIONS.${handler}.functionName is missing`);
    names[handler] = name;
    memoryMiB[handler] = memory;
  }
  return { names, memoryMiB };
}

/** The handler a Lambda task invokes: its FunctionName is the function's ARN (or name) in the definition. */
export function handlerOfFunction(functions: HandlerFunctions): (functionName: string) => string | undefined {
  const byName = new Map(Object.entries(functions.names).map(([handler, name]) => [name, handler]));
  return (functionName) => {
    const name = /:function:([^:]+)/.exec(functionName)?.[1] ?? functionName;
    return byName.get(name);
  };
}

/** The deployed definition of the state machine (DescribeStateMachine). */
export async function deployedDefinition(stateMachineArn: string): Promise<AslGraph> {
  const out = await sfn().send(new DescribeStateMachineCommand({ stateMachineArn }));
  const definition = JSON.parse(out.definition ?? '{}') as Partial<AslGraph>;
  if (typeof definition.StartAt !== 'string' || typeof definition.States !== 'object')
    throw new Error(`${stateMachineArn} answered a definition without StartAt and States`);
  return definition as AslGraph;
}

/**
 * One GetMetricData call with every query (its pages followed: AWS answers
 * PartialData with a NextToken when there are more datapoints), the results
 * of a query merged. `metricsRequested` is what CloudWatch bills: the queries
 * of each page.
 */
export async function readHarnessMetrics(
  request: HarnessMetricRequest,
): Promise<{ answers: MetricAnswer[]; metricsRequested: number }> {
  const merged = new Map<string, { Id: string; Values: number[]; StatusCode?: string }>();
  let metricsRequested = 0;
  let NextToken: string | undefined;
  do {
    metricsRequested += request.queries.length;
    const out = await cloudwatch().send(
      new GetMetricDataCommand({
        MetricDataQueries: request.queries.map((q) => ({
          ...q,
          MetricStat: {
            ...q.MetricStat,
            Metric: { ...q.MetricStat.Metric, Dimensions: [...q.MetricStat.Metric.Dimensions] },
          },
        })),
        StartTime: new Date(request.startMs),
        EndTime: new Date(request.endMs),
        NextToken,
      }),
    );
    for (const result of out.MetricDataResults ?? []) {
      const id = result.Id ?? '';
      const into = merged.get(id) ?? { Id: id, Values: [] };
      into.Values.push(...(result.Values ?? []));
      // The last page's status stands: Complete once every page was read.
      if (result.StatusCode !== undefined) into.StatusCode = result.StatusCode;
      merged.set(id, into);
    }
    NextToken = out.NextToken;
  } while (NextToken);
  return { answers: [...merged.values()], metricsRequested };
}
