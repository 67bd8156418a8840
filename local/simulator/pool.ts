import { type Distribution, sampleMs } from './distribution.js';
import type { Emit } from './events.js';
import type { EcsControl } from './io.js';
import { deriveRng, hexId, type Rng } from './rng.js';

/**
 * The container pool of the ECS service and the FIFO lanes. A task runs one
 * job at a time and only from the lane it owns; an unowned lane with work
 * waits for a free task to claim it; an owner lets its lane go after being
 * idle for `idleReleaseMs`. Desired count changes launch tasks (each paying a
 * cold start) or stop them: pending first, then idle, busy ones after their job.
 *
 * With `claimWhileBusy`, a waiting lane's claim may go to a busy task instead
 * (as WebOrdinary's `handleUnclaimedMessage` does): the task abandons the lane
 * it owned, takes the new one, and drops that lane's jobs while its running
 * job (of the other lane) lasts; after it, it runs the new lane's jobs.
 */

export interface PoolTask {
  readonly id: string;
  readonly index: number;
  readonly launchedAt: number;
  /** Launch -> ready; 0 for tasks already running when the simulator started. */
  readonly coldStartMs: number;
  readonly warm: boolean;
  /** The task's own random stream (idle release draws). */
  readonly rng: Rng;
  state: 'pending' | 'running' | 'stopped';
  readyAt?: number;
  activity: 'idle' | 'claiming' | 'working';
  /** Ready and its startup lines written: it may claim work. */
  booted: boolean;
  draining: boolean;
  jobsRun: number;
  lane?: Lane<PoolJob>;
  timer?: NodeJS.Timeout;
  /** The lane of the job it is running. */
  jobLane?: Lane<PoolJob>;
  /** A lane it is claiming while busy, and that claim's timer. */
  busyClaim?: Lane<PoolJob>;
  busyTimer?: NodeJS.Timeout;
  /** Drops run one after another, as the poll loop handles one message at a time. */
  drops?: Promise<void>;
}

export interface PoolJob {
  readonly laneKey: string;
  /** Placeholders of the lane's claim and release lines. */
  readonly laneVars: Readonly<Record<string, string>>;
  /** The claim cost when this job makes its container claim the lane. */
  drawClaimMs(distribution: Distribution): number;
  /** A uniform draw in [0, 1): does this job's claim request reach a busy container? */
  drawBusyClaim(): number;
}

interface Lane<J> {
  readonly key: string;
  readonly vars: Readonly<Record<string, string>>;
  readonly queue: J[];
  owner?: PoolTask;
  waiting: boolean;
  /** The head job's busy-claim draw for the current wait. */
  busyDraw?: number;
  /** An owner abandoned it: nobody may claim it before then (epoch ms). */
  abandonedUntil?: number;
}

/** How a job starts: `claimMs` > 0 when its container had to claim the lane first. */
export interface JobStart {
  readonly startedAt: number;
  readonly claimMs: number;
}

export interface PoolOptions<J extends PoolJob> {
  readonly seed: number;
  readonly coldStartMs: Distribution;
  readonly claimMs: Distribution;
  readonly idleReleaseMs: Distribution;
  /** The target's own scaling from zero, if it has one. */
  readonly scaleFromZero?: { readonly afterMs: Distribution; readonly desiredCount: number };
  readonly ecs: EcsControl;
  readonly emit: Emit;
  /** Runs a job to its end (never rejects). */
  readonly run: (task: PoolTask, job: J, start: JobStart) => Promise<void>;
  /** A task became ready. */
  readonly onReady: (task: PoolTask) => Promise<void>;
  /** Busy tasks may claim waiting lanes, and drop their jobs (absent: never). */
  readonly claimWhileBusy?: {
    readonly share: number;
    readonly abandonedLaneMs: Distribution;
    /** Writes the pickup and drop lines of `job` in `task` and records it (never rejects). */
    readonly drop: (task: PoolTask, job: J) => Promise<void>;
  };
  /** A task completed a claim of, or let go of, a lane. */
  readonly onLane: (
    task: PoolTask,
    vars: Readonly<Record<string, string>>,
    change: 'claimed' | 'released',
  ) => Promise<void>;
}

