import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from './clients.js';

const RETENTION_SECONDS = 90 * 24 * 3600;

/** Paces a run's sends across all its concurrent triggers, with one item (`RUN#<runId>` / `PACER`) in the table. */
export class SendPacer {
  constructor(private readonly table: string) {}

  /**
   * Reserves the next send slot of the run, at most one per `gapMs` across all
   * concurrent triggers. While sends are queued the slot is taken with one
   * conditional increment (no read, no contention between callers); after an
   * idle spell the first caller restarts the queue at now.
   */
  async reserve(runId: string, gapMs: number): Promise<number> {
    const Key = { pk: `RUN#${runId}`, sk: 'PACER' };
    for (;;) {
      const now = Date.now();
      try {
        const out = await dynamo().send(
          new UpdateCommand({
            TableName: this.table,
            Key,
            UpdateExpression: 'SET nextAt = nextAt + :gap',
            ConditionExpression: 'nextAt >= :now',
            ExpressionAttributeValues: { ':gap': gapMs, ':now': now },
            ReturnValues: 'UPDATED_NEW',
          }),
        );
        return (out.Attributes?.nextAt as number) - gapMs;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
      try {
        await dynamo().send(
          new UpdateCommand({
            TableName: this.table,
            Key,
            UpdateExpression: 'SET nextAt = :next, expiresAt = :expires',
            ConditionExpression: 'attribute_not_exists(nextAt) OR nextAt < :now',
            ExpressionAttributeValues: {
              ':next': now + gapMs,
              ':now': now,
              ':expires': Math.floor(Date.now() / 1000) + RETENTION_SECONDS,
            },
          }),
        );
        return now;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
  }
}
