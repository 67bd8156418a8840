import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  QueueDoesNotExist,
  QueueNameExists,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsEndpoint, startAwsEndpoint } from '../../local/aws-endpoint/index.js';

let endpoint: AwsEndpoint;
let sqs: SQSClient;

beforeAll(async () => {
  endpoint = await startAwsEndpoint();
  sqs = new SQSClient({
    endpoint: endpoint.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
});
afterAll(async () => {
  sqs.destroy();
  await endpoint.close();
});

const FIFO = { FifoQueue: 'true', ContentBasedDeduplication: 'true', VisibilityTimeout: '3600' };

describe('local SQS (JSON protocol)', () => {
  it('creates a queue idempotently and finds it by name', async () => {
    const first = await sqs.send(new CreateQueueCommand({ QueueName: 'in-p-u.fifo', Attributes: FIFO }));
    const again = await sqs.send(new CreateQueueCommand({ QueueName: 'in-p-u.fifo', Attributes: FIFO }));
    expect(again.QueueUrl).toBe(first.QueueUrl);
    expect(first.QueueUrl).toBe(`${endpoint.url}/000000000000/in-p-u.fifo`);
    const found = await sqs.send(new GetQueueUrlCommand({ QueueName: 'in-p-u.fifo' }));
    expect(found.QueueUrl).toBe(first.QueueUrl);
  });

  it('returns the attributes it was created with and the defaults', async () => {
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'in-p-u.fifo' }));
    const out = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
    expect(out.Attributes).toMatchObject({ ...FIFO, MessageRetentionPeriod: '345600' });
    expect(out.Attributes?.QueueArn).toBe('arn:aws:sqs:us-east-1:000000000000:in-p-u.fifo');
  });

  it('raises the typed exceptions for a missing queue and a conflicting create', async () => {
    await expect(sqs.send(new GetQueueUrlCommand({ QueueName: 'nope' }))).rejects.toBeInstanceOf(
      QueueDoesNotExist,
    );
    await expect(
      sqs.send(
        new CreateQueueCommand({
          QueueName: 'in-p-u.fifo',
          Attributes: { ...FIFO, VisibilityTimeout: '60' },
        }),
      ),
    ).rejects.toBeInstanceOf(QueueNameExists);
  });

  it.each([
    ['a FIFO name without FifoQueue', 'x.fifo', {}, 'a FIFO queue needs the attribute FifoQueue=true'],
    ['FifoQueue on a standard name', 'x', { FifoQueue: 'true' }, 'must end with the .fifo suffix'],
    ['a name with a dot', 'a.b', {}, 'can only include alphanumeric characters'],
    ['an unknown attribute', 'y', { Colour: 'red' }, 'Unknown Attribute Colour.'],
  ])('refuses %s', async (_what, QueueName, Attributes: Record<string, string>, message) => {
    await expect(
      sqs.send(new CreateQueueCommand({ QueueName, Attributes: Attributes as never })),
    ).rejects.toThrow(message);
  });

  it('lists by prefix and deletes', async () => {
    await sqs.send(
      new CreateQueueCommand({ QueueName: 'dlq-p-u', Attributes: { MessageRetentionPeriod: '1209600' } }),
    );
    const listed = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: 'dlq-' }));
    expect(listed.QueueUrls).toEqual([`${endpoint.url}/000000000000/dlq-p-u`]);
    await sqs.send(new DeleteQueueCommand({ QueueUrl: listed.QueueUrls?.[0] }));
    expect(endpoint.sqs.queueNames()).toEqual(['in-p-u.fifo']);
  });
});
