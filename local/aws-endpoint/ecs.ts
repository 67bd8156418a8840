import { randomBytes } from 'node:crypto';
import { AwsEndpointError } from './errors.js';
import { arn, paginate } from './ids.js';
import { Input } from './input.js';

const INVALID = 'InvalidParameterException';

/** A snapshot of one service, as the simulator sees it. */
export interface EcsService {
  cluster: string;
  serviceName: string;
  serviceArn: string;
  clusterArn: string;
  desiredCount: number;
  runningCount: number;
  pendingCount: number;
  /** One id per running task, oldest first. */
  taskIds: string[];
  createdAt: number;
}

export interface DesiredCountChange {
  cluster: string;
  service: string;
  previous: number;
  desiredCount: number;
}

export interface ServiceDefinition {
  cluster: string;
  service: string;
  desiredCount: number;
  runningCount: number;
  pendingCount?: number;
}

const count = (value: number, what: string): number => {
  if (!Number.isInteger(value) || value < 0)
    throw new AwsEndpointError(INVALID, `${what} must be an integer >= 0, got ${value}`);
  return value;
};

const newTaskId = () => randomBytes(16).toString('hex');

/** The last path segment of an ARN, or the name itself (`cluster/name` or `service/cluster/name`). */
const nameOf = (nameOrArn: string): string =>
  nameOrArn.startsWith('arn:') ? (nameOrArn.split('/').pop() ?? '') : nameOrArn;

/**
 * In-memory ECS services. The simulator defines services and reports their
 * task counts; the benchmark reads and scales them through DescribeServices,
 * UpdateService and ListTasks, and the simulator hears scaling through
 * `onDesiredCountChange`.
 */
export class EcsStore {
  readonly #clusters = new Map<string, Map<string, EcsService>>();
  readonly #listeners = new Set<(change: DesiredCountChange) => void>();
  readonly #denied = new Map<string, string>();
  #throttled = 0;

  /**
   * From now on UpdateService on this service fails with AccessDeniedException
   * and `reason`, as when a policy or an operator's lock forbids it: for tests
   * of a restore that cannot happen.
   */
  denyUpdates(cluster: string, service: string, reason: string): void {
    this.#denied.set(`${cluster}/${service}`, reason);
  }

  /**
   * The next `calls` UpdateService calls fail with ThrottlingException, as
   * when the account's ECS API rate is exceeded: for tests of a retried state
   * (the SDK itself tries a call 3 times before its caller sees the error).
   */
  throttleUpdates(calls: number): void {
    this.#throttled = calls;
  }

  defineService(definition: ServiceDefinition): EcsService {
    const { cluster, service } = definition;
    const running = count(definition.runningCount, 'runningCount');
    const state: EcsService = {
      cluster,
      serviceName: service,
      serviceArn: arn('ecs', `service/${cluster}/${service}`),
      clusterArn: arn('ecs', `cluster/${cluster}`),
      desiredCount: count(definition.desiredCount, 'desiredCount'),
      runningCount: running,
      pendingCount: count(definition.pendingCount ?? 0, 'pendingCount'),
      taskIds: Array.from({ length: running }, newTaskId),
      createdAt: Date.now(),
    };
    const services = this.#clusters.get(cluster) ?? new Map<string, EcsService>();
    services.set(service, state);
    this.#clusters.set(cluster, services);
    return { ...state, taskIds: [...state.taskIds] };
  }

  /** Reports the tasks the simulator runs; stopped tasks leave from the newest. */
  setCounts(cluster: string, service: string, counts: { running: number; pending: number }): void {
    const state = this.#service(cluster, service);
    state.runningCount = count(counts.running, 'running');
    state.pendingCount = count(counts.pending, 'pending');
    while (state.taskIds.length < state.runningCount) state.taskIds.push(newTaskId());
    state.taskIds.length = state.runningCount;
  }

  getService(cluster: string, service: string): EcsService | undefined {
    const state = this.#clusters.get(cluster)?.get(service);
    return state === undefined ? undefined : { ...state, taskIds: [...state.taskIds] };
  }

