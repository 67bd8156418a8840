import { existsSync } from 'node:fs';
import { CreateTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  GetSendQuotaCommand,
  SESClient,
  SendEmailCommand as SendEmailV1Command,
  SendRawEmailCommand,
} from '@aws-sdk/client-ses';
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyEnv, type LocalAws, startLocalAws } from '../../local/emulators.js';

let local: LocalAws;
let restoreEnv: () => void;

beforeAll(async () => {
  // The emulator process reads the local SES account (its send quota) from its environment.
  const restoreAccount = applyEnv({
    AWS_SES_ACCOUNT: JSON.stringify({
      SendQuota: { Max24HourSend: 500, MaxSendRate: 7, SentLast24Hours: 0 },
    }),
  });
  local = await startLocalAws();
  restoreAccount();
  restoreEnv = applyEnv(local.env);
});

afterAll(async () => {
  restoreEnv();
  await local.close();
});

describe('startLocalAws', () => {
  it('serves every endpoint on 127.0.0.1 and exports them as AWS_ENDPOINT_URL_*', () => {
    for (const url of Object.values(local.endpoints)) expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(local.env).toMatchObject({
      AWS_ENDPOINT_URL_DYNAMODB: local.endpoints.dynamodb,
      AWS_ENDPOINT_URL_S3: local.endpoints.s3,
      AWS_ENDPOINT_URL_SESV2: local.endpoints.ses,
      AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: local.endpoint.url,
      AWS_ENDPOINT_URL_SFN: local.endpoint.url,
      AWS_REGION: 'us-east-1',
    });
    expect(process.env.AWS_ENDPOINT_URL_DYNAMODB).toBe(local.endpoints.dynamodb);
  });

  it('puts and gets a DynamoDB item through a client configured only by the environment', async () => {
    const dynamo = new DynamoDBClient({});
    await dynamo.send(
      new CreateTableCommand({
        TableName: 'bench',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await dynamo.send(
      new PutItemCommand({
        TableName: 'bench',
        Item: { pk: { S: 'RUN#1' }, sk: { S: 'RUN' }, n: { N: '7' } },
      }),
    );
    const got = await dynamo.send(
      new GetItemCommand({ TableName: 'bench', Key: { pk: { S: 'RUN#1' }, sk: { S: 'RUN' } } }),
    );
    expect(got.Item?.n).toEqual({ N: '7' });
    dynamo.destroy();
  });

  it('round-trips an S3 object in a bucket whose name has dots', async () => {
    const s3 = new S3Client({ forcePathStyle: true });
    const Bucket = 'edit.amelia.webordinary.com';
    await s3.send(new CreateBucketCommand({ Bucket }));
    const body = '<html>session token abc123</html>';
    const before = Date.now();
    await s3.send(
      new PutObjectCommand({ Bucket, Key: 'site/index.html', Body: body, ContentType: 'text/html' }),
    );
    const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'site/index.html' }));
    expect(await got.Body?.transformToString()).toBe(body);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket, Prefix: 'site/' }));
    expect(listed.Contents?.map((o) => [o.Key, o.Size])).toEqual([['site/index.html', body.length]]);
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'site/index.html' }));
    // s3rver takes LastModified from the file's mtime via toUTCString(): whole seconds, truncated,
    // in ListObjectsV2 (ISO with .000Z) and in HeadObject (HTTP date) alike.
    const listedAt = listed.Contents?.[0]?.LastModified?.getTime() ?? Number.NaN;
    expect(listedAt % 1000).toBe(0);
    expect(head.LastModified?.getTime()).toBe(listedAt);
    expect(listedAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(listedAt).toBeLessThanOrEqual(Date.now());
    s3.destroy();
  });

  it('sends an email with SESv2 and reads it back from the SES store', async () => {
    const ses = new SESv2Client({});
    const sent = await ses.send(
      new SendEmailCommand({
        FromEmailAddress: 'bench@webordinary.com',
        Destination: { ToAddresses: ['edit@amelia.webordinary.com'] },
        Content: {
          Simple: {
            Subject: { Data: 'session s-1' },
            Body: { Text: { Data: 'Make the header blue [s-1]' } },
          },
        },
      }),
    );
    expect(sent.MessageId).toEqual(expect.any(String));
    const store = (await (await fetch(`${local.endpoints.ses}/store`)).json()) as {
      emails: {
        messageId: string;
        subject: string;
        destination: { to: string[] };
        body: { text?: string };
      }[];
    };
    const email = store.emails.find((e) => e.messageId === sent.MessageId);
    expect(email).toMatchObject({
      subject: 'session s-1',
      destination: { to: ['edit@amelia.webordinary.com'] },
    });
    expect(email?.body.text).toContain('[s-1]');
    ses.destroy();
  });

  it('sends with SES v1 SendEmail and SendRawEmail and keeps both in the store', async () => {
    const ses = new SESClient({});
    const simple = await ses.send(
      new SendEmailV1Command({
        Source: 'bench@webordinary.com',
        Destination: { ToAddresses: ['edit@amelia.webordinary.com'] },
        Message: { Subject: { Data: 'v1 simple' }, Body: { Text: { Data: 'token s-2' } } },
      }),
    );
    const eml = [
      'From: bench@webordinary.com',
      'To: edit@amelia.webordinary.com',
      'Subject: v1 raw',
      'Message-ID: <s-3@bench.webordinary.com>',
      '',
      'token s-3',
    ].join('\r\n');
    const raw = await ses.send(new SendRawEmailCommand({ RawMessage: { Data: Buffer.from(eml) } }));
    const store = (await (await fetch(`${local.endpoints.ses}/store`)).json()) as {
      emails: { messageId: string; subject: string; body: { text?: string } }[];
    };
    const byId = new Map(store.emails.map((e) => [e.messageId, e]));
    expect(byId.get(simple.MessageId ?? '')?.subject).toBe('v1 simple');
    expect(byId.get(raw.MessageId ?? '')?.body.text).toContain('token s-3');
    ses.destroy();
  });

  it("answers SES v1 GetSendQuota from the local account's quota", async () => {
    const quota = await new SESClient({}).send(new GetSendQuotaCommand({}));
    expect(quota).toMatchObject({ MaxSendRate: 7, Max24HourSend: 500, SentLast24Hours: 0 });
  });

  it('closes every server and removes its S3 temp dir', async () => {
    const other = await startLocalAws();
    expect(existsSync(other.s3Directory)).toBe(true);
    await other.close();
    expect(existsSync(other.s3Directory)).toBe(false);
    for (const url of new Set(Object.values(other.endpoints))) {
      await expect(fetch(url), url).rejects.toThrow();
    }
  });
});
