import { setTimeout as sleep } from 'node:timers/promises';
import { type Distribution, sample, sampleMs } from './distribution.js';
import type { Emit } from './events.js';
import type { JobTruth } from './ground-truth.js';
import { delayFrom, writeLines } from './line-writer.js';
import type { StreamWriter } from './log-writer.js';
import type { ModelLine, TargetModel } from './model.js';
import type { JobStart, PoolJob, PoolTask } from './pool.js';
import type { Rng } from './rng.js';
import type { SiteDeployer } from './site.js';
import type { TemplateValues } from './template.js';

/** A job as the pool and the runner see it. */
export interface SimJob extends PoolJob {
  readonly truth: JobTruth;
  readonly workspaceKey: string;
  /** The job's own random stream for one purpose (`claim`, `step:build`...). */
  readonly rng: (purpose: string) => Rng;
}

export function drawClaim(rng: (purpose: string) => Rng): (distribution: Distribution) => number {
  return (distribution) => sampleMs(distribution, rng('claim'));
}

export function drawBusyClaim(rng: (purpose: string) => Rng): () => number {
  return () => rng('busy-claim')();
}

export interface JobRunnerOptions {
  readonly model: TargetModel;
  readonly writerFor: (task: PoolTask) => StreamWriter;
  readonly deployer?: SiteDeployer | undefined;
  readonly signal: AbortSignal;
  readonly emit: Emit;
}

/** Runs a job's steps in a container: waits each latency, writes its lines, deploys the site. */
export class JobRunner {
  private readonly workspaces = new Set<string>();
  /** Task id -> the job it is running. */
  private readonly running = new Map<string, string>();

  constructor(private readonly options: JobRunnerOptions) {}

  async run(task: PoolTask, job: SimJob, start: JobStart): Promise<void> {
    const { model, emit } = this.options;
    const truth = job.truth;
    const enqueuedAt = truth.enqueuedAt ?? start.startedAt;
    truth.startedAt = start.startedAt;
    truth.queueWaitMs = start.startedAt - enqueuedAt;
    truth.taskId = task.id;
    truth.claimMs = start.claimMs;
    truth.coldStart = !task.warm && task.jobsRun === 0 && (task.readyAt ?? 0) > enqueuedAt;
    truth.coldStartMs = truth.coldStart ? task.coldStartMs : 0;
    truth.setupMs = 0;
    if (!this.workspaces.has(job.workspaceKey)) {
      this.workspaces.add(job.workspaceKey);
      truth.setupMs = sampleMs(model.workspace.setupMs, job.rng('setup'));
    }
    truth.status = 'running';
    this.running.set(task.id, truth.jobId);
    emit({ type: 'job-started', jobId: truth.jobId, taskId: task.id });
    const writer = this.options.writerFor(task);
    try {
      await this.steps(task, job, writer);
    } catch (error) {
      if (this.options.signal.aborted) truth.status = 'abandoned';
      else {
        truth.status = 'failed';
        emit({ type: 'error', where: `job ${truth.jobId}`, message: (error as Error).message });
      }
    }
    truth.finishedAt = Date.now();
    this.running.delete(task.id);
    await writer.flushed();
    emit({ type: 'job-finished', jobId: truth.jobId, status: truth.status as 'ok' | 'failed' | 'abandoned' });
  }

  /**
   * A busy container picks the job up and loses it (the model's
   * `lanes.claimWhileBusy`): the first step's lines, then the drop lines
   * (WebOrdinary's WARN `Already processing a message...`), on the stream of
   * the job it is running; no failure line, no callback. Never rejects.
   */
  async drop(task: PoolTask, job: SimJob): Promise<void> {
    const { model, signal, emit } = this.options;
    const dropLines = model.lanes.claimWhileBusy?.dropLines ?? [];
    const truth = job.truth;
    const first = model.steps[0]!;
    const enqueuedAt = truth.enqueuedAt ?? Date.now();
    truth.startedAt = Date.now();
    truth.queueWaitMs = truth.startedAt - enqueuedAt;
    truth.taskId = task.id;
    truth.status = 'running';
    const runningJobId = this.running.get(task.id);
    const writer = this.options.writerFor(task);
    const values = this.values(task, job);
    const markerIndex = Math.max(
      0,
      first.lines.findIndex((line) => line.marker === true),
    );
    const write = (lines: readonly ModelLine[], step: string, index: number) =>
      writeLines({
        writer,
        format: model.logs.format,
        lines,
        values,
        delay: delayFrom(job.rng, `line:${step}`),
        signal,
        since: truth.startedAt!,
        markerIndex: index,
        step,
      });
    try {
      const pickup = await write(first.lines, first.name, markerIndex);
      truth.lines.push(...pickup);
      truth.markers[first.name] = pickup[markerIndex]!.timestamp;
      const dropped = await write(dropLines, 'dropped', -1);
      truth.lines.push(...dropped);
      truth.dropped = {
        at: dropped[0]!.timestamp,
        taskId: task.id,
        logGroup: writer.group,
        logStream: writer.stream,
        ...(runningJobId !== undefined ? { runningJobId } : {}),
      };
      truth.status = 'dropped';
      emit({ type: 'job-dropped', jobId: truth.jobId, taskId: task.id });
    } catch (error) {
      if (signal.aborted) truth.status = 'abandoned';
      else {
        truth.status = 'failed';
        emit({ type: 'error', where: `drop ${truth.jobId}`, message: (error as Error).message });
      }
    }
    truth.finishedAt = Date.now();
    await writer.flushed();
  }

