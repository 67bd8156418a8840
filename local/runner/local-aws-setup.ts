import { randomUUID } from 'node:crypto';
import {
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
  PutSubscriptionFilterCommand,
  ResourceAlreadyExistsException,
  ResourceNotFoundException,
} from '@aws-sdk/client-cloudwatch-logs';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { BucketAlreadyOwnedByYou, CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { isLogStage, type Profile } from '../../core/profile.js';
import { dynamo, logs } from '../../lambdas/shared/clients.js';
import type { LocalAws } from '../emulators.js';
import type { EcsControl, LogSink, MetricSink, TargetModel } from '../simulator/index.js';

/**
 * What `cdk deploy` and the target's own infrastructure provide on AWS, made
 * locally through the same APIs: the table, the buckets, the log groups and
 * subscription filters, the ECS service.
 */

export const LOCAL_TABLE = 'webordinary-bench-local';
export const LOCAL_REPORTS_BUCKET = 'webordinary-bench-reports-local';
export const COLLECTOR_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:webordinary-bench-collector';

export const localS3 = () => new S3Client({ forcePathStyle: true });

export const LOST_BATCHES_QUEUE = 'webordinary-bench-lost-batches';

/**
 * The collector's on-failure destination (lib/lost-batches-construct.ts): a
 * delivery that failed every attempt becomes a Lambda destination record in
 * the local queue, as AWS sends it. Returns the queue's URL.
 */
export function lostBatchesQueue(aws: LocalAws): string {
  const { QueueUrl } = aws.endpoint.sqs.createQueue({ QueueName: LOST_BATCHES_QUEUE });
  aws.endpoint.logs.onDeliveryError((failure) => {
    const error = failure.error as { name?: string; message?: string } | undefined;
    aws.endpoint.sqs.sendMessage({
      QueueUrl,
      MessageBody: JSON.stringify({
        version: '1.0',
        timestamp: new Date().toISOString(),
        requestContext: {
          requestId: randomUUID(),
          functionArn: `${failure.destinationArn}:$LATEST`,
          condition: 'RetriesExhausted',
          approximateInvokeCount: failure.attempts,
        },
        requestPayload: failure.event,
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
        responsePayload: {
          errorType: error?.name ?? 'Error',
          errorMessage: error?.message ?? String(failure.error),
        },
      }),
    });
  });
  return QueueUrl;
}

export async function createTable(): Promise<void> {
  // Same keys and TTL attribute as lib/storage-construct.ts (TTL itself: dynalite has no UpdateTimeToLive).
  await dynamo().send(
    new CreateTableCommand({
      TableName: LOCAL_TABLE,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
    }),
  );
}

export async function createBuckets(s3: S3Client, profile: Profile, model: TargetModel): Promise<void> {
  const names = new Set([LOCAL_REPORTS_BUCKET]);
  if (profile.target.trigger.type === 's3-eml') names.add(profile.target.trigger.bucket);
  if (model.intake.s3) names.add(model.intake.s3.bucket);
  for (const Bucket of names) {
    try {
      await s3.send(new CreateBucketCommand({ Bucket }));
    } catch (error) {
      if (!(error instanceof BucketAlreadyOwnedByYou) && (error as Error).name !== 'BucketAlreadyExists')
        throw error;
    }
  }
}

/** The log groups the profile observes and the model writes, and (push mode) the collector's subscription on each. */
export async function createLogGroups(
  aws: LocalAws,
  profile: Profile,
  model: TargetModel,
  collector: readonly ((event: unknown) => Promise<unknown>)[],
): Promise<void> {
  const observed = new Set(profile.target.stages.filter(isLogStage).map((s) => s.log.group));
  for (const f of profile.target.failures) observed.add(f.group);
  for (const group of new Set([...observed, model.logs.group])) await ensureLogGroup(group);
  if (profile.target.observe.mode !== 'push') return;
  aws.endpoint.logs.registerDestination(COLLECTOR_ARN, collector);
  for (const logGroupName of observed) {
    await logs().send(
      new PutSubscriptionFilterCommand({
        logGroupName,
        filterName: 'webordinary-bench-collector',
        filterPattern: '',
        destinationArn: COLLECTOR_ARN,
      }),
    );
  }
}

async function ensureLogGroup(logGroupName: string): Promise<void> {
  try {
    await logs().send(new CreateLogGroupCommand({ logGroupName }));
  } catch (error) {
    if (!(error instanceof ResourceAlreadyExistsException)) throw error;
  }
}

/** Container log lines go out through PutLogEvents, so subscriptions and FilterLogEvents see them as on AWS. */
export function logSink(): LogSink {
  const streams = new Set<string>();
  return {
    async put(group, stream, events) {
      if (events.length === 0) return;
      const id = `${group}\n${stream}`;
      if (!streams.has(id)) {
        // The group exists already as a rule (createLogGroups): it is created only when missing.
        const createStream = () =>
          logs().send(new CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
        try {
          await createStream().catch(async (error: unknown) => {
            if (!(error instanceof ResourceNotFoundException)) throw error;
            await ensureLogGroup(group);
            await createStream();
          });
        } catch (error) {
          if (!(error instanceof ResourceAlreadyExistsException)) throw error;
        }
        streams.add(id);
      }
      try {
        await logs().send(
          new PutLogEventsCommand({ logGroupName: group, logStreamName: stream, logEvents: [...events] }),
        );
      } catch (error) {
        if (error instanceof ResourceNotFoundException) streams.delete(id);
        throw error;
      }
    },
  };
}

/**
 * The service's CPU and memory go into the local CloudWatch as ECS itself
 * publishes them (customers may not write `AWS/` namespaces); the benchmark
 * reads them back with GetMetricData like any other series.
 */
export function metricSink(aws: LocalAws): MetricSink {
  return {
    async put(namespace, data) {
      if (data.length === 0) return;
      const MetricData = data.map((d) => ({ ...d, Timestamp: d.Timestamp.getTime() / 1000 }));
      aws.endpoint.cloudwatch.putMetricData({ Namespace: namespace, MetricData }, 0, { asAwsService: true });
    },
  };
}

/** The model's ECS service, created in the local ECS, as the simulator's handle on it. */
export function ecsControl(aws: LocalAws, model: TargetModel): EcsControl {
  const { cluster, service } = model.ecs;
  const ecs = aws.endpoint.ecs;
  ecs.defineService({ cluster, service, desiredCount: model.ecs.initialDesiredCount, runningCount: 0 });
  return {
    getDesiredCount: () => ecs.getService(cluster, service)?.desiredCount ?? 0,
    setCounts: (running, pending) => ecs.setCounts(cluster, service, { running, pending }),
    setDesiredCount: (desiredCount) => ecs.updateService({ cluster, service, desiredCount }),
    onDesiredCountChange: (listener) =>
      ecs.onDesiredCountChange((change) => {
        if (change.cluster === cluster && change.service === service) listener(change.desiredCount);
      }),
  };
}
