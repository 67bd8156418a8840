import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from './clients.js';

const RETENTION_SECONDS = 90 * 24 * 3600;

/** Paces a run's sends across all its concurrent triggers, with one item (`RUN#<runId>` / `PACER`) in the table. */
export class SendPacer {
  constructor(private readonly table: string) {}

  /**
   * Reserves the next send slot of the run, at most one per `gapMs` across all
   * concurrent triggers: the later of the queue's tail and the time the call
   * began. While sends are queued the slot is taken with one conditional
   * increment (no read, no contention between callers); after an idle spell
   * the first caller restarts the queue at its start time.
   *
   * `now` is read once: a caller that lost the restart to another appends to
   * the queue that one started. Read again on every attempt, a round trip
   * longer than the gap (a busy table, a loaded machine) would find the new
   * tail already past, restart it again and lose again, one slot per round
   * trip for all callers together (measured locally: 17 writes per slot, and
   * sends 30 s late in a burst of 200).
   */
  async reserve(runId: string, gapMs: number): Promise<number> {
    const Key = { pk: `RUN#${runId}`, sk: 'PACER' };
    // Terminates: the increment fails only while nextAt < now and the restart only once nextAt >= now,
    // and nextAt never decreases, so a failed restart is followed by a successful increment.
    // (A burst's callers at once take one write each: the first creates the queue, the rest append.)
    const now = Date.now();
    for (;;) {
      try {
        const out = await dynamo().send(
          new UpdateCommand({
            TableName: this.table,
            Key,
            // The run's first caller starts the queue at its own time in the same write.
            UpdateExpression: 'SET nextAt = if_not_exists(nextAt, :now) + :gap, expiresAt = :expires',
            ConditionExpression: 'attribute_not_exists(nextAt) OR nextAt >= :now',
            ExpressionAttributeValues: {
              ':gap': gapMs,
              ':now': now,
              ':expires': Math.floor(now / 1000) + RETENTION_SECONDS,
            },
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