  private async steps(task: PoolTask, job: SimJob, writer: StreamWriter): Promise<void> {
    const { model, signal, deployer, emit } = this.options;
    const truth = job.truth;
    const values = this.values(task, job);
    const fault = this.fault(job);
    let skipUntil: string | undefined;
    let last = Date.now();
    for (const step of model.steps) {
      if (skipUntil !== undefined && step.name !== skipUntil) continue;
      skipUntil = undefined;
      const lines = (markerIndex: number, modelLines: readonly ModelLine[]) =>
        writeLines({
          writer,
          format: model.logs.format,
          lines: modelLines,
          values,
          delay: delayFrom(job.rng, `line:${step.name}`),
          signal,
          since: last,
          markerIndex,
          step: step.name,
        });
      try {
        const setup = step.name === model.workspace.step ? truth.setupMs : 0;
        const latency = sampleMs(step.latencyMs, job.rng(`step:${step.name}`)) + setup;
        if (setup > 0 && model.workspace.setupLines.length > 0) {
          await sleep(Math.max(0, last + setup - Date.now()), undefined, { signal });
          truth.lines.push(...(await lines(-1, model.workspace.setupLines)));
        }
        await sleep(Math.max(0, last + latency - Date.now()), undefined, { signal });
        if (fault?.step === step.name) {
          truth.failedStep = step.name;
          const written = await lines(-1, fault.lines);
          truth.lines.push(...written);
          if (fault.resumeAt === undefined) {
            truth.status = 'failed';
            return;
          }
          skipUntil = fault.resumeAt;
          last = written[0]?.timestamp ?? Date.now();
          continue;
        }
        if (deployer && model.site?.step === step.name) truth.site = await deployer.deploy(values);
        const markerIndex = Math.max(
          0,
          step.lines.findIndex((line) => line.marker === true),
        );
        const written = await lines(markerIndex, step.lines);
        truth.lines.push(...written);
        last = written[markerIndex]?.timestamp ?? Date.now();
      } catch (error) {
        if (!signal.aborted) truth.failedStep = step.name;
        throw error;
      }
      truth.markers[step.name] = last;
      emit({ type: 'marker', jobId: truth.jobId, step: step.name, timestamp: last });
    }
    truth.status = truth.failedStep === undefined ? 'ok' : 'failed';
  }

  private values(task: PoolTask, job: SimJob): TemplateValues {
    const truth = job.truth;
    const values: Record<string, string | number> = {
      projectId: truth.projectId,
      userId: truth.userId,
      threadId: truth.threadId,
      laneKey: truth.laneKey,
      instruction: truth.instruction,
      instruction100: truth.instruction.slice(0, 100),
      taskId: task.id,
      jobId: truth.jobId,
      messageId: truth.messageId,
    };
    for (const [name, variable] of Object.entries(this.options.model.vars)) {
      values[name] = sample(variable.draw, job.rng(`var:${name}`)).toFixed(variable.decimals);
    }
    return values;
  }

  /** The injected fault this job meets first, if any. */
  private fault(job: SimJob): TargetModel['faults'][number] | undefined {
    const steps = this.options.model.steps.map((s) => s.name);
    return this.options.model.faults
      .filter((fault, index) => job.rng(`fault:${index}`)() < fault.rate)
      .sort((a, b) => steps.indexOf(a.step) - steps.indexOf(b.step))[0];
  }
}
