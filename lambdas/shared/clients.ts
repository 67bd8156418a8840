import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { S3Client } from '@aws-sdk/client-s3';
import { SESClient } from '@aws-sdk/client-ses';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * SDK clients, created once per process on first use. Endpoints come from the
 * standard AWS_ENDPOINT_URL_<SERVICE> variables (local mode sets them).
 */
const resets: (() => void)[] = [];

function once<T>(make: () => T): () => T {
  let value: T | undefined;
  resets.push(() => {
    value = undefined;
  });
  return () => {
    value ??= make();
    return value;
  };
}

/** Local mode: drop the clients so the next call reads the (new) endpoints from the environment. */
export function resetClients(): void {
  for (const reset of resets) reset();
}

export const dynamo = once(() =>
  DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } }),
);
// Path-style addressing locally: bucket names with dots (edit.amelia.webordinary.com) and a 127.0.0.1 endpoint.
export const s3 = once(() => new S3Client({ forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3) }));
export const ses = once(() => new SESClient({}));
export const sfn = once(() => new SFNClient({}));
export const logs = once(() => new CloudWatchLogsClient({}));
export const cloudwatch = once(() => new CloudWatchClient({}));
export const ecs = once(() => new ECSClient({}));
// The client's own endpoint, not the host in a QueueUrl: a local run's queue URL names the port of
// the endpoint it was made by, and a later run in the same process has another.
export const sqs = once(() => new SQSClient({ useQueueUrlAsEndpoint: false }));
