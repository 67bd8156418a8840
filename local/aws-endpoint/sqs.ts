import { createHash, randomUUID } from 'node:crypto';
import { AwsEndpointError } from './errors.js';
import { ACCOUNT_ID, arn, paginate } from './ids.js';
import { Input } from './input.js';

/**
 * In-memory SQS queues, for what the benchmark does with them: create the
 * pool's queues (`bench provision`), find them (`bench preflight`, Prepare),
 * read their attributes, list and delete them; and messages on the collector's
 * lost-batches queue (send, receive with a visibility timeout, delete). The
 * simulator routes jobs without SQS.
 */

const INVALID = 'InvalidParameterValue';
const NOT_FOUND = 'QueueDoesNotExist';
const NAME = /^[A-Za-z0-9_-]{1,80}$/;

/** The attributes CreateQueue accepts, with the value a new standard queue gets when it is not given. */
const DEFAULTS: Readonly<Record<string, string | undefined>> = {
  DelaySeconds: '0',
  MaximumMessageSize: '262144',
  MessageRetentionPeriod: '345600',
  ReceiveMessageWaitTimeSeconds: '0',
  VisibilityTimeout: '30',
  SqsManagedSseEnabled: 'true',
  Policy: undefined,
  RedrivePolicy: undefined,
  RedriveAllowPolicy: undefined,
  KmsMasterKeyId: undefined,
  KmsDataKeyReusePeriodSeconds: undefined,
  FifoQueue: undefined,
  ContentBasedDeduplication: undefined,
  DeduplicationScope: undefined,
  FifoThroughputLimit: undefined,
};
const FIFO_DEFAULTS = {
  ContentBasedDeduplication: 'false',
  DeduplicationScope: 'queue',
  FifoThroughputLimit: 'perQueue',
};

interface StoredMessage {
  readonly id: string;
  readonly body: string;
  receipt: string | null;
  invisibleUntil: number;
}

interface Queue {
  readonly name: string;
  readonly url: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly createdAt: number;
  readonly messages: StoredMessage[];
}

const md5 = (text: string) => createHash('md5').update(text, 'utf8').digest('hex');

export class SqsStore {
  readonly #queues = new Map<string, Queue>();

  /** `baseUrl` gives the endpoint's own URL, so a QueueUrl leads back here. */
  constructor(private readonly baseUrl: () => string) {}

