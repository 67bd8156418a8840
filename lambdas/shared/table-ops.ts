import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { dynamo } from './clients.js';
import { sleep } from './sleep.js';

/** Table operations the stores share: paginated queries and batched puts with retries. */

/** Every item a query matches, all pages. */
export async function queryAll(
  table: string,
  input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const out = await dynamo().send(new QueryCommand({ TableName: table, ...input, ExclusiveStartKey }));
    items.push(...((out.Items ?? []) as Record<string, unknown>[]));
    ExclusiveStartKey = out.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return items;
}

/** Puts items with BatchWriteItem, 25 at a time, retrying unprocessed ones with backoff. */
export async function batchPut(
  table: string,
  items: readonly Record<string, unknown>[],
  what: string,
): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    let requests: Record<string, unknown>[] = items
      .slice(i, i + 25)
      .map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; requests.length > 0; attempt++) {
      if (attempt > 8)
        throw new Error(`BatchWriteItem left ${requests.length} ${what} unprocessed after retries`);
      if (attempt > 0) await sleep(50 * 2 ** attempt);
      const out = await dynamo().send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
      requests = (out.UnprocessedItems?.[table] ?? []) as Record<string, unknown>[];
    }
  }
}

/**
 * A conditional write whose condition may fail on purpose (someone wrote first,
 * the item is newer): undefined then; any other error is thrown.
 */
export async function unlessConditionFails<T>(write: Promise<T>): Promise<T | undefined> {
  try {
    return await write;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}
