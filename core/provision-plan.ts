import type { Target } from './profile.js';
import { poolUsers } from './user-pool.js';

/** One queue a pool user needs: its expanded name and CreateQueue attributes. */
export interface PlannedQueue {
  readonly userId: string;
  /** Index in `target.provision.queues`, for messages that name the field. */
  readonly template: number;
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
}

/** SQS: up to 80 characters, letters, digits, - and _, and a FIFO queue ends in `.fifo`. */
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,75}(\.fifo)?$/;

/** Every queue of every pool user, in pool order (empty without a pool or queues). */
export function provisionPlan(target: Pick<Target, 'userPool' | 'provision'>): PlannedQueue[] {
  const provision = target.provision;
  if (!provision) return [];
  return poolUsers(target).flatMap((userId) =>
    provision.queues.map((queue, template) => ({
      userId,
      template,
      name: queue.name.replaceAll('{projectId}', provision.projectId).replaceAll('{userId}', userId),
      attributes: queue.attributes,
    })),
  );
}

/** Problems with the planned queue names, one per template, naming the field. */
export function provisionProblems(target: Pick<Target, 'userPool' | 'provision'>): string[] {
  const problems: string[] = [];
  if (target.provision && !target.userPool) {
    problems.push('target.provision: needs target.userPool (the users to provision for)');
    return problems;
  }
  const reported = new Set<number>();
  const seen = new Map<string, string>();
  for (const queue of provisionPlan(target)) {
    const where = `target.provision.queues[${queue.template}]`;
    if (!reported.has(queue.template)) {
      const fifo = queue.name.endsWith('.fifo');
      if (!QUEUE_NAME.test(queue.name) || queue.name.length > 80) {
        problems.push(
          `${where}.name: "${queue.name}" (user ${queue.userId}) is not a valid SQS queue name (at most 80 letters, digits, - and _, with .fifo at the end of a FIFO queue)`,
        );
        reported.add(queue.template);
      } else if (fifo !== (queue.attributes.FifoQueue === 'true')) {
        problems.push(
          `${where}.attributes.FifoQueue: a queue name ending in .fifo needs FifoQueue "true", and only such a name may have it (name "${queue.name}")`,
        );
        reported.add(queue.template);
      }
    }
    const other = seen.get(queue.name);
    if (other !== undefined) {
      problems.push(
        `${where}.name: ${other} and user ${queue.userId} both get the queue "${queue.name}"; each queue name needs {userId} and must differ from the others`,
      );
      break;
    }
    seen.set(queue.name, `user ${queue.userId} (queues[${queue.template}])`);
  }
  return problems;
}
