/** The running simulator's test harness: real S3 and SES emulators, in-memory logs, metrics and ECS. */
import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { afterAll, beforeAll } from 'vitest';
import {
  loadTargetModel,
  parseTargetModel,
  type Simulator,
  type SimulatorEvent,
  startSimulator,
  type TargetModel,
} from '../../local/simulator/index.js';
import { MemoryEcs, MemoryLogSink, MemoryMetricSink } from '../../local/simulator/memory-io.js';

process.env.AWS_REQUEST_CHECKSUM_CALCULATION = 'WHEN_REQUIRED';
const require = createRequire(import.meta.url);
const S3rver = require('s3rver') as new (
  options: object,
) => { run(): Promise<AddressInfo>; close(): Promise<void> };
const startSes = (
  require('aws-ses-v2-local') as { default: (c: { host: string; port: number }) => Promise<Server> }
).default;

const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
export const ESC = String.fromCharCode(27);
const ANSI = new RegExp(`${ESC}\\[[0-9;]*m`, 'g');
/** Each step's marker line, in order: the first line a stage's pattern matches (the pickup's is GenericContainerService's). */
export const DEMO_MARKERS = [
  'Received Step Functions message for amelia/{user}',
  'Switched to thread {thread} (branch: thread-{thread})',
  'Step 1/5: Executing Claude command...',
  'Task completed - Cost: $',
  '✅ Astro build successful',
  '✅ S3 sync complete: ',
  'Pushed branch thread-{thread} successfully',
  'Successfully processed message and sent callback',
];

let dir: string;
let s3rver: InstanceType<typeof S3rver>;
let sesServer: Server;
let ses: SESClient;
let testNumber = 0;
export let sesUrl: string;
export let s3: S3Client;
export let models: Record<'demo' | 'real' | 'ticketing', TargetModel>;

/** A real s3rver and aws-ses-v2-local for one test file, and the three target models. */
export function useSimulatorServers(): void {
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'simulator-test-'));
    s3rver = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir });
    const { port } = await s3rver.run();
    s3 = new S3Client({
      endpoint: `http://127.0.0.1:${port}`,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials,
    });
    sesServer = await startSes({ host: '127.0.0.1', port: 0 });
    sesUrl = `http://127.0.0.1:${(sesServer.address() as AddressInfo).port}`;
    ses = new SESClient({ endpoint: sesUrl, region: 'us-east-1', credentials });
    models = {
      demo: await loadTargetModel('local/models/webordinary-demo.json'),
      real: await loadTargetModel('local/models/webordinary.json'),
      ticketing: await loadTargetModel('local/models/ticketing.json'),
    };
  });

  afterAll(async () => {
    s3.destroy();
    ses.destroy();
    await s3rver?.close();
    await new Promise((resolve) => sesServer?.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });
}

/** A copy of a model with changes; every test gets its own intake prefix. */
export function variant(base: TargetModel, change: (model: TargetModel) => void = () => {}): TargetModel {
  const model = structuredClone(base);
  if (model.intake.s3) model.intake.s3.prefix = `${model.intake.s3.prefix}t${++testNumber}/`;
  change(model);
  return parseTargetModel(model);
}

/** Millisecond steps for tests about order and counting rather than demo timing. */
export function quick(model: TargetModel): void {
  for (const step of model.steps) step.latencyMs = { min: 5, max: 20 };
  model.intake.delayMs = 20;
  model.lanes.claimMs = { min: 20, max: 40 };
  model.workspace.setupMs = { min: 30, max: 60 };
}

export interface Harness {
  readonly sim: Simulator;
  readonly logs: MemoryLogSink;
  readonly metrics: MemoryMetricSink;
  readonly ecs: MemoryEcs;
  readonly events: SimulatorEvent[];
}

export async function start(
  model: TargetModel,
  options: { desired?: number; seed?: number } = {},
): Promise<Harness> {
  await fetch(`${sesUrl}/clear-store`, { method: 'POST' });
  const logs = new MemoryLogSink();
  const metrics = new MemoryMetricSink();
  const ecs = new MemoryEcs(options.desired ?? model.ecs.initialDesiredCount);
  const events: SimulatorEvent[] = [];
  const sim = await startSimulator({
    model,
    io: { logs, metrics, s3, sesStoreUrl: sesUrl, ecs },
    seed: options.seed ?? 7,
    onEvent: (event) => events.push(event),
  });
  return { sim, logs, metrics, ecs, events };
}

export async function sendSes(to: string, subject: string, body: string): Promise<void> {
  await ses.send(
    new SendEmailCommand({
      Source: 'bench@webordinary.com',
      Destination: { ToAddresses: [to] },
      Message: { Subject: { Data: subject }, Body: { Text: { Data: body } } },
    }),
  );
}

export async function waitFor(what: string, condition: () => boolean, timeoutMs = 20_000): Promise<number> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return Date.now();
}

export const done = (h: Harness, count: number) => () => h.sim.snapshot().jobsDone >= count;
export const plain = (message: string) => message.replace(ANSI, '');
export const truthOf = (h: Harness, userId: string) => h.sim.groundTruth().filter((t) => t.userId === userId);

export async function readObject(bucket: string, key: string): Promise<string> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await object.Body?.transformToString('utf8')) ?? '';
}