export class Pool<J extends PoolJob> {
  private readonly tasks: PoolTask[] = [];
  private readonly lanes = new Map<string, Lane<J>>();
  private readonly waiting: Lane<J>[] = [];
  private launched = 0;
  private stopped = false;
  private scaleOutTimer: NodeJS.Timeout | undefined;
  private readonly laneTimers = new Set<NodeJS.Timeout>();
  private readonly scalingRng: Rng;

  constructor(private readonly options: PoolOptions<J>) {
    this.scalingRng = deriveRng(options.seed, 'scale-from-zero');
  }

  /** Starts `count` tasks that are already running (a service that was up before the run). */
  start(count: number): void {
    for (let i = 0; i < count; i++) this.launch(true);
    this.report();
    this.reconcile(this.options.ecs.getDesiredCount());
  }

  enqueue(job: J): void {
    let lane = this.lanes.get(job.laneKey);
    if (!lane) {
      lane = { key: job.laneKey, vars: job.laneVars, queue: [], waiting: false };
      this.lanes.set(job.laneKey, lane);
    }
    lane.queue.push(job);
    const owner = lane.owner;
    if (owner) {
      // An owner still claiming (busy claim) takes the job when its claim completes.
      if (owner.lane === lane && owner.activity === 'idle') this.next(owner);
      else if (this.dropsFrom(owner, lane)) this.dropQueued(owner, lane);
    } else if (!lane.waiting && lane.abandonedUntil === undefined) {
      this.wait(lane, false);
      this.dispatch();
    }
    this.scaleFromZero();
  }

  /** Work waits on a service scaled to zero: the target's own scaling (if any) brings it back after a while. */
  private scaleFromZero(): void {
    const scaling = this.options.scaleFromZero;
    if (!scaling || this.scaleOutTimer || this.stopped || this.options.ecs.getDesiredCount() > 0) return;
    this.scaleOutTimer = setTimeout(
      () => {
        this.scaleOutTimer = undefined;
        if (this.stopped || this.options.ecs.getDesiredCount() > 0 || this.waiting.length === 0) return;
        this.options.emit({ type: 'scaled-from-zero', desiredCount: scaling.desiredCount });
        this.options.ecs.setDesiredCount(scaling.desiredCount);
      },
      sampleMs(scaling.afterMs, this.scalingRng),
    );
  }

  /** Brings the number of live, non-draining tasks to `desired`. */
  reconcile(desired: number): void {
    if (this.stopped) return;
    const live = this.tasks.filter((t) => t.state !== 'stopped');
    let active = live.filter((t) => !t.draining).length;
    for (const task of live) {
      if (active >= desired) break;
      if (task.draining) {
        task.draining = false;
        active++;
      }
    }
    while (active < desired) {
      this.launch(false);
      active++;
    }
    const order = [
      ...live.filter((t) => t.state === 'pending').reverse(),
      ...live.filter((t) => t.state === 'running' && t.activity === 'idle' && !t.lane),
      ...live.filter((t) => t.state === 'running' && t.activity === 'idle' && t.lane),
      ...live.filter((t) => t.state === 'running' && t.activity !== 'idle'),
    ].filter((t) => !t.draining);
    for (const task of order.slice(0, Math.max(0, active - desired))) {
      if (task.state === 'pending' || task.activity === 'idle') this.stopTask(task);
      else task.draining = true;
    }
    this.report();
    this.dispatch();
  }

  snapshot(): { queued: number; running: number; pending: number; busy: number } {
    let queued = 0;
    for (const lane of this.lanes.values()) queued += lane.queue.length;
    const running = this.tasks.filter((t) => t.state === 'running');
    return {
      queued,
      running: running.length,
      pending: this.tasks.filter((t) => t.state === 'pending').length,
      busy: running.filter((t) => t.activity === 'working').length,
    };
  }

