import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SESClient, SendEmailCommand } from '@aws-sdk/client-ses';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type JobTruth,
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
const ESC = String.fromCharCode(27);
const ANSI = new RegExp(`${ESC}\\[[0-9;]*m`, 'g');
const DEMO_MARKERS = [
  'Received Step Functions message for amelia#{user}',
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
let sesUrl: string;
let s3: S3Client;
let ses: SESClient;
let models: Record<'demo' | 'real' | 'ticketing', TargetModel>;
let testNumber = 0;

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

/** A copy of a model with changes; every test gets its own intake prefix. */
function variant(base: TargetModel, change: (model: TargetModel) => void = () => {}): TargetModel {
  const model = structuredClone(base);
  if (model.intake.s3) model.intake.s3.prefix = `${model.intake.s3.prefix}t${++testNumber}/`;
  change(model);
  return parseTargetModel(model);
}

/** Millisecond steps for tests about order and counting rather than demo timing. */
function quick(model: TargetModel): void {
  for (const step of model.steps) step.latencyMs = { min: 5, max: 20 };
  model.intake.delayMs = 20;
  model.lanes.claimMs = { min: 20, max: 40 };
  model.workspace.setupMs = { min: 30, max: 60 };
}

interface Harness {
  readonly sim: Simulator;
  readonly logs: MemoryLogSink;
  readonly metrics: MemoryMetricSink;
  readonly ecs: MemoryEcs;
  readonly events: SimulatorEvent[];
}

async function start(
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

async function sendSes(to: string, subject: string, body: string): Promise<void> {
  await ses.send(
    new SendEmailCommand({
      Source: 'bench@webordinary.com',
      Destination: { ToAddresses: [to] },
      Message: { Subject: { Data: subject }, Body: { Text: { Data: body } } },
    }),
  );
}

async function waitFor(what: string, condition: () => boolean, timeoutMs = 20_000): Promise<number> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return Date.now();
}

const done = (h: Harness, count: number) => () => h.sim.snapshot().jobsDone >= count;
const plain = (message: string) => message.replace(ANSI, '');
const truthOf = (h: Harness, userId: string) => h.sim.groundTruth().filter((t) => t.userId === userId);

async function readObject(bucket: string, key: string): Promise<string> {
  const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await object.Body?.transformToString('utf8')) ?? '';
}

