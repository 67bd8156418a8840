import { setMaxListeners } from 'node:events';
import { sampleMs } from './distribution.js';
import type { EventBody, SimulatorEvent } from './events.js';
import type { JobTruth } from './ground-truth.js';
import { IdentityReader } from './identity.js';
import { type IncomingEmail, startIntake } from './intake.js';
import type { SimulatorIo } from './io.js';
import { drawBusyClaim, drawClaim, JobRunner, type SimJob } from './job-runner.js';
import { writeLines } from './line-writer.js';
import { StreamWriter } from './log-writer.js';
import { startMetrics } from './metrics.js';
import type { ModelLine, TargetModel } from './model.js';
import { Pool, type PoolTask } from './pool.js';
import { deriveRng } from './rng.js';
import { SiteDeployer } from './site.js';

export type { SimulatorEvent } from './events.js';
export type { DropTruth, JobTruth, LineTruth, SiteTruth } from './ground-truth.js';
export type { EcsControl, LogEvent, LogSink, MetricDatum, MetricSink, SimulatorIo } from './io.js';
export { loadTargetModel, parseTargetModel, type TargetModel, TargetModelError } from './model.js';

export interface SimulatorOptions {
  readonly model: TargetModel;
  readonly io: SimulatorIo;
  /** Seed of every random draw; the same seed and emails give the same latencies. Default 1. */
  readonly seed?: number;
  readonly onEvent?: (event: SimulatorEvent) => void;
}

export interface SimulatorSnapshot {
  /** Jobs waiting for a container (after the intake delay). */
  readonly queued: number;
  /** Running tasks. */
  readonly running: number;
  /** Tasks still cold-starting. */
  readonly pending: number;
  /** Tasks running a job. */
  readonly busy: number;
  /** Jobs that ended (ok, failed or dropped). */
  readonly jobsDone: number;
}

export interface Simulator {
  readonly seed: number;
  /** One record per job, in the order the emails were found (live objects: they fill in as jobs run). */
  groundTruth(): readonly JobTruth[];
  snapshot(): SimulatorSnapshot;
  /** Stops polling, timers and jobs (unfinished jobs become `abandoned`), and flushes the logs. */
  stop(): Promise<void>;
}