  /** Running tasks, for resource metrics. */
  runningTasks(): readonly PoolTask[] {
    return this.tasks.filter((t) => t.state === 'running');
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.scaleOutTimer);
    for (const task of this.tasks) {
      clearTimeout(task.timer);
      clearTimeout(task.busyTimer);
    }
    for (const timer of this.laneTimers) clearTimeout(timer);
  }

  private launch(warm: boolean): void {
    const index = this.launched++;
    const rng = deriveRng(this.options.seed, `task:${index}`);
    const id = hexId(rng, 32);
    const coldStartMs = warm ? 0 : sampleMs(this.options.coldStartMs, rng);
    const task: PoolTask = {
      id,
      index,
      launchedAt: Date.now(),
      coldStartMs,
      warm,
      rng,
      state: 'pending',
      activity: 'idle',
      booted: false,
      draining: false,
      jobsRun: 0,
    };
    this.tasks.push(task);
    this.options.emit({ type: 'task-launched', taskId: id, coldStartMs, warm });
    if (warm) this.ready(task);
    else task.timer = setTimeout(() => this.ready(task), coldStartMs);
  }

  private ready(task: PoolTask): void {
    if (this.stopped || task.state !== 'pending') return;
    task.state = 'running';
    task.readyAt = Date.now();
    this.options.emit({ type: 'task-ready', taskId: task.id });
    this.report();
    // The task takes work once its startup lines are out.
    void this.options.onReady(task).then(() => {
      task.booted = true;
      this.dispatch();
    });
  }

  private stopTask(task: PoolTask): void {
    if (task.timer) clearTimeout(task.timer);
    clearTimeout(task.busyTimer);
    task.state = 'stopped';
    const claiming = task.busyClaim as Lane<J> | undefined;
    if (claiming) {
      delete task.busyClaim;
      delete claiming.owner;
      if (claiming.queue.length > 0) this.wait(claiming, true);
    }
    if (task.lane) this.release(task, true);
    this.options.emit({ type: 'task-stopped', taskId: task.id });
    this.tasks.splice(this.tasks.indexOf(task), 1);
  }

  /** Free tasks (or, as drawn, busy ones) claim waiting lanes, oldest waiting lane first. */
  private dispatch(): void {
    if (this.stopped) return;
    for (const lane of [...this.waiting]) {
      if (lane.queue.length === 0) {
        this.unwait(lane);
        continue;
      }
      const busy = this.busyTaskFor(lane);
      const task = busy ?? this.freeTask();
      if (!task) {
        if (this.options.claimWhileBusy) continue;
        return;
      }
      this.unwait(lane);
      if (busy) this.claimWhileBusy(busy, lane);
      else this.claim(task, lane);
    }
  }

  private freeTask(): PoolTask | undefined {
    return this.tasks.find(
      (t) =>
        t.state === 'running' && t.booted && !t.draining && t.activity === 'idle' && !t.lane && !t.busyClaim,
    );
  }

  /** The busy task this lane's claim request reaches, when its draw says so and one is running. */
  private busyTaskFor(lane: Lane<J>): PoolTask | undefined {
    const option = this.options.claimWhileBusy;
    const draw = lane.busyDraw;
    if (!option || draw === undefined || draw >= option.share) return undefined;
    const busy = this.tasks.filter(
      (t) =>
        t.state === 'running' &&
        t.booted &&
        !t.draining &&
        t.activity === 'working' &&
        !t.busyClaim &&
        t.lane !== lane,
    );
    // Below `share` the draw is uniform again: it also picks which busy task.
    return busy[Math.floor((draw / option.share) * busy.length)];
  }

  /** The lane's work waits for a claim (first in line when its owner was cut short). */
  private wait(lane: Lane<J>, first: boolean): void {
    lane.waiting = true;
    const head = lane.queue[0];
    if (head) lane.busyDraw = head.drawBusyClaim();
    else delete lane.busyDraw;
    if (first) this.waiting.unshift(lane);
    else this.waiting.push(lane);
  }

  private unwait(lane: Lane<J>): void {
    lane.waiting = false;
    const index = this.waiting.indexOf(lane);
    if (index >= 0) this.waiting.splice(index, 1);
  }

  /** A busy task claims `lane` (its running job goes on); see the class comment. */
  private claimWhileBusy(task: PoolTask, lane: Lane<J>): void {
    const claimMs = lane.queue[0]!.drawClaimMs(this.options.claimMs);
    task.busyClaim = lane as Lane<PoolJob>;
    lane.owner = task;
    task.busyTimer = setTimeout(() => {
      delete task.busyTimer;
      this.options.emit({
        type: 'lane-claimed',
        taskId: task.id,
        laneKey: lane.key,
        claimMs,
        whileBusy: true,
      });
      void this.options.onLane(task, lane.vars, 'claimed').then(() => this.takeOver(task, lane));
    }, claimMs);
  }

  /** The claim completed: the new lane replaces the one the task owned, which is abandoned. */
  private takeOver(task: PoolTask, lane: Lane<J>): void {
    if (task.busyClaim !== lane) return;
    delete task.busyClaim;
    if (this.stopped || task.state !== 'running') return;
    const previous = task.lane as Lane<J> | undefined;
    task.lane = lane as Lane<PoolJob>;
    if (previous && previous !== lane) this.abandon(task, previous);
    if (this.dropsFrom(task, lane)) this.dropQueued(task, lane);
    else if (task.activity === 'idle') this.next(task);
  }

  /** The task stops polling `lane` but its ownership stays recorded until `abandonedLaneMs` passes. */
  private abandon(task: PoolTask, lane: Lane<J>): void {
    const option = this.options.claimWhileBusy!;
    delete lane.owner;
    const untilMs = sampleMs(option.abandonedLaneMs, task.rng);
    lane.abandonedUntil = Date.now() + untilMs;
    this.options.emit({ type: 'lane-abandoned', taskId: task.id, laneKey: lane.key, untilMs });
    const timer = setTimeout(() => {
      this.laneTimers.delete(timer);
      delete lane.abandonedUntil;
      if (lane.owner || lane.waiting) return;
      if (lane.queue.length === 0) {
        this.lanes.delete(lane.key);
        return;
      }
      this.wait(lane, false);
      this.dispatch();
    }, untilMs);
    this.laneTimers.add(timer);
  }

  /** The task's second poll loop takes messages of `lane` while a job of another lane runs. */
  private dropsFrom(task: PoolTask, lane: Lane<J>): boolean {
    return (
      this.options.claimWhileBusy !== undefined &&
      task.lane === lane &&
      task.activity === 'working' &&
      task.jobLane !== lane
    );
  }

  private dropQueued(task: PoolTask, lane: Lane<J>): void {
    const drop = this.options.claimWhileBusy!.drop;
    for (const job of lane.queue.splice(0)) {
      task.drops = (task.drops ?? Promise.resolve()).then(() => drop(task, job));
    }
  }

  private claim(task: PoolTask, lane: Lane<J>): void {
    if (task.timer) clearTimeout(task.timer);
    const head = lane.queue[0]!;
    const claimMs = head.drawClaimMs(this.options.claimMs);
    const startedAt = Date.now();
    task.activity = 'claiming';
    task.lane = lane as Lane<PoolJob>;
    lane.owner = task;
    task.timer = setTimeout(() => {
      this.options.emit({ type: 'lane-claimed', taskId: task.id, laneKey: lane.key, claimMs });
      void this.options
        .onLane(task, lane.vars, 'claimed')
        .then(() => this.next(task, { startedAt, claimMs }));
    }, claimMs);
  }

  /** The owner takes the next job of its lane, or goes idle. */
  private next(task: PoolTask, start?: JobStart): void {
    if (this.stopped || task.state !== 'running') return;
    if (task.timer) clearTimeout(task.timer);
    const lane = task.lane as Lane<J> | undefined;
    if (task.draining) {
      this.stopTask(task);
      this.report();
      this.dispatch();
      return;
    }
    const job = lane?.queue.shift();
    if (!lane || !job) {
      task.activity = 'idle';
      task.timer = setTimeout(
        () => {
          this.release(task, false);
          this.dispatch();
        },
        sampleMs(this.options.idleReleaseMs, task.rng),
      );
      return;
    }
    task.activity = 'working';
    task.jobLane = lane as Lane<PoolJob>;
    void this.options.run(task, job, start ?? { startedAt: Date.now(), claimMs: 0 }).then(() => {
      task.jobsRun++;
      task.activity = 'idle';
      delete task.jobLane;
      this.next(task);
    });
  }

  /** The task lets its lane go; remaining work waits for another claim (first in line when cut short). */
  private release(task: PoolTask, cutShort: boolean): void {
    const lane = task.lane as Lane<J> | undefined;
    if (!lane) return;
    delete task.lane;
    delete lane.owner;
    this.options.emit({ type: 'lane-released', taskId: task.id, laneKey: lane.key });
    if (task.state !== 'stopped') void this.options.onLane(task, lane.vars, 'released');
    if (lane.queue.length === 0) {
      this.lanes.delete(lane.key);
    } else if (!lane.waiting) {
      this.wait(lane, cutShort);
    }
  }

  private report(): void {
    const { running, pending } = this.snapshot();
    this.options.ecs.setCounts(running, pending);
  }
}
