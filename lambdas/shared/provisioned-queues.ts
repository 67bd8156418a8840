import { GetQueueUrlCommand, QueueDoesNotExist } from '@aws-sdk/client-sqs';
import type { Target } from '../../core/profile.js';
import { type PlannedQueue, provisionPlan } from '../../core/provision-plan.js';
import { sqs } from './clients.js';

/** GetQueueUrl calls in flight at once: a pool of 100 users has 300 queues. */
const CONCURRENCY = 10;

/** Whether the queue exists (GetQueueUrl); other errors (access, throttling) are thrown. */
export async function queueExists(name: string): Promise<boolean> {
  try {
    await sqs().send(new GetQueueUrlCommand({ QueueName: name }));
    return true;
  } catch (error) {
    if (error instanceof QueueDoesNotExist) return false;
    throw error;
  }
}

/** The profile's planned queues (target.provision for every pool user) that do not exist, in plan order. */
export async function missingQueues(target: Pick<Target, 'userPool' | 'provision'>): Promise<PlannedQueue[]> {
  const plan = provisionPlan(target);
  const exists = await mapLimited(plan, CONCURRENCY, (queue) => queueExists(queue.name));
  return plan.filter((_, i) => !exists[i]);
}

/** Problems for Prepare's ProfileInvalid: one per missing queue, naming the field that plans it. */
export function missingQueueProblems(missing: readonly PlannedQueue[]): string[] {
  return missing.map(
    (q) =>
      `target.provision.queues[${q.template}]: queue ${q.name} of pool user ${q.userId} does not exist; run \`bench provision <profile>\` first`,
  );
}

export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
