import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { LostBatch } from '../../core/report-model.js';
import { dynamo, sqs } from './clients.js';
import { decodeSubscriptionEvent } from './subscription-payload.js';

/**
 * Batches the collector failed on: Lambda sends each, after its retries, to the
 * lost-batches queue as an on-failure destination record. The report moves the
 * queue's records into the table (`LOST` / `BATCH#<first event ms>#<request id>`,
 * written before the message is deleted, so a crash loses nothing) and reads
 * the ones in its run's time window.
 */

const PK = 'LOST';
const RETENTION_SECONDS = 90 * 24 * 3600;
/** At most this many receive calls per drain (10 messages each): the report must finish. */
const MAX_RECEIVES = 50;
const pad = (ms: number) => String(Math.max(0, Math.floor(ms))).padStart(15, '0');

/** An on-failure destination record, as Lambda writes it. */
interface DestinationRecord {
  timestamp?: string;
  requestContext?: { requestId?: string; condition?: string; approximateInvokeCount?: number };
  requestPayload?: unknown;
  responsePayload?: { errorType?: string; errorMessage?: string };
}

export async function drainLostBatches(queueUrl: string, table: string): Promise<number> {
  let moved = 0;
  for (let i = 0; i < MAX_RECEIVES; i++) {
    const out = await sqs().send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 60,
      }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) break;
    for (const message of messages) {
      const { batch, requestId } = describeRecord(message.Body ?? '', message.MessageId ?? 'unknown');
      await dynamo().send(
        new PutCommand({
          TableName: table,
          Item: {
            pk: PK,
            sk: `BATCH#${pad(batch.firstAt)}#${requestId}`,
            ...batch,
            expiresAt: Math.floor(Date.now() / 1000) + RETENTION_SECONDS,
          },
        }),
      );
      await sqs().send(
        new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }),
      );
      moved++;
    }
  }
  return moved;
}

/** The lost batches whose first event falls in [from, to]. */
export async function lostBatchesBetween(table: string, from: number, to: number): Promise<LostBatch[]> {
  const batches: LostBatch[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const out = await dynamo().send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': PK, ':from': `BATCH#${pad(from)}`, ':to': `BATCH#${pad(to)}#~` },
        ExclusiveStartKey,
      }),
    );
    for (const item of out.Items ?? []) {
      batches.push({
        logGroup: item.logGroup as string,
        logStream: item.logStream as string,
        firstAt: item.firstAt as number,
        lastAt: item.lastAt as number,
        events: item.events as number,
        reason: item.reason as string,
      });
    }
    ExclusiveStartKey = out.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return batches;
}

/** What a destination record says about its batch; an undecodable one is still named (by when it failed). */
export function describeRecord(body: string, messageId: string): { batch: LostBatch; requestId: string } {
  let record: DestinationRecord = {};
  try {
    record = JSON.parse(body) as DestinationRecord;
  } catch {
    // Named below as an unreadable record.
  }
  const failedAt = Date.parse(record.timestamp ?? '') || Date.now();
  const requestId = String(record.requestContext?.requestId ?? messageId).replace(/[^A-Za-z0-9-]/g, '');
  const error = record.responsePayload?.errorMessage ?? record.requestContext?.condition ?? 'unknown failure';
  const reason = `${record.responsePayload?.errorType ? `${record.responsePayload.errorType}: ` : ''}${String(error).slice(0, 300)}`;
  const decoded = decodeSubscriptionEvent(record.requestPayload);
  if (!decoded.ok) {
    return {
      requestId,
      batch: {
        logGroup: '(unreadable)',
        logStream: '(unreadable)',
        firstAt: failedAt,
        lastAt: failedAt,
        events: 0,
        reason: `${reason}; ${decoded.reason}`,
      },
    };
  }
  const times = decoded.payload.logEvents.map((e) => e.timestamp);
  return {
    requestId,
    batch: {
      logGroup: decoded.payload.logGroup,
      logStream: decoded.payload.logStream,
      firstAt: times.length > 0 ? Math.min(...times) : failedAt,
      lastAt: times.length > 0 ? Math.max(...times) : failedAt,
      events: times.length,
      reason,
    },
  };
}
