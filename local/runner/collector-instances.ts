import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { addUsage, type HarnessUsage, NO_USAGE } from '../../core/harness-usage.js';
import type { InstanceReply, InstanceRequest } from './collector-instance-process.js';
import type { Handler } from './state-machine.js';

/**
 * Warm instances of the collector Lambda, each a process of its own, so each
 * has its own module-level state (clients, caches) as a Lambda instance does.
 * A local run always runs its collector this way, off the runner's event loop
 * (which carries every other handler, the simulator and the local endpoint):
 * one instance taking payloads concurrently, or for adversarial delivery
 * (`local.delivery.instances`) several, each one payload at a time.
 *
 * Why not `import('lambdas/collector.ts?instance=N')`: under tsx (and vite) a
 * query gives a fresh evaluation of that one module only; the modules it
 * imports resolve to the same URLs and are shared by every copy, so state in
 * lambdas/shared/* would be shared between "instances" (checked: a counter in
 * an imported module went 1, 2, 3 across two copies).
 *
 * The processes inherit the environment at start: start them after it points
 * at the local endpoints.
 */
export interface CollectorInstances {
  /** One handler per instance, in order; each sends the event to its process. */
  readonly handlers: readonly Handler[];
  /** What the instances used so far, each counted in its own process (usage-meter.ts), in one sum. */
  usage(): Promise<HarnessUsage>;
  /** Stops every instance process. */
  close(): Promise<void>;
}

const CHILD = fileURLToPath(new URL('./collector-instance-process.ts', import.meta.url));
const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const START_TIMEOUT_MS = 60_000;

export interface CollectorInstancesOptions {
  /** The module whose `handler` each instance runs, as a file URL (default: lambdas/collector.ts). */
  readonly handlerModule?: string;
}

export async function startCollectorInstances(
  count: number,
  options: CollectorInstancesOptions = {},
): Promise<CollectorInstances> {
  const instances: Instance[] = [];
  const close = () => Promise.all(instances.map((i) => i.close())).then(() => undefined);
  try {
    for (let index = 0; index < count; index++) instances.push(new Instance(index, options.handlerModule));
    await Promise.all(instances.map((i) => i.ready));
  } catch (error) {
    await close();
    throw error;
  }
  return {
    handlers: instances.map((i) => (event: unknown) => i.invoke(event)),
    usage: async () =>
      (await Promise.all(instances.map((i) => i.usage()))).reduce((a, b) => addUsage(a, b), NO_USAGE),
    close,
  };
}

class Instance {
  readonly ready: Promise<void>;
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private readonly calls = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private nextId = 1;
  private readonly usageWaiters: { resolve(u: HarnessUsage): void; reject(e: Error): void }[] = [];

  constructor(
    private readonly index: number,
    handlerModule: string | undefined,
  ) {
    this.child = fork(CHILD, [], {
      cwd: PROJECT_ROOT,
      execArgv: ['--import', 'tsx'],
      env: {
        ...process.env,
        ...(handlerModule !== undefined ? { WEBORDINARY_INSTANCE_MODULE: handlerModule } : {}),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.exited = new Promise((resolve) => this.child.once('exit', () => resolve()));
    this.ready = new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`collector instance ${index} did not start within 60 s`)),
        START_TIMEOUT_MS,
      );
      this.child.on('message', (reply: InstanceReply) => {
        if (reply.type === 'ready' || reply.type === 'failed') {
          clearTimeout(timer);
          if (reply.type === 'ready') resolve();
          else reject(new Error(`collector instance ${index} failed to start: ${reply.message}`));
          return;
        }
        if (reply.type === 'usage') {
          for (const waiter of this.usageWaiters.splice(0)) waiter.resolve(reply.usage);
          return;
        }
        const call = this.calls.get(reply.id);
        this.calls.delete(reply.id);
        if (reply.type === 'result') call?.resolve(reply.result);
        else call?.reject(Object.assign(new Error(reply.message), { name: reply.name }));
      });
      this.child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`collector instance ${index} exited (code ${code})`));
        for (const call of this.calls.values()) {
          call.reject(new Error(`collector instance ${index} exited (code ${code}) during an invocation`));
        }
        this.calls.clear();
        for (const waiter of this.usageWaiters.splice(0))
          waiter.reject(new Error(`collector instance ${index} exited (code ${code}) before its usage`));
      });
    });
    // A failed start is reported by `ready`; avoid an unhandled rejection before anyone awaits it.
    this.ready.catch(() => undefined);
  }

  invoke(event: unknown): Promise<unknown> {
    if (!this.child.connected) {
      return Promise.reject(new Error(`collector instance ${this.index} is not running`));
    }
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.calls.set(id, { resolve, reject });
      this.child.send({ id, event } satisfies InstanceRequest);
    });
  }

  usage(): Promise<HarnessUsage> {
    if (!this.child.connected) {
      return Promise.reject(new Error(`collector instance ${this.index} is not running`));
    }
    return new Promise((resolve, reject) => {
      this.usageWaiters.push({ resolve, reject });
      this.child.send('usage' satisfies InstanceRequest);
    });
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    if (this.child.connected) this.child.send('close' satisfies InstanceRequest);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(timer);
  }
}
