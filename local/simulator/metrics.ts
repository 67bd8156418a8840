import type { Emit } from './events.js';
import type { MetricDatum, MetricSink } from './io.js';
import type { TargetModel } from './model.js';
import type { PoolTask } from './pool.js';
import { deriveRng, type Rng } from './rng.js';

type Load = TargetModel['resources']['cpu'];

export interface MetricsOptions {
  readonly model: TargetModel;
  readonly sink: MetricSink;
  readonly seed: number;
  readonly tasks: () => readonly PoolTask[];
  readonly emit: Emit;
}

/**
 * Publishes the service's CPUUtilization and MemoryUtilization (average over
 * running tasks) every `publishEveryMs`; nothing while no task runs, as AWS.
 */
export function startMetrics(options: MetricsOptions): { stop(): Promise<void> } {
  const { model, sink, emit } = options;
  const { resources, ecs } = model;
  const rng = deriveRng(options.seed, 'metrics');
  const dimensions = [
    { Name: 'ClusterName', Value: ecs.cluster },
    { Name: 'ServiceName', Value: ecs.service },
  ];
  let inFlight: Promise<void> = Promise.resolve();
  const publish = () => {
    const tasks = options.tasks();
    if (tasks.length === 0) return;
    const cpu = average(tasks, resources.cpu, rng);
    const memory = average(tasks, resources.memory, rng);
    const now = new Date();
    const datum = (name: string, value: number): MetricDatum => ({
      MetricName: name,
      Dimensions: dimensions,
      Timestamp: now,
      Value: Math.round(value * 100) / 100,
      Unit: 'Percent',
    });
    emit({ type: 'metrics', cpu, memory, tasks: tasks.length });
    inFlight = inFlight
      .then(() =>
        sink.put(resources.namespace, [datum('CPUUtilization', cpu), datum('MemoryUtilization', memory)]),
      )
      .catch((error: unknown) =>
        emit({ type: 'error', where: 'metrics', message: (error as Error).message }),
      );
  };
  const timer = setInterval(publish, resources.publishEveryMs);
  return {
    async stop() {
      clearInterval(timer);
      await inFlight;
    },
  };
}

function average(tasks: readonly PoolTask[], load: Load, rng: Rng): number {
  let total = 0;
  for (const task of tasks) {
    const base = task.activity === 'working' ? load.busy : load.idle;
    total += Math.min(100, Math.max(0, base + load.noise * (2 * rng() - 1)));
  }
  return total / tasks.length;
}