/** Starts the simulator of the system `model` describes, wired to `io`. */
export async function startSimulator(options: SimulatorOptions): Promise<Simulator> {
  const { model, io } = options;
  const seed = options.seed ?? 1;
  const emit = (event: EventBody) => options.onEvent?.({ ...event, at: Date.now() } as SimulatorEvent);
  const onError = (where: string) => (error: unknown) =>
    emit({ type: 'error', where, message: error instanceof Error ? error.message : String(error) });
  const abort = new AbortController();
  // Every waiting job and line listens on this signal.
  setMaxListeners(0, abort.signal);
  const truths: JobTruth[] = [];
  const running = new Set<Promise<void>>();
  const intakeTimers = new Set<NodeJS.Timeout>();
  const occurrences = new Map<string, number>();
  const writers = new Map<string, StreamWriter>();
  const reader = new IdentityReader(model);

  const writerFor = (task: PoolTask) => {
    let writer = writers.get(task.id);
    if (!writer) {
      const stream = `${model.logs.streamPrefix}/${model.logs.containerName}/${task.id}`;
      writer = new StreamWriter(
        io.logs,
        model.logs.group,
        stream,
        onError(`logs ${stream}`),
        model.logs.publishMs,
      );
      writers.set(task.id, writer);
    }
    return writer;
  };
  const runner = new JobRunner({
    model,
    writerFor,
    deployer: model.site ? new SiteDeployer(io.s3, model.site) : undefined,
    signal: abort.signal,
    emit,
  });
  const pool = new Pool<SimJob>({
    seed,
    coldStartMs: model.ecs.coldStartMs,
    claimMs: model.lanes.claimMs,
    idleReleaseMs: model.lanes.idleReleaseMs,
    ...(model.ecs.scaleFromZero ? { scaleFromZero: model.ecs.scaleFromZero } : {}),
    ...(model.lanes.claimWhileBusy
      ? {
          claimWhileBusy: {
            share: model.lanes.claimWhileBusy.share,
            abandonedLaneMs: model.lanes.claimWhileBusy.abandonedLaneMs,
            drop: (task: PoolTask, job: SimJob) => {
              const done = runner.drop(task, job);
              running.add(done);
              return done.finally(() => running.delete(done));
            },
          },
        }
      : {}),
    ecs: io.ecs,
    emit,
    run: (task, job, start) => {
      const done = runner.run(task, job, start);
      running.add(done);
      return done.finally(() => running.delete(done));
    },
    onReady: (task) => taskLines(task, model.ecs.startupLines, {}),
    onLane: (task, vars, change) =>
      taskLines(task, change === 'claimed' ? model.lanes.claimLines : model.lanes.releaseLines, vars),
  });

  /** Lines a task writes outside any job (startup, claim, release). */
  const taskLines = async (
    task: PoolTask,
    lines: readonly ModelLine[],
    vars: Readonly<Record<string, string>>,
  ) => {
    if (lines.length === 0) return;
    const writing = writeLines({
      writer: writerFor(task),
      format: model.logs.format,
      lines,
      values: { ...vars, taskId: task.id },
      delay: (distribution) => sampleMs(distribution, task.rng),
      signal: abort.signal,
    }).then(
      () => undefined,
      (error: unknown) => {
        if (!abort.signal.aborted) onError(`logs ${task.id}`)(error);
      },
    );
    running.add(writing);
    await writing.finally(() => running.delete(writing));
  };

  const receive = (email: IncomingEmail) => {
    const content = `${email.to.join(',')}|${email.subject}|${email.text}`;
    const occurrence = occurrences.get(content) ?? 0;
    occurrences.set(content, occurrence + 1);
    const rng = (purpose: string) => deriveRng(seed, `job:${content}#${occurrence}:${purpose}`);
    const identity = reader.read(email, rng('thread'));
    if ('ignored' in identity) {
      emit({
        type: 'email-ignored',
        source: email.source,
        messageId: email.messageId,
        reason: identity.ignored,
      });
      return;
    }
    const truth: JobTruth = {
      jobId: `job-${String(truths.length + 1).padStart(5, '0')}`,
      source: email.source,
      messageId: email.messageId,
      subject: email.subject,
      receivedAt: email.receivedAt,
      ...identity,
      coldStart: false,
      coldStartMs: 0,
      claimMs: 0,
      setupMs: 0,
      markers: {},
      lines: [],
      status: 'received',
    };
    truths.push(truth);
    emit({ type: 'job-received', jobId: truth.jobId, laneKey: truth.laneKey });
    const job: SimJob = {
      truth,
      laneKey: truth.laneKey,
      laneVars: { projectId: truth.projectId, userId: truth.userId, laneKey: truth.laneKey },
      workspaceKey: identity.workspaceKey,
      rng,
      drawClaimMs: drawClaim(rng),
      drawBusyClaim: drawBusyClaim(rng),
    };
    const timer = setTimeout(
      () => {
        intakeTimers.delete(timer);
        truth.enqueuedAt = Date.now();
        truth.status = 'queued';
        emit({ type: 'job-queued', jobId: truth.jobId, laneKey: truth.laneKey });
        pool.enqueue(job);
      },
      sampleMs(model.intake.delayMs, rng('intake')),
    );
    intakeTimers.add(timer);
  };

  // Intake first: if it cannot start, nothing else is left running.
  const intake = await startIntake({
    pollMs: model.intake.pollMs,
    sesStoreUrl: model.intake.ses ? io.sesStoreUrl : undefined,
    s3: io.s3,
    bucket: model.intake.s3 && {
      name: model.intake.s3.bucket,
      prefix: model.intake.s3.prefix,
      suffix: model.intake.s3.suffix,
    },
    onEmail: receive,
    onError: (where, error) => onError(where)(error),
  });

  pool.start(io.ecs.getDesiredCount());
  const unsubscribe = io.ecs.onDesiredCountChange((desired) => pool.reconcile(desired));
  const metrics = startMetrics({ model, sink: io.metrics, seed, tasks: () => pool.runningTasks(), emit });

  return {
    seed,
    groundTruth: () => truths,
    snapshot: () => {
      const { queued, running: tasks, pending, busy } = pool.snapshot();
      const jobsDone = truths.filter(
        (t) => t.status === 'ok' || t.status === 'failed' || t.status === 'dropped',
      ).length;
      return { queued, running: tasks, pending, busy, jobsDone };
    },
    async stop() {
      unsubscribe();
      await intake.stop();
      for (const timer of intakeTimers) clearTimeout(timer);
      pool.stop();
      abort.abort();
      await Promise.allSettled([...running]);
      await metrics.stop();
      await Promise.all([...writers.values()].map((writer) => writer.flushed()));
    },
  };
}
