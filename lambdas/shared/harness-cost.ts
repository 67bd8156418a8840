import { type HarnessPrediction, predictHarnessCost } from '../../core/harness-cost-model.js';
import { measuredFigures, predictedFigures } from '../../core/harness-figures.js';
import { harnessMetricRequest } from '../../core/harness-metrics.js';
import { type MetricAnswer, usageFromMetrics } from '../../core/harness-metrics-usage.js';
import type { Profile } from '../../core/profile.js';
import type { CostReport, SessionReport } from '../../core/report-model.js';
import {
  deployedDefinition,
  type HandlerFunctions,
  handlerOfFunction,
  readHarnessMetrics,
} from './harness-metrics.js';

/** The report's own S3 PUTs: report.json, .md, .html. */
const REPORT_PUTS = 3;

const LATE =
  'read from CloudWatch when the report was written: these metrics are published 1 to 5 minutes late, so the ' +
  "run's last minutes and the report's own invocation are not in them yet; rebuilding the report later reads them again";

export interface HarnessCostInput {
  readonly profile: Profile;
  readonly sessions: readonly SessionReport[];
  readonly startedAt: number;
  readonly finishedAt: number;
  /** The state machine the run executes ($$.StateMachine.Id); absent: no prediction, no executions. */
  readonly stateMachineArn: string | undefined;
  readonly functions: HandlerFunctions;
  readonly tableName: string;
  /** PutMetricData requests publishing the report takes. */
  readonly putMetricDataRequests: number;
  /** Metrics the report requested besides its own usage read (the ECS series). */
  readonly otherMetricsRequested: number;
}

/**
 * The run's harness cost on AWS: predicted from the deployed definition, and
 * measured from CloudWatch over the run's window (core/harness-metrics-usage.ts
 * says what is measured, estimated and not measured). Neither fails the report:
 * what cannot be had is said in it.
 */
export async function awsHarnessCost(
  input: HarnessCostInput,
): Promise<Pick<CostReport, 'predicted' | 'measured'>> {
  const { profile, functions } = input;
  const notes: string[] = [];
  let prediction: HarnessPrediction | null = null;
  if (input.stateMachineArn === undefined) {
    notes.push('no prediction: the report was invoked without stateMachineArn');
  } else {
    try {
      const definition = await deployedDefinition(input.stateMachineArn);
      prediction = predictHarnessCost(profile, {
        definition,
        handlerOf: handlerOfFunction(functions),
        memoryMiB: functions.memoryMiB,
      });
    } catch (error) {
      notes.push(`no prediction: ${(error as Error).message}`);
    }
  }
  const request = harnessMetricRequest(
    {
      stateMachineArn: input.stateMachineArn ?? 'unknown',
      functions: functions.names,
      tableName: input.tableName,
    },
    input.startedAt,
    input.finishedAt,
  );
  let answers: MetricAnswer[] | null = null;
  let failure: string | undefined;
  let metricsRequested = request.queries.length;
  try {
    const read = await readHarnessMetrics(request);
    answers = read.answers;
    metricsRequested = read.metricsRequested;
  } catch (error) {
    failure = `${(error as Error).name}: ${(error as Error).message}`;
  }
  const sent = input.sessions.filter((s) => s.sentAt !== null).length;
  const ses = profile.target.trigger.type === 'ses';
  const measured = usageFromMetrics({
    request,
    answers,
    ...(failure !== undefined ? { failure } : {}),
    prediction: prediction && {
      transitions: prediction.usage.transitions,
      children: prediction.children,
      observer: prediction.observer,
    },
    counted: {
      sesMessages: ses ? sent : 0,
      s3Puts: REPORT_PUTS + (ses ? 0 : sent),
      putMetricDataRequests: input.putMetricDataRequests,
      getMetricDataMetrics: input.otherMetricsRequested + metricsRequested,
    },
    pollMode: profile.target.observe.mode === 'poll',
  });
  const window = `${new Date(request.startMs).toISOString()} to ${new Date(request.endMs).toISOString()}`;
  const sesNote =
    measured.sesSendMetric === null
      ? ''
      : ` (AWS/SES Send over the window: ${measured.sesSendMetric}, account-wide: any other mail the account sent, the target's included)`;
  const source =
    `CloudWatch metrics of the stack's state machine, functions and table over ${window} ` +
    '(AWS/States ExecutionsStarted, AWS/Lambda Invocations and Duration, AWS/DynamoDB ConsumedRead/WriteCapacityUnits; ' +
    `runs beside this one in the window are included), ${LATE}; ` +
    `emails counted from the sessions' records${sesNote}; the report's own S3 PUTs and CloudWatch requests counted`;
  return {
    ...(prediction ? { predicted: predictedFigures(prediction) } : {}),
    measured: measuredFigures(measured.usage, functions.memoryMiB, input.sessions.length, {
      source,
      notMeasured: [
        ...notes,
        ...measured.notMeasured,
        "Lambda cold-start init time (billed, not in the Duration metric) and each invocation's rounding up to the ms",
      ],
      byHandler: measured.byHandler,
      unmeasured: measured.unmeasured,
      estimated: measured.estimated,
    }),
  };
}
