import { createHash, randomUUID } from 'node:crypto';
import { AwsEndpointError, invalid } from './errors.js';
import { ACCOUNT_ID } from './ids.js';

interface StoredMessage {
  readonly id: string;
  readonly body: string;
  receipt: string | null;
  invisibleUntil: number;
}

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

/**
 * The few SQS operations the benchmark uses (the lost-batches queue): create,
 * send, receive with a visibility timeout, delete. In memory; AWS JSON 1.0
 * protocol as SDK v3 speaks it (`AmazonSQS.<Operation>`).
 */
export class SqsStore {
  readonly #queues = new Map<string, StoredMessage[]>();

  constructor(private readonly baseUrl: () => string) {}

  createQueue(body: unknown): { QueueUrl: string } {
    const name = field(body, 'QueueName');
    if (!/^[A-Za-z0-9_-]{1,80}$/.test(name))
      throw invalid('InvalidParameterValue', `QueueName: invalid name ${name}`);
    if (!this.#queues.has(name)) this.#queues.set(name, []);
    return { QueueUrl: `${this.baseUrl()}/${ACCOUNT_ID}/${name}` };
  }

  sendMessage(body: unknown): { MessageId: string; MD5OfMessageBody: string } {
    const queue = this.#queue(field(body, 'QueueUrl'));
    const text = field(body, 'MessageBody');
    const id = randomUUID();
    queue.push({ id, body: text, receipt: null, invisibleUntil: 0 });
    return { MessageId: id, MD5OfMessageBody: md5(text) };
  }

  receiveMessage(body: unknown): {
    Messages: { MessageId: string; ReceiptHandle: string; Body: string; MD5OfBody: string }[];
  } {
    const queue = this.#queue(field(body, 'QueueUrl'));
    const input = body as { MaxNumberOfMessages?: number; VisibilityTimeout?: number };
    const max = Math.min(10, Math.max(1, input.MaxNumberOfMessages ?? 1));
    const now = Date.now();
    const visible = queue.filter((m) => m.invisibleUntil <= now).slice(0, max);
    for (const m of visible) {
      m.receipt = randomUUID();
      m.invisibleUntil = now + (input.VisibilityTimeout ?? 30) * 1000;
    }
    return {
      Messages: visible.map((m) => ({
        MessageId: m.id,
        ReceiptHandle: m.receipt as string,
        Body: m.body,
        MD5OfBody: md5(m.body),
      })),
    };
  }

  deleteMessage(body: unknown): Record<string, never> {
    const queue = this.#queue(field(body, 'QueueUrl'));
    const receipt = field(body, 'ReceiptHandle');
    const index = queue.findIndex((m) => m.receipt === receipt);
    if (index >= 0) queue.splice(index, 1);
    return {};
  }

  /** Messages in a queue, received or not (tests). */
  depth(name: string): number {
    return this.#queues.get(name)?.length ?? 0;
  }

  #queue(url: string): StoredMessage[] {
    const name = url.split('/').at(-1) ?? '';
    const queue = this.#queues.get(name);
    if (!queue)
      throw new AwsEndpointError(
        'AWS.SimpleQueueService.NonExistentQueue',
        `The specified queue does not exist: ${url}`,
      );
    return queue;
  }
}

function field(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | null)?.[name];
  if (typeof value !== 'string' || value === '') throw invalid('MissingParameter', `${name} is required`);
  return value;
}
