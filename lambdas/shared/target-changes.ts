import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { TargetChange } from '../../core/report-model.js';
import { dynamo } from './clients.js';
import { expiresAt, runPk } from './store.js';
import { queryAll } from './table-ops.js';

/** A change a run made to the target, as stored: the report's entry plus the scenario that made it. */
export interface StoredTargetChange extends TargetChange {
  readonly scenario: string;
  /** When the change was recorded (epoch ms), before the first change was made. */
  readonly recordedAt: number;
  readonly restoredAt?: number;
}

const sk = (change: Pick<StoredTargetChange, 'scenario' | 'kind' | 'resource'>) =>
  `TARGET#${change.scenario}#${change.kind}#${change.resource}`;

/**
 * The run's changes to the target (one item per scenario, kind and resource,
 * next to the run record), so the report can show them and `bench restore`
 * can set a stopped run's changes back.
 */
export class TargetChangeStore {
  constructor(private readonly table: string) {}

  /** Records the value before the change; a second call (a retried state) keeps the first `before`. */
  async record(runId: string, change: Omit<StoredTargetChange, 'restored' | 'recordedAt' | 'restoredAt'>) {
    try {
      await dynamo().send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: runPk(runId),
            sk: sk(change),
            ...change,
            restored: false,
            recordedAt: Date.now(),
            expiresAt: expiresAt(),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  async markRestored(runId: string, change: Pick<StoredTargetChange, 'scenario' | 'kind' | 'resource'>) {
    await dynamo().send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: runPk(runId), sk: sk(change) },
        UpdateExpression: 'SET restored = :t, restoredAt = if_not_exists(restoredAt, :now)',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':t': true, ':now': Date.now() },
      }),
    );
  }

  /** Every change of the run, in the order they were recorded. */
  async list(runId: string): Promise<StoredTargetChange[]> {
    const items = (
      await queryAll(this.table, {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :sk)',
        ExpressionAttributeValues: { ':pk': runPk(runId), ':sk': 'TARGET#' },
        ConsistentRead: true,
      })
    ).map(({ pk: _pk, sk: _sk, expiresAt: _e, ...change }) => change as unknown as StoredTargetChange);
    return items.sort((a, b) => a.recordedAt - b.recordedAt);
  }
}
