import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from '@aws-sdk/client-s3';
import { addresses, htmlToText, parseEml } from './eml.js';

/** An email found by the intake, before identities are read from it. */
export interface IncomingEmail {
  readonly source: 'ses' | 's3';
  readonly messageId: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly receivedAt: number;
}

export interface IntakeOptions {
  readonly pollMs: number;
  readonly sesStoreUrl?: string | undefined;
  readonly s3: S3Client;
  readonly bucket?: { readonly name: string; readonly prefix: string; readonly suffix: string } | undefined;
  readonly onEmail: (email: IncomingEmail) => void;
  readonly onError: (where: string, error: unknown) => void;
}

export interface Intake {
  stop(): Promise<void>;
}

/** The JSON `GET /store` of aws-ses-v2-local returns (the fields read here). */
interface SesStoreEmail {
  messageId: string;
  destination: { to: string[] };
  subject: string;
  body: { text?: string; html?: string };
  /** Epoch seconds. */
  at: number;
}

const GET_CONCURRENCY = 8;
/** The object SES writes when a receipt rule's S3 action is set up: not an email. */
const SES_SETUP_KEY = 'AMAZON_SES_SETUP_NOTIFICATION';

/** Polls the SES store and the intake bucket; each email is delivered once. */
export async function startIntake(options: IntakeOptions): Promise<Intake> {
  const { s3, bucket } = options;
  if (bucket) await ensureBucket(s3, bucket.name);
  let sesSince = Math.floor(Date.now() / 1000);
  const sesSeen = new Map<string, number>();
  const keysSeen = new Set<string>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();

  const pollSes = async (url: string) => {
    const response = await fetch(`${url.replace(/\/$/, '')}/store?since=${sesSince}`);
    if (!response.ok) throw new Error(`GET /store answered ${response.status}`);
    const { emails } = (await response.json()) as { emails: SesStoreEmail[] };
    for (const email of emails) {
      if (sesSeen.has(email.messageId)) continue;
      sesSeen.set(email.messageId, email.at);
      options.onEmail({
        source: 'ses',
        messageId: email.messageId,
        to: email.destination.to.flatMap(addresses),
        subject: email.subject,
        text: email.body.text ?? htmlToText(email.body.html ?? ''),
        receivedAt: Date.now(),
      });
    }
    // `since` is inclusive and in seconds: keep the last second and forget what is older.
    const newest = Math.max(sesSince, ...emails.map((e) => e.at));
    if (newest > sesSince) {
      sesSince = newest;
      for (const [id, at] of sesSeen) if (at < sesSince) sesSeen.delete(id);
    }
  };

  const pollBucket = async (name: string, prefix: string, suffix: string) => {
    const fresh: string[] = [];
    let token: string | undefined;
    do {
      const page = await s3.send(
        new ListObjectsV2Command({
          Bucket: name,
          Prefix: prefix,
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      for (const object of page.Contents ?? []) {
        const key = object.Key;
        if (key?.endsWith(suffix) && !key.endsWith(SES_SETUP_KEY) && !keysSeen.has(key)) fresh.push(key);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    for (let i = 0; i < fresh.length; i += GET_CONCURRENCY) {
      await Promise.all(fresh.slice(i, i + GET_CONCURRENCY).map((key) => readEml(name, key)));
    }
  };

  const readEml = async (name: string, key: string) => {
    keysSeen.add(key);
    try {
      const object = await s3.send(new GetObjectCommand({ Bucket: name, Key: key }));
      const raw = Buffer.from((await object.Body?.transformToByteArray()) ?? []);
      const email = parseEml(raw);
      options.onEmail({ source: 's3', messageId: email.messageId ?? key, ...email, receivedAt: Date.now() });
    } catch (error) {
      options.onError(`intake s3://${name}/${key}`, error);
    }
  };

  const tick = async () => {
    const polls: Promise<void>[] = [];
    if (options.sesStoreUrl) {
      polls.push(pollSes(options.sesStoreUrl).catch((error) => options.onError('intake ses', error)));
    }
    if (bucket) {
      polls.push(
        pollBucket(bucket.name, bucket.prefix, bucket.suffix).catch((error) => {
          if ((error as { name?: string }).name !== 'NoSuchBucket') options.onError('intake s3', error);
        }),
      );
    }
    await Promise.all(polls);
  };

  const loop = () => {
    if (stopped) return;
    current = tick().finally(() => {
      if (!stopped) timer = setTimeout(loop, options.pollMs);
    });
  };
  loop();

  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await current;
    },
  };
}

/** Creates a bucket unless it exists. */
export async function ensureBucket(s3: S3Client, name: string): Promise<void> {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: name }));
  } catch (error) {
    const code = (error as { name?: string }).name;
    if (code !== 'BucketAlreadyOwnedByYou' && code !== 'BucketAlreadyExists') throw error;
  }
}
