import { fork } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AwsEndpoint, type AwsEndpointOptions, startAwsEndpoint } from './aws-endpoint/index.js';
import type { EmulatorMessage } from './emulator-process.js';
import type { EmulatorUrls } from './emulator-servers.js';

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
  sqs: string;
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
  /**
   * Settles with a message naming the service when an emulator stops while in
   * use (its process exited, or its port stopped answering); never before close().
   */
  readonly stopped: Promise<string>;
  /** The emulators' process, for tests that make it die. */
  readonly emulatorPid: number | undefined;
}

export interface LocalAwsOptions {
  /** Keeps the S3 objects in `<dataDir>/s3` (kept on close) instead of a temp dir (removed on close). */
  dataDir?: string;
  /** Options of the project's own endpoint (e.g. adversarial log delivery). */
  endpoint?: AwsEndpointOptions;
}

/**
 * Starts DynamoDB (dynalite, in memory), S3 (s3rver), SES (aws-ses-v2-local)
 * and the project's endpoint for CloudWatch Logs, CloudWatch, ECS and Step
 * Functions, all on 127.0.0.1 and ephemeral ports. The three emulators run in
 * a child process of their own (local/emulator-process.ts), so a local run
 * uses both cores; each LocalAws has its own SES mail store.
 *
 * Note: s3rver's LastModified has whole-second
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
    const s3Dir =
      options.dataDir === undefined
        ? await mkdtemp(join(tmpdir(), 'webordinary-s3-'))
        : join(options.dataDir, 's3');
    if (options.dataDir === undefined) closers.push(() => rm(s3Dir, { recursive: true, force: true }));
    else await mkdir(s3Dir, { recursive: true });
    const emulators = await forkEmulators(s3Dir, options.dataDir === undefined);
    closers.push(emulators.close);

    const endpoint = await startAwsEndpoint(options.endpoint);
    closers.push(() => endpoint.close());

    const endpoints: LocalAwsEndpoints = {
      dynamodb: emulators.urls.dynamodb,
      s3: emulators.urls.s3,
      ses: emulators.urls.ses,
      logs: endpoint.url,
      cloudwatch: endpoint.url,
      ecs: endpoint.url,
      sfn: endpoint.url,
      sqs: endpoint.url,
    };
    const watch = watchEmulators(emulators);
    closers.push(async () => watch.stop());
    return {
      endpoints,
      env: envFor(endpoints),
      endpoint,
      s3Directory: s3Dir,
      close: closeAll,
      stopped: watch.stopped,
      emulatorPid: emulators.pid,
    };
  } catch (error) {
    await closeAll().catch(() => undefined);
    throw error;
  }
}

const CHILD = fileURLToPath(new URL('./emulator-process.ts', import.meta.url));
const PROJECT_ROOT = fileURLToPath(new URL('../', import.meta.url));
const START_TIMEOUT_MS = 30_000;

interface ForkedEmulators {
  urls: EmulatorUrls;
  pid: number | undefined;
  /** Settles with how the process ended, if it ends before close(). */
  exited: Promise<string>;
  close(): Promise<void>;
}

/** What runs in the emulator process, by service, for messages that name what stopped. */
const SERVICES: Readonly<Record<keyof EmulatorUrls, string>> = {
  dynamodb: 'DynamoDB (dynalite)',
  s3: 'S3 (s3rver)',
  ses: 'SES (aws-ses-v2-local)',
};
const PROBE_MS = 1_000;

/**
 * Watches the emulators while they are in use: the process's exit, and every
 * second a TCP connect to each port (an emulator can stop answering while its
 * process lives on). The first failure settles `stopped` with the service's name.
 */
function watchEmulators(emulators: ForkedEmulators): { stopped: Promise<string>; stop(): void } {
  let closing = false;
  let report: (message: string) => void = () => {};
  const stopped = new Promise<string>((resolve) => {
    report = (message) => {
      if (!closing) resolve(message);
    };
  });
  void emulators.exited.then((how) =>
    report(`the emulator process (${Object.values(SERVICES).join(', ')}) ${how}`),
  );
  // A refused or reset connection twice in a row is a stopped emulator; a slow answer is only a busy machine.
  const failures = new Map<keyof EmulatorUrls, number>();
  const timer = setInterval(() => {
    for (const key of Object.keys(SERVICES) as (keyof EmulatorUrls)[]) {
      const url = emulators.urls[key];
      const { hostname, port } = new URL(url);
      const socket = connect({ host: hostname, port: Number(port) });
      socket.setTimeout(PROBE_MS * 5, () => socket.destroy());
      socket.once('connect', () => {
        failures.set(key, 0);
        socket.end();
      });
      socket.once('error', (error) => {
        const count = (failures.get(key) ?? 0) + 1;
        failures.set(key, count);
        if (count >= 2) report(`${SERVICES[key]} at ${url} stopped answering (${error.message})`);
      });
    }
  }, PROBE_MS);
  timer.unref();
  return {
    stopped,
    stop() {
      closing = true;
      clearInterval(timer);
    },
  };
}

/** Starts the three emulators in a child process (TypeScript through tsx) and waits for their URLs. */
async function forkEmulators(s3Directory: string, temporary: boolean): Promise<ForkedEmulators> {
  const child = fork(CHILD, [], {
    cwd: PROJECT_ROOT,
    execArgv: ['--import', 'tsx'],
    // A temporary S3 directory is the child's to remove if this process dies without closing it.
    env: {
      ...process.env,
      WEBORDINARY_S3_DIRECTORY: s3Directory,
      WEBORDINARY_S3_TEMPORARY: temporary ? '1' : '',
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  let closing = false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const exitedEarly = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      if (!closing) resolve(signal ? `was killed (${signal})` : `exited with code ${code}`);
    });
  });
  const close = async () => {
    closing = true;
    if (child.exitCode === null && child.signalCode === null) {
      if (child.connected) child.send('close');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
  };
  try {
    const urls = await new Promise<EmulatorUrls>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error('the emulators did not start within 30 s')),
        START_TIMEOUT_MS,
      );
      child.once('message', (message: EmulatorMessage) => {
        clearTimeout(timer);
        if (message.type === 'ready') resolve(message);
        else reject(new Error(`the emulators failed to start: ${message.message}`));
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the emulator process exited (code ${code}) before it was ready`));
      });
    });
    return { urls, pid: child.pid, exited: exitedEarly, close };
  } catch (error) {
    await close();
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
    AWS_ENDPOINT_URL_SQS: endpoints.sqs,
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
