import { describe, expect, it } from 'vitest';
import type { JobTruth, TargetModel } from '../../local/simulator/index.js';
import { formatLine } from '../../local/simulator/log-format.js';
import {
  done,
  type Harness,
  models,
  plain,
  quick,
  sendSes,
  start,
  truthOf,
  useSimulatorServers,
  variant,
  waitFor,
} from '../support/simulator-harness.js';

useSimulatorServers();

const WARN = 'Already processing a message, this should not happen with FIFO';

/** Quick steps, except a long `claude` step so a second lane's job arrives while the first runs. */
function busyModel(tasks: number, share: number, claudeMs = 1500): TargetModel {
  return variant(models.real, (m) => {
    quick(m);
    m.intake.pollMs = 50;
    m.ecs.initialDesiredCount = tasks;
    m.ecs.startupLines = [];
    m.lanes.claimMs = { min: 50, max: 80 };
    // Long enough that a lane the container just served is still its own when the test's next job
    // comes, however loaded the machine (200 ms was not: a claim of 51 ms where 0 was expected).
    m.lanes.idleReleaseMs = 2_000;
    m.workspace.setupMs = 0;
    m.steps.find((s) => s.name === 'claude')!.latencyMs = claudeMs;
    m.resources.publishEveryMs = 60_000;
    m.lanes.claimWhileBusy = { ...m.lanes.claimWhileBusy!, share, abandonedLaneMs: 300 };
  });
}

const streamOf = (h: Harness, stream: string) => h.logs.events.filter((e) => e.stream === stream);
const started = (h: Harness, userId: string) => () =>
  truthOf(h, userId).some((t) => t.status === 'running' || t.status === 'ok');

