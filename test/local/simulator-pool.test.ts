import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import type { JobTruth } from '../../local/simulator/index.js';
import {
  done,
  ESC,
  models,
  plain,
  quick,
  readObject,
  s3,
  sendSes,
  start,
  truthOf,
  useSimulatorServers,
  variant,
  waitFor,
} from '../support/simulator-harness.js';

useSimulatorServers();

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