  /** The queue names, for tests and the simulator. */
  queueNames(): string[] {
    return [...this.#queues.keys()].sort();
  }

  createQueue(body: unknown) {
    const input = new Input(body, INVALID);
    const name = input.string('QueueName');
    const given = stringMap(input, 'Attributes');
    const fifo = name.endsWith('.fifo');
    const base = fifo ? name.slice(0, -5) : name;
    if (!NAME.test(base) || name.length > 80)
      input.fail(
        `QueueName ${JSON.stringify(name)}: can only include alphanumeric characters, hyphens, or underscores, 1 to 80 in length (.fifo included)`,
      );
    for (const key of Object.keys(given)) {
      if (!(key in DEFAULTS)) input.fail(`Unknown Attribute ${key}.`, 'InvalidAttributeName');
    }
    if (fifo !== (given.FifoQueue === 'true'))
      input.fail(
        fifo
          ? `QueueName ${name}: a FIFO queue needs the attribute FifoQueue=true`
          : `QueueName ${name}: the name of a FIFO queue must end with the .fifo suffix`,
        'InvalidAttributeValue',
      );
    const attributes = withDefaults(given, fifo);
    const existing = this.#queues.get(name);
    if (existing) {
      const differs = Object.keys(given).find((key) => existing.attributes[key] !== attributes[key]);
      if (differs !== undefined)
        throw new AwsEndpointError(
          'QueueNameExists',
          `A queue already exists with the same name and a different value for attribute ${differs}`,
        );
      return { QueueUrl: existing.url };
    }
    const queue = {
      name,
      url: `${this.baseUrl()}/${ACCOUNT_ID}/${name}`,
      attributes,
      createdAt: Date.now(),
      messages: [],
    };
    this.#queues.set(name, queue);
    return { QueueUrl: queue.url };
  }

  sendMessage(body: unknown): { MessageId: string; MD5OfMessageBody: string } {
    const input = new Input(body, INVALID);
    const queue = this.#byUrl(input.string('QueueUrl'));
    const text = input.string('MessageBody');
    const id = randomUUID();
    queue.messages.push({ id, body: text, receipt: null, invisibleUntil: 0 });
    return { MessageId: id, MD5OfMessageBody: md5(text) };
  }

  receiveMessage(body: unknown) {
    const input = new Input(body, INVALID);
    const queue = this.#byUrl(input.string('QueueUrl'));
    const options = body as { MaxNumberOfMessages?: number; VisibilityTimeout?: number };
    const max = Math.min(10, Math.max(1, options.MaxNumberOfMessages ?? 1));
    const now = Date.now();
    const visible = queue.messages.filter((m) => m.invisibleUntil <= now).slice(0, max);
    for (const m of visible) {
      m.receipt = randomUUID();
      m.invisibleUntil = now + (options.VisibilityTimeout ?? 30) * 1000;
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
    const input = new Input(body, INVALID);
    const queue = this.#byUrl(input.string('QueueUrl'));
    const receipt = input.string('ReceiptHandle');
    const index = queue.messages.findIndex((m) => m.receipt === receipt);
    if (index >= 0) queue.messages.splice(index, 1);
    return {};
  }

  /** Messages in a queue, received or not (tests). */
  depth(name: string): number {
    return this.#queues.get(name)?.messages.length ?? 0;
  }

  getQueueUrl(body: unknown) {
    const input = new Input(body, INVALID);
    const queue = this.#queues.get(input.string('QueueName'));
    if (!queue) throw new AwsEndpointError(NOT_FOUND, 'The specified queue does not exist.');
    return { QueueUrl: queue.url };
  }

  getQueueAttributes(body: unknown) {
    const input = new Input(body, INVALID);
    const queue = this.#byUrl(input.string('QueueUrl'));
    const wanted = input.optStrings('AttributeNames') ?? [];
    const all: Record<string, string> = {
      ...queue.attributes,
      QueueArn: arn('sqs', queue.name),
      CreatedTimestamp: String(Math.floor(queue.createdAt / 1000)),
      LastModifiedTimestamp: String(Math.floor(queue.createdAt / 1000)),
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
      ApproximateNumberOfMessagesDelayed: '0',
    };
    if (wanted.includes('All')) return { Attributes: all };
    const Attributes: Record<string, string> = {};
    for (const key of wanted) {
      if (!(key in all) && !(key in DEFAULTS))
        input.fail(`Unknown Attribute ${key}.`, 'InvalidAttributeName');
      const value = all[key];
      if (value !== undefined) Attributes[key] = value;
    }
    return Object.keys(Attributes).length > 0 ? { Attributes } : {};
  }

  listQueues(body: unknown) {
    const input = new Input(body, INVALID);
    const prefix = input.optString('QueueNamePrefix') ?? '';
    const limit = input.optInteger('MaxResults', 1, 1000);
    const urls = [...this.#queues.values()]
      .filter((q) => q.name.startsWith(prefix))
      .sort((a, b) => a.name.localeCompare(b.name))
      .map((q) => q.url);
    if (limit === undefined) return urls.length > 0 ? { QueueUrls: urls.slice(0, 1000) } : {};
    const { page, nextToken } = paginate(urls, input.optString('NextToken'), limit, INVALID, 'NextToken');
    return { QueueUrls: page, ...(nextToken === undefined ? {} : { NextToken: nextToken }) };
  }

  deleteQueue(body: unknown) {
    const input = new Input(body, INVALID);
    this.#queues.delete(this.#byUrl(input.string('QueueUrl')).name);
    return {};
  }

  #byUrl(url: string): Queue {
    const name = url.split('/').pop() ?? '';
    const queue = this.#queues.get(name);
    if (!queue) throw new AwsEndpointError(NOT_FOUND, 'The specified queue does not exist.');
    return queue;
  }
}

function stringMap(input: Input, key: string): Record<string, string> {
  const raw = input.raw(key);
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) input.fail(`${key} must be a map of strings`);
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    if (typeof value !== 'string') input.fail(`${key}.${name} must be a string, got ${typeof value}`);
    out[name] = value;
  }
  return out;
}

function withDefaults(given: Record<string, string>, fifo: boolean): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(DEFAULTS)) if (value !== undefined) out[key] = value;
  if (fifo) Object.assign(out, FIFO_DEFAULTS);
  return { ...out, ...given };
}

/** SQS's query error codes (`x-amzn-query-error`), where they differ from the JSON error type. */
export const SQS_QUERY_CODES: Readonly<Record<string, string>> = {
  QueueDoesNotExist: 'AWS.SimpleQueueService.NonExistentQueue',
  QueueNameExists: 'QueueAlreadyExists',
};