  /** Called synchronously whenever UpdateService changes a desired count; returns an unsubscribe function. */
  onDesiredCountChange(listener: (change: DesiredCountChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  describeServices(body: unknown) {
    const input = new Input(body, INVALID);
    const cluster = this.#cluster(input);
    const names = input.optStrings('services') ?? [];
    if (names.length < 1 || names.length > 10)
      throw new AwsEndpointError(INVALID, `services must name 1 to 10 services, got ${names.length}`);
    const services = [];
    const failures = [];
    for (const name of names) {
      const state = this.#clusters.get(cluster)?.get(nameOf(name));
      if (state === undefined) {
        failures.push({ arn: arn('ecs', `service/${cluster}/${nameOf(name)}`), reason: 'MISSING' });
      } else {
        services.push(describe(state));
      }
    }
    return { services, failures };
  }

  updateService(body: unknown) {
    const input = new Input(body, INVALID);
    const cluster = this.#cluster(input);
    const state = this.#service(cluster, nameOf(input.string('service')));
    if (this.#throttled > 0) {
      this.#throttled -= 1;
      throw new AwsEndpointError('ThrottlingException', 'Rate exceeded');
    }
    const denied = this.#denied.get(`${cluster}/${state.serviceName}`);
    if (denied !== undefined) throw new AwsEndpointError('AccessDeniedException', denied);
    const desired = input.optNumber('desiredCount');
    if (desired !== undefined) {
      const previous = state.desiredCount;
      state.desiredCount = count(desired, 'desiredCount');
      if (previous !== state.desiredCount)
        this.#emit({ cluster, service: state.serviceName, previous, desiredCount: desired });
    }
    return { service: describe(state) };
  }

  listTasks(body: unknown) {
    const input = new Input(body, INVALID);
    const cluster = this.#cluster(input);
    const serviceName = input.optString('serviceName');
    const desiredStatus = input.optString('desiredStatus') ?? 'RUNNING';
    const services =
      serviceName === undefined
        ? [...(this.#clusters.get(cluster)?.values() ?? [])]
        : [this.#service(cluster, nameOf(serviceName))];
    // Only running tasks are tracked; stopped ones are forgotten at once.
    const taskArns =
      desiredStatus === 'STOPPED'
        ? []
        : services.flatMap((s) => s.taskIds.map((id) => arn('ecs', `task/${cluster}/${id}`)));
    const limit = input.optInteger('maxResults', 1, 100) ?? 100;
    const { page, nextToken } = paginate(taskArns, input.optString('nextToken'), limit, INVALID);
    return nextToken === undefined ? { taskArns: page } : { taskArns: page, nextToken };
  }

  #emit(change: DesiredCountChange): void {
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch (error) {
        console.error(`onDesiredCountChange listener threw for ${change.cluster}/${change.service}:`, error);
      }
    }
  }

  /** The request's cluster (name or ARN, default "default"), which must exist. */
  #cluster(input: Input): string {
    const cluster = nameOf(input.optString('cluster') ?? 'default');
    if (!this.#clusters.has(cluster))
      throw new AwsEndpointError('ClusterNotFoundException', `cluster ${cluster} not found`);
    return cluster;
  }

  #service(cluster: string, service: string): EcsService {
    const state = this.#clusters.get(cluster)?.get(service);
    if (state === undefined)
      throw new AwsEndpointError(
        'ServiceNotFoundException',
        `service ${service} not found in cluster ${cluster}`,
      );
    return state;
  }
}

/** The DescribeServices / UpdateService shape of a service (timestamps in epoch seconds). */
function describe(s: EcsService) {
  const counts = { desiredCount: s.desiredCount, runningCount: s.runningCount, pendingCount: s.pendingCount };
  return {
    serviceName: s.serviceName,
    serviceArn: s.serviceArn,
    clusterArn: s.clusterArn,
    status: 'ACTIVE',
    ...counts,
    launchType: 'FARGATE',
    createdAt: s.createdAt / 1000,
    deployments: [
      { id: `ecs-svc/${s.serviceName}`, status: 'PRIMARY', ...counts, rolloutState: 'COMPLETED' },
    ],
    events: [],
  };
}
