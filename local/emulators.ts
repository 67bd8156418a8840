import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AwsEndpoint, startAwsEndpoint } from './aws-endpoint/index.js';

// dynalite, s3rver and aws-ses-v2-local are CommonJS without (usable) types: load them with
// require and describe the little we use.
const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options: {
  createTableMs: number;
  deleteTableMs: number;
  updateTableMs: number;
}) => Server;
const S3rver = require('s3rver') as new (options: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
}) => { run(): Promise<AddressInfo>; close(): Promise<void>; httpServer?: Server };
const startSes = (
  require('aws-ses-v2-local') as { default: (config: { host: string; port: number }) => Promise<Server> }
).default;

/** The access key s3rver accepts by default; the other emulators accept any. */
export const LOCAL_ACCESS_KEY = 'S3RVER';

export interface LocalAwsEndpoints {
  dynamodb: string;
  s3: string;
  /** aws-ses-v2-local: SES v1 and v2, plus `GET /store` to read sent mail. */
  ses: string;
  logs: string;
  cloudwatch: string;
  ecs: string;
  sfn: string;
}

export interface LocalAws {
  endpoints: LocalAwsEndpoints;
  /** What points unmodified SDK v3 clients at the emulators (S3 clients also need `forcePathStyle: true`). */
  env: Record<string, string>;
  endpoint: AwsEndpoint;
  /** Where s3rver keeps objects: a temp dir (removed on close) or `<dataDir>/s3`. */
  s3Directory: string;
  /** Stops every emulator, closes their connections and removes the S3 temp dir. */
  close(): Promise<void>;
}

export interface LocalAwsOptions {
  /** Keeps the S3 objects in `<dataDir>/s3` (kept on close) instead of a temp dir (removed on close). */
  dataDir?: string;
}

const urlOf = (address: AddressInfo) => `http://127.0.0.1:${address.port}`;

function listen(server: Server): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address() as AddressInfo));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // SDK clients keep sockets alive; without this close() waits for them and vitest hangs.
    server.closeAllConnections();
  });
}

/**
 * Starts DynamoDB (dynalite, in memory), S3 (s3rver), SES (aws-ses-v2-local)
 * and the project's endpoint for CloudWatch Logs, CloudWatch, ECS and Step
 * Functions, all on 127.0.0.1 and ephemeral ports.
 *
 * Notes: aws-ses-v2-local keeps sent mail in a module-global store, so two
 * LocalAws in one process share it. s3rver's LastModified has whole-second
 * precision, truncated (it is the file mtime through toUTCString()), in
 * ListObjectsV2 (`...T10:00:00.000Z`) and HeadObject / GetObject alike, so an
 * object written at 10:00:00.900 reads as 10:00:00.000: compare "modified
 * after" with second granularity.
 */
export async function startLocalAws(options: LocalAwsOptions = {}): Promise<LocalAws> {
  const closers: (() => Promise<void>)[] = [];
  // Closed one by one, newest first: queued subscription deliveries run the collector, which
  // still needs DynamoDB and the endpoint while the endpoint drains.
  const closeAll = async () => {
    const failed: unknown[] = [];
    for (const close of closers.splice(0).reverse()) {
      await close().catch((error: unknown) => failed.push(error));
    }
    if (failed.length > 0)
      throw new AggregateError(failed, `closing local AWS failed ${failed.length} time(s)`);
  };
  try {
    const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    const dynamoAddress = await listen(dynamo);
    closers.push(() => closeServer(dynamo));

    const s3Dir =
      options.dataDir === undefined
        ? await mkdtemp(join(tmpdir(), 'webordinary-s3-'))
        : join(options.dataDir, 's3');
    if (options.dataDir === undefined) closers.push(() => rm(s3Dir, { recursive: true, force: true }));
    else await mkdir(s3Dir, { recursive: true });
    const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: s3Dir });
    const s3Address = await s3.run();
    closers.push(async () => {
      const closing = s3.close();
      s3.httpServer?.closeAllConnections();
      await closing;
    });

    const ses = await startSes({ host: '127.0.0.1', port: 0 });
    closers.push(() => closeServer(ses));
    const sesUrl = urlOf(ses.address() as AddressInfo);

    const endpoint = await startAwsEndpoint();
    closers.push(() => endpoint.close());

    const endpoints: LocalAwsEndpoints = {
      dynamodb: urlOf(dynamoAddress),
      s3: urlOf(s3Address),
      ses: sesUrl,
      logs: endpoint.url,
      cloudwatch: endpoint.url,
      ecs: endpoint.url,
      sfn: endpoint.url,
    };
    return { endpoints, env: envFor(endpoints), endpoint, s3Directory: s3Dir, close: closeAll };
  } catch (error) {
    await closeAll().catch(() => undefined);
    throw error;
  }
}

/** The environment that points SDK v3 clients at the emulators (a client reads it at its first request). */
export function envFor(endpoints: LocalAwsEndpoints): Record<string, string> {
  return {
    AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
    AWS_ENDPOINT_URL_S3: endpoints.s3,
    AWS_ENDPOINT_URL_SES: endpoints.ses,
    AWS_ENDPOINT_URL_SESV2: endpoints.ses,
    AWS_ENDPOINT_URL_CLOUDWATCH_LOGS: endpoints.logs,
    AWS_ENDPOINT_URL_CLOUDWATCH: endpoints.cloudwatch,
    AWS_ENDPOINT_URL_ECS: endpoints.ecs,
    AWS_ENDPOINT_URL_SFN: endpoints.sfn,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: LOCAL_ACCESS_KEY,
    AWS_SECRET_ACCESS_KEY: LOCAL_ACCESS_KEY,
    // s3rver stores streamed uploads with aws-chunked checksum framing unless checksums are opt-in.
    AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
    AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
  };
}

/** Sets `env` on process.env; returns a function that restores the previous values. */
export function applyEnv(env: Record<string, string>): () => void {
  const previous = new Map(Object.keys(env).map((key) => [key, process.env[key]]));
  Object.assign(process.env, env);
  return () => {
    for (const [key, value] of previous) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
}