describe('simulator intake', () => {
  it('runs a job for an email sent through SES, with the real marker lines in order', async () => {
    const h = await start(variant(models.demo, (m) => (m.ecs.initialDesiredCount = 1)));
    await sendSes('alice@amelia.webordinary.com', '[thread-t1] Hero', 'Make the hero say tok-alice-1\n');
    await waitFor('the job', done(h, 1));
    await h.sim.stop();

    const [job] = h.sim.groundTruth();
    expect(job).toMatchObject({
      source: 'ses',
      projectId: 'amelia',
      userId: 'alice',
      threadId: 't1',
      status: 'ok',
    });
    expect(job?.instruction).toBe('Make the hero say tok-alice-1');
    const stream = h.logs.events.filter((e) => e.stream === `edit/edit/${job?.taskId}`);
    expect(stream.every((e) => e.group === '/ecs/webordinary/edit')).toBe(true);
    expect(job?.taskId).toMatch(/^[0-9a-f]{32}$/);
    const expected = DEMO_MARKERS.map((m) => m.replaceAll('{user}', 'alice').replaceAll('{thread}', 't1'));
    const texts = stream.map((e) => plain(e.message));
    const claimed = texts.findIndex((t) => t.endsWith('Successfully claimed amelia/alice'));
    const booted = texts.findIndex((t) =>
      t.endsWith('Container will release ownership after 5 minutes of inactivity.'),
    );
    expect(booted).toBeGreaterThanOrEqual(0);
    expect(claimed).toBeGreaterThan(booted);
    expect(texts.findIndex((t) => t.includes('Received Step Functions message'))).toBeGreaterThan(claimed);
    const markerEvents = expected.map((text) => stream.find((e) => plain(e.message).includes(`] ${text}`)));
    const times = markerEvents.map((e) => e?.timestamp ?? Number.NaN);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // The ground truth is the timestamp the marker event was given.
    expect(Object.values(job?.markers ?? {})).toEqual(times);
    expect(Object.keys(job?.markers ?? {})).toEqual(models.demo.steps.map((s) => s.name));
    const green = (text: string) => `${ESC}[32m${text}${ESC}[39m`;
    const [head, tail] = [
      `${green('[Nest] 1  - ')}`,
      ` ${green('    LOG')} ${ESC}[33m[MessageProcessor]${ESC}[39m ${green('Received Step Functions message for amelia#alice')}`,
    ];
    expect(markerEvents[0]?.message.startsWith(head)).toBe(true);
    expect(markerEvents[0]?.message.endsWith(tail)).toBe(true);
    expect(markerEvents[0]?.message.slice(head.length, -tail.length)).toMatch(
      /^\d\d\/\d\d\/\d{4}, \d{1,2}:\d\d:\d\d [AP]M$/,
    );
    expect(
      stream.some((e) => plain(e.message).includes('Executing Claude Code instruction: Make the hero say')),
    ).toBe(true);
  });

  it('reads a raw .eml from the intake bucket, decoding quoted-printable and encoded words', async () => {
    const model = variant(models.demo, (m) => (m.ecs.initialDesiredCount = 1));
    const h = await start(model);
    const raw = [
      'From: bench@webordinary.com',
      'To: "Bob" <bob@amelia.webordinary.com>',
      'Subject: =?UTF-8?B?W3RocmVhZC1lbWwtMV0gQ2Fmw6k=?=',
      'Message-ID: <eml-1@bench>',
      'Content-Type: text/plain; charset=UTF-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Caf=C3=A9 banner with token tok-bob-1 and a long line that wraps here =',
      'and goes on.',
      '',
    ].join('\r\n');
    const { bucket, prefix } = model.intake.s3!;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}test-1.eml`, Body: raw }));
    await waitFor('the job', done(h, 1));
    await h.sim.stop();

    const [job] = h.sim.groundTruth();
    expect(job).toMatchObject({ source: 's3', messageId: 'eml-1@bench', userId: 'bob', threadId: 'eml-1' });
    expect(job?.subject).toBe('[thread-eml-1] Café');
    expect(job?.instruction).toBe(
      'Café banner with token tok-bob-1 and a long line that wraps here and goes on.',
    );
    expect(await readObject('edit.amelia.webordinary.com', 'bob/index.html')).toContain(job?.instruction);
    const site = job!.site!;
    expect(site.lastModified % 1000).toBe(0);
    // Truncated to the second, of a write somewhere between the call and its return.
    expect(site.lastModified).toBeLessThanOrEqual(site.putAt);
    expect(site.lastModified).toBeGreaterThan(site.putStartedAt - 1000);
    expect(site.putAt).toBeLessThanOrEqual(job!.markers.sync!);
  });

  it('generates a thread id when the subject has none and ignores mail for other systems', async () => {
    const h = await start(
      variant(models.demo, (m) => {
        quick(m);
        m.ecs.initialDesiredCount = 1;
      }),
    );
    await sendSes('someone@example.com', '[thread-x] Not for us', 'nothing');
    await sendSes('carol@amelia.webordinary.com', 'No thread here', 'tok-carol');
    await waitFor('the job', done(h, 1));
    await h.sim.stop();
    expect(h.sim.groundTruth()).toHaveLength(1);
    expect(h.sim.groundTruth()[0]?.threadId).toMatch(/^\d{13}-[0-9a-z]{6}$/);
    expect(h.events.some((e) => e.type === 'email-ignored')).toBe(true);
  });
});

describe('simulator pool and lanes', () => {
  it('runs a burst of 20 distinct users with one job per container at a time', async () => {
    const h = await start(variant(models.demo));
    const sent = Date.now();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        sendSes(`u${i}@amelia.webordinary.com`, `[thread-b${i}] Burst`, `tok-b${i}`),
      ),
    );
    let maxBusy = 0;
    const finished = await waitFor('20 jobs', () => {
      maxBusy = Math.max(maxBusy, h.sim.snapshot().busy);
      return done(h, 20)();
    });
    await h.sim.stop();
    const truths = h.sim.groundTruth();
    console.log(
      `burst of 20 on webordinary-demo: all done ${((finished - sent) / 1000).toFixed(1)} s after sending`,
    );

    expect(h.events.filter((e) => e.type === 'error')).toEqual([]);
    expect(truths.map((t) => t.status)).toEqual(truths.map(() => 'ok'));
    expect(maxBusy).toBeLessThanOrEqual(8);
    const byTask = new Map<string | undefined, JobTruth[]>();
    for (const t of truths) byTask.set(t.taskId, [...(byTask.get(t.taskId) ?? []), t]);
    expect(byTask.size).toBe(8);
    for (const jobs of byTask.values()) {
      const sorted = jobs.sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0));
      for (let i = 1; i < sorted.length; i++) {
        expect(sorted[i]?.startedAt).toBeGreaterThanOrEqual(
          sorted[i - 1]?.finishedAt ?? Number.POSITIVE_INFINITY,
        );
      }
    }
    // Every user is a new lane and a new workspace.
    expect(truths.every((t) => t.claimMs >= 100 && t.setupMs >= 300 && !t.coldStart)).toBe(true);
    expect(finished - sent).toBeLessThan(20_000);
  });

  it('keeps FIFO order in a lane and charges claim and clone on the first job only', async () => {
    const model = variant(models.demo, (m) => {
      quick(m);
      m.ecs.initialDesiredCount = 2;
      m.lanes.idleReleaseMs = 400;
    });
    const h = await start(model);
    for (const n of [1, 2, 3])
      await sendSes('dave@amelia.webordinary.com', '[thread-d] Edit', `tok-dave-${n}`);
    await waitFor('three jobs', done(h, 3));
    await waitFor('the lane release', () => h.events.some((e) => e.type === 'lane-released'));
    await sendSes('dave@amelia.webordinary.com', '[thread-d] Edit', 'tok-dave-4');
    await waitFor('the fourth job', done(h, 4));
    await h.sim.stop();

    const jobs = truthOf(h, 'dave');
    expect(jobs.map((j) => j.instruction)).toEqual(['tok-dave-1', 'tok-dave-2', 'tok-dave-3', 'tok-dave-4']);
    for (let i = 1; i < 3; i++) {
      expect(jobs[i]?.markers.pickup).toBeGreaterThan(jobs[i - 1]?.markers.done ?? Number.POSITIVE_INFINITY);
      expect(jobs[i]?.taskId).toBe(jobs[0]?.taskId);
    }
    expect(jobs.map((j) => [j.claimMs > 0, j.setupMs > 0])).toEqual([
      [true, true],
      [false, false],
      [false, false],
      // After the idle release the lane is claimed again; the workspace stays cloned.
      [true, false],
    ]);
    const first = jobs[0]!;
    const thread = model.steps[1]!.latencyMs as { min: number };
    expect(first.markers.thread! - first.markers.pickup!).toBeGreaterThanOrEqual(
      first.setupMs + thread.min - 5,
    );
  });

  it('pays a cold start when the desired count goes from 0 to 1, and publishes metrics only while tasks run', async () => {
    const model = variant(models.demo, (m) => {
      quick(m);
      m.ecs.initialDesiredCount = 0;
      m.ecs.coldStartMs = 1500;
      m.resources.publishEveryMs = 100;
    });
    const h = await start(model);
    await sendSes('erin@amelia.webordinary.com', '[thread-e] Cold', 'tok-erin');
    await waitFor('the job to queue', () => h.sim.snapshot().queued === 1);
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(h.sim.groundTruth()[0]?.status).toBe('queued');
    expect(h.metrics.data).toHaveLength(0);

    const scaledAt = Date.now();
    h.ecs.setDesiredCount(1);
    expect([h.ecs.running, h.ecs.pending]).toEqual([0, 1]);
    await waitFor('the job', done(h, 1));
    expect([h.ecs.running, h.ecs.pending]).toEqual([1, 0]);
    const job = h.sim.groundTruth()[0]!;
    expect(job.coldStart).toBe(true);
    expect(job.coldStartMs).toBe(1500);
    // Started = ready (scale-up + cold start), then the claim.
    expect(job.startedAt! - scaledAt).toBeGreaterThanOrEqual(1500 - 5);
    expect(job.startedAt! - scaledAt).toBeLessThan(1500 + 500); // timers may fire late on a loaded machine
    expect(job.queueWaitMs).toBeGreaterThanOrEqual(1500 + 400);

    const cpu = h.metrics.data.filter((d) => d.datum.MetricName === 'CPUUtilization');
    expect(cpu.length).toBeGreaterThan(0);
    expect(h.metrics.data.every((d) => d.namespace === 'AWS/ECS' && d.datum.Unit === 'Percent')).toBe(true);
    expect(cpu[0]?.datum.Dimensions).toEqual([
      { Name: 'ClusterName', Value: 'webordinary-edit-cluster' },
      { Name: 'ServiceName', Value: 'webordinary-edit-service' },
    ]);
    expect(cpu.every((d) => d.datum.Value >= 0 && d.datum.Value <= 100)).toBe(true);
    expect(cpu.every((d) => d.datum.Timestamp.getTime() >= scaledAt + 1500)).toBe(true);

    h.ecs.setDesiredCount(0);
    expect([h.ecs.running, h.ecs.pending]).toEqual([0, 0]);
    const published = h.metrics.data.length;
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(h.metrics.data.length).toBe(published);
    await h.sim.stop();
  });

  it('draws the same delays and task ids again for the same seed', async () => {
    const run = async (): Promise<JobTruth> => {
      const model = variant(models.demo, (m) => {
        quick(m);
        m.ecs.initialDesiredCount = 1;
      });
      const h = await start(model, { seed: 42 });
      await sendSes('fay@amelia.webordinary.com', '[thread-f] Seed', 'tok-fay');
      await waitFor('the job', done(h, 1));
      await h.sim.stop();
      return h.sim.groundTruth()[0]!;
    };
    const [a, b] = [await run(), await run()];
    expect([b.taskId, b.claimMs, b.setupMs]).toEqual([a.taskId, a.claimMs, a.setupMs]);
  });
});

describe('simulator faults and other models', () => {
  it('fails a share of jobs at the modelled step, optionally going on like the real system', async () => {
    const model = variant(models.demo, (m) => {
      quick(m);
      m.ecs.initialDesiredCount = 1;
      m.faults[1]!.rate = 1;
    });
    const h = await start(model);
    await sendSes('gil@amelia.webordinary.com', '[thread-g] Fault', 'tok-gil');
    await waitFor('the job', done(h, 1));
    await h.sim.stop();
    const job = h.sim.groundTruth()[0]!;
    expect(job).toMatchObject({ status: 'failed', failedStep: 'build' });
    expect(Object.keys(job.markers)).toEqual(['pickup', 'thread', 'claude-start', 'claude', 'done']);
    expect(job.site).toBeUndefined();
    const failure = h.logs.events.find((e) => plain(e.message).includes('Build failed with code 1'));
    expect(failure?.message).toContain(`${ESC}[31m`);
  });

  it('runs the ticketing model with its own group, lines, stages, lanes and bucket', async () => {
    const model = variant(models.ticketing, (m) => (m.ecs.initialDesiredCount = 2));
    const h = await start(model, { desired: 2 });
    const raw = (user: string, n: number) =>
      `To: ${user}+billing@tickets.example.test\r\nSubject: Refund {ticket:TK-${n}}\r\n\r\nPlease refund order ${n}\r\n`;
    const { bucket, prefix } = model.intake.s3!;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}a.eml`, Body: raw('ann', 1) }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}notes.txt`, Body: raw('cat', 3) }));
    await sendSes('ben+billing@tickets.example.test', 'Refund {ticket:TK-2}', 'Please refund order 2');
    await waitFor('two tickets', done(h, 2));
    // The .txt object is not for the intake (suffix .eml): no third job.
    await new Promise((resolve) => setTimeout(resolve, 150));
    await h.sim.stop();

    const truths = h.sim.groundTruth();
    expect(truths.map((t) => t.laneKey)).toEqual(['billing', 'billing']);
    expect(truths[1]?.taskId).toBe(truths[0]?.taskId);
    expect(Object.keys(truths[0]?.markers ?? {})).toEqual([
      'accepted',
      'triaged',
      'answered',
      'published',
      'closed',
    ]);
    expect(new Set(h.logs.events.map((e) => e.group))).toEqual(new Set(['/ecs/ticket-worker']));
    expect(h.logs.events.every((e) => e.stream.startsWith('tickets/worker/'))).toBe(true);
    const lines = h.logs.events.map((e) => JSON.parse(e.message) as { msg: string; time: string });
    const accepted = lines.find((l) => l.msg === 'ticket TK-1 accepted from ann in billing');
    expect(Date.parse(accepted?.time ?? '')).toBe(
      truths.find((t) => t.threadId === 'TK-1')?.markers.accepted,
    );
    expect(await readObject('answers-billing', 'tickets/TK-2.txt')).toContain('Please refund order 2');
    expect(h.logs.events.some((e) => e.message.includes('Nest') || e.message.includes('webordinary'))).toBe(
      false,
    );
  });
});
