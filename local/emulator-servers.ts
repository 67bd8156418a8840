import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { makeObjectWritesAtomic, type S3rverFileStore } from './s3-atomic-store.js';
import { startSesQuotaProxy, urlOfServer } from './ses-quota-proxy.js';

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
}) => { run(): Promise<AddressInfo>; close(): Promise<void>; httpServer?: Server; store: S3rverFileStore };
const startSes = (
  require('aws-ses-v2-local') as { default: (config: { host: string; port: number }) => Promise<Server> }
).default;

export interface EmulatorUrls {
  readonly dynamodb: string;
  readonly s3: string;
  /** aws-ses-v2-local: SES v1 and v2, plus `GET /store` to read sent mail. */
  readonly ses: string;
}

export interface EmulatorServers extends EmulatorUrls {
  close(): Promise<void>;
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
    // SDK clients keep sockets alive; without this close() waits for them.
    server.closeAllConnections();
  });
}

/**
 * DynamoDB (dynalite, in memory), S3 (s3rver, in `s3Directory`, each
 * object written and read whole: local/s3-atomic-store.ts) and SES
 * (aws-ses-v2-local, whose sent mail lives in this process) on 127.0.0.1 and
 * ephemeral ports. SES's GetAccount, and GetSendQuota through a small front
 * (local/ses-quota-proxy.ts), answer from AWS_SES_ACCOUNT.
 */
export async function startEmulatorServers(s3Directory: string): Promise<EmulatorServers> {
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const closer of closers.splice(0).reverse()) await closer().catch(() => undefined);
  };
  try {
    const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    const dynamoAddress = await listen(dynamo);
    closers.push(() => closeServer(dynamo));
    const s3 = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: s3Directory });
    makeObjectWritesAtomic(s3.store);
    const s3Address = await s3.run();
    closers.push(async () => {
      const closing = s3.close();
      s3.httpServer?.closeAllConnections();
      await closing;
    });
    const ses = await startSes({ host: '127.0.0.1', port: 0 });
    closers.push(() => closeServer(ses));
    const sesFront = await startSesQuotaProxy(urlOf(ses.address() as AddressInfo));
    closers.push(() => closeServer(sesFront));
    return {
      dynamodb: urlOf(dynamoAddress),
      s3: urlOf(s3Address),
      ses: urlOfServer(sesFront),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
