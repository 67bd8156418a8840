import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { admitRun, type RunSlot } from '../../core/run-admission.js';
import { dynamo } from './clients.js';

/** Prepare refuses a run the target cannot take now (core/run-admission.ts). */
export class RunNotAdmittedError extends Error {
  override name = 'RunNotAdmitted';
}

const KEY = { pk: 'STACK', sk: 'RUNS' };
const ATTEMPTS = 20;

/**
 * The runs holding the target, in one item (`STACK` / `RUNS`): a map of runId
 * to slot and a version. A slot is taken by read, decide (pure), and a write
 * conditional on the version read, so two Prepares racing cannot both take
 * the last slot.
 */
export class RunSlots {
  constructor(private readonly table: string) {}

  async acquire(runId: string, slot: RunSlot, maxConcurrentRuns: number, now = Date.now()): Promise<void> {
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const { Item } = await dynamo().send(
        new GetCommand({ TableName: this.table, Key: KEY, ConsistentRead: true }),
      );
      const version = (Item?.version as number | undefined) ?? 0;
      const decision = admitRun(
        (Item?.runs as Record<string, RunSlot> | undefined) ?? {},
        { runId, slot, maxConcurrentRuns },
        now,
      );
      if (!decision.admitted) throw new RunNotAdmittedError(`run ${runId} cannot start: ${decision.reason}`);
      try {
        await dynamo().send(
          new PutCommand({
            TableName: this.table,
            Item: { ...KEY, runs: decision.slots, version: version + 1 },
            ConditionExpression: Item ? 'version = :v' : 'attribute_not_exists(pk)',
            ...(Item ? { ExpressionAttributeValues: { ':v': version } } : {}),
          }),
        );
        return;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    }
    throw new RunNotAdmittedError(
      `run ${runId} cannot start: the run slots kept changing (${ATTEMPTS} attempts)`,
    );
  }

  /**
   * Moves the end of the run's slot earlier, to `until` (never later): a run
   * that stopped holds the target only as long as its jobs may still run.
   * Harmless when the slot is gone or ends sooner already.
   */
  async shorten(runId: string, until: number): Promise<void> {
    try {
      await dynamo().send(
        new UpdateCommand({
          TableName: this.table,
          Key: KEY,
          UpdateExpression: 'SET runs.#run.#until = :until, version = version + :one',
          // A missing slot compares false: the write is refused, and nothing is held again.
          ConditionExpression: 'runs.#run.#until > :until',
          ExpressionAttributeNames: { '#run': runId, '#until': 'until' },
          ExpressionAttributeValues: { ':until': until, ':one': 1 },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /** Frees the run's slot (the report does, on success and on failure); freeing twice is harmless. */
  async release(runId: string): Promise<void> {
    try {
      await dynamo().send(
        new UpdateCommand({
          TableName: this.table,
          Key: KEY,
          UpdateExpression: 'REMOVE runs.#run SET version = version + :one',
          ConditionExpression: 'attribute_exists(runs.#run)',
          ExpressionAttributeNames: { '#run': runId },
          ExpressionAttributeValues: { ':one': 1 },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}