describe('simulator: a busy container claims a second lane (lanes.claimWhileBusy)', () => {
  it('logs the real pickup and WARN lines on the running job’s stream and loses the job', async () => {
    const model = busyModel(1, 1);
    const h = await start(model);
    await sendSes('alice@amelia.webordinary.com', '[thread-a] First', 'tok-alice-1');
    await waitFor('alice to start', started(h, 'alice'));
    await sendSes('bob@amelia.webordinary.com', '[thread-b] Second', 'tok-bob-1');
    await waitFor('bob to be dropped', () => truthOf(h, 'bob')[0]?.status === 'dropped');
    // The new lane's poll loop takes the next message too while the first job still runs.
    await sendSes('bob@amelia.webordinary.com', '[thread-b] Again', 'tok-bob-2');
    await waitFor('alice and two bob jobs', done(h, 3));
    const alice = truthOf(h, 'alice')[0]!;
    const [bob1, bob2] = truthOf(h, 'bob');
    expect(alice.status).toBe('ok');
    expect(bob2!.status).toBe('dropped');
    // After the running job, the container owns bob's lane and runs its jobs.
    await sendSes('bob@amelia.webordinary.com', '[thread-b] Third', 'tok-bob-3');
    await waitFor('the third bob job to start', () => truthOf(h, 'bob')[2]?.status === 'running');
    // A job of the lane it runs waits its turn (FIFO): only another lane's poll loop drops.
    await sendSes('bob@amelia.webordinary.com', '[thread-b] Fourth', 'tok-bob-4');
    await waitFor('the third and fourth bob jobs', done(h, 5));
    // Alice's lane was abandoned: her next job waits until its ownership expires, then runs.
    await sendSes('alice@amelia.webordinary.com', '[thread-a] Later', 'tok-alice-2');
    await waitFor('the second alice job', done(h, 6));
    await h.sim.stop();

    expect(h.events.filter((e) => e.type === 'error')).toEqual([]);
    const stream = `edit/edit/${alice.taskId}`;
    for (const bob of [bob1!, bob2!]) {
      expect(bob.dropped).toMatchObject({
        taskId: alice.taskId,
        logGroup: '/ecs/webordinary/edit',
        logStream: stream,
        runningJobId: alice.jobId,
      });
      expect(bob.dropped!.at).toBeGreaterThan(alice.markers.pickup!);
      expect(bob.dropped!.at).toBeLessThan(alice.markers.done!);
      expect(Object.keys(bob.markers)).toEqual(['pickup']);
      expect(bob.lines.map((l) => l.text)).toEqual([
        'Received Step Functions message for amelia/bob',
        'Received Step Functions message for amelia#bob',
        'Task token: AQCEAAAAKgAAAAMAAAAA...',
        WARN,
      ]);
    }
    const [bob3, bob4] = truthOf(h, 'bob').slice(2);
    expect(bob3).toMatchObject({ status: 'ok', taskId: alice.taskId, claimMs: 0 });
    expect(bob4).toMatchObject({ status: 'ok', taskId: alice.taskId, claimMs: 0 });
    expect(bob4!.markers.pickup).toBeGreaterThan(bob3!.markers.done!);
    expect(truthOf(h, 'alice')[1]!.status).toBe('ok');
    expect(h.events.filter((e) => e.type === 'lane-abandoned')).toMatchObject([
      { laneKey: 'amelia#alice', taskId: alice.taskId, untilMs: 300 },
    ]);

    // On the stream: the claim lines, then per dropped job the two pickup lines, the token line and
    // the WARN in NestJS format, all while alice's job runs; no failure line, no callback line.
    const events = streamOf(h, stream);
    const texts = events.map((e) => plain(e.message).replace(/^.*? (LOG|WARN) \[\w+\] /, ''));
    const bobLines = texts.filter((t) => t.includes('bob') || t === WARN || t.startsWith('Task token'));
    const aliceDone = texts.indexOf('Successfully processed message and sent callback');
    const dropped = [
      'Received Step Functions message for amelia/bob',
      'Received Step Functions message for amelia#bob',
      WARN,
    ];
    expect(bobLines.slice(0, 6)).toEqual([
      'Task token: AQCEAAAAKgAAAAMAAAAA...', // alice's own
      'Received claim request for amelia/bob',
      'Successfully claimed amelia/bob',
      'Starting to poll https://sqs.us-west-2.amazonaws.com/123456789012/webordinary-input-amelia-bob.fifo',
      'Starting to poll interrupt queue: https://sqs.us-west-2.amazonaws.com/123456789012/webordinary-interrupts-amelia-bob',
      ...dropped.slice(0, 1),
    ]);
    expect(texts.lastIndexOf(WARN)).toBeLessThan(aliceDone);
    expect(texts.filter((t) => t === WARN)).toHaveLength(2);
    expect(texts.filter((t) => /Failed|Error/.test(t))).toEqual([]);
    const warnEvents = events.filter((e) => plain(e.message).endsWith(WARN));
    expect(warnEvents.map((e) => e.timestamp)).toEqual([bob1!.dropped!.at, bob2!.dropped!.at]);
    for (const event of warnEvents) {
      const expected = formatLine(
        model.logs.format,
        { level: 'warn', context: 'MessageProcessor' },
        WARN,
        event.timestamp,
      );
      expect(event.message).toBe(expected);
      expect(plain(event.message)).toMatch(
        /^\[Nest\] 1 {2}- \d\d\/\d\d\/\d{4}, \d{1,2}:\d\d:\d\d [AP]M {4}WARN \[MessageProcessor\] Already processing/,
      );
    }
    // Each dropped job's own lines are in order on the stream: pickup, pickup, token, WARN.
    for (const bob of [bob1!, bob2!]) {
      const own = bob.lines.map((l) => l.timestamp);
      expect([...own].sort((a, b) => a - b)).toEqual(own);
      expect(bob.markers.pickup).toBe(bob.lines[1]!.timestamp);
    }
  });

  it('never drops with share 0: the second lane waits for a free container', async () => {
    const h = await start(busyModel(1, 0));
    await sendSes('carol@amelia.webordinary.com', '[thread-c] First', 'tok-carol');
    await waitFor('carol to start', started(h, 'carol'));
    await sendSes('dan@amelia.webordinary.com', '[thread-d] Second', 'tok-dan');
    await waitFor('both jobs', done(h, 2));
    await h.sim.stop();
    const [carol, dan] = [truthOf(h, 'carol')[0]!, truthOf(h, 'dan')[0]!];
    expect([carol.status, dan.status]).toEqual(['ok', 'ok']);
    expect(dan.markers.pickup).toBeGreaterThan(carol.markers.done!);
    expect(h.logs.events.filter((e) => plain(e.message).endsWith(WARN))).toEqual([]);
  });

  it('records every drop in the ground truth, one WARN per dropped job, on its container’s stream', async () => {
    // Every waiting job's claim goes to a busy container when one runs (share 1). The first three
    // jobs occupy the three containers before the rest arrive, so drops happen however slow the machine.
    const h = await start(busyModel(3, 1, 1500), { seed: 11 });
    const users = Array.from({ length: 12 }, (_, i) => `p${i}`);
    const send = (u: string) => sendSes(`${u}@amelia.webordinary.com`, `[thread-${u}] Edit`, `tok-${u}`);
    await Promise.all(users.slice(0, 3).map(send));
    await waitFor('three running jobs', () => users.slice(0, 3).every((u) => started(h, u)()));
    await Promise.all(users.slice(3).map(send));
    await waitFor('12 jobs', done(h, 12), 30_000);
    await h.sim.stop();

    expect(h.events.filter((e) => e.type === 'error')).toEqual([]);
    const truths = h.sim.groundTruth();
    const dropped = truths.filter((t) => t.status === 'dropped');
    expect(truths.filter((t) => t.status !== 'dropped').every((t) => t.status === 'ok')).toBe(true);
    expect(dropped.length).toBeGreaterThan(0);
    const warns = h.logs.events.filter((e) => plain(e.message).endsWith(WARN));
    expect(warns.map((e) => [e.stream, e.timestamp]).sort()).toEqual(
      dropped.map((t) => [t.dropped!.logStream, t.dropped!.at]).sort(),
    );
    const byJob = new Map<string, JobTruth>(truths.map((t) => [t.jobId, t]));
    for (const t of dropped) {
      // The job it was dropped beside ran in the same container, across the WARN.
      const running = byJob.get(t.dropped!.runningJobId!)!;
      expect(running.taskId).toBe(t.taskId);
      expect(running.status).toBe('ok');
      expect(running.markers.pickup).toBeLessThan(t.dropped!.at);
      expect(running.markers.done).toBeGreaterThan(t.dropped!.at);
      expect(t.dropped!.logStream).toBe(`edit/edit/${t.taskId}`);
    }
    expect(h.events.filter((e) => e.type === 'job-dropped')).toHaveLength(dropped.length);
  });
});
