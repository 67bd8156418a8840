import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from './clients.js';

/** The stack's daily send budget is spent: the session fails with this error instead of sending. */
export class SendBudgetExhaustedError extends Error {
  override name = 'SendBudgetExhausted';
}

/**
 * The stack's sends per UTC day, across all runs: one counter item per day
 * (`BUDGET` / `DAY#<yyyy-mm-dd>`), taken with a conditional increment, so
 * concurrent triggers can never go past the budget together.
 */
export class SendBudget {
  constructor(private readonly table: string) {}

  async spend(budget: number, now = Date.now()): Promise<void> {
    const day = new Date(now).toISOString().slice(0, 10);
    if (budget <= 0) throw exhausted(budget, day);
    try {
      await dynamo().send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: 'BUDGET', sk: `DAY#${day}` },
          UpdateExpression: 'ADD sent :one SET expiresAt = if_not_exists(expiresAt, :expires)',
          ConditionExpression: 'attribute_not_exists(sent) OR sent < :budget',
          ExpressionAttributeValues: {
            ':one': 1,
            ':budget': budget,
            ':expires': Math.floor(now / 1000) + 8 * 24 * 3600,
          },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      throw exhausted(budget, day);
    }
  }
}

function exhausted(budget: number, day: string): SendBudgetExhaustedError {
  return new SendBudgetExhaustedError(
    `the stack's daily send budget of ${budget} emails for ${day} (UTC) is spent; raise context dailySendBudget or wait for the next day`,
  );
}
