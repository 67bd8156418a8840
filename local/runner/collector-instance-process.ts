import type { HarnessUsage } from '../../core/harness-usage.js';
import { cloudwatch, dynamo, logs, s3, ses } from '../../lambdas/shared/clients.js';
import { UsageMeter } from './usage-meter.js';

/**
 * One warm instance of the collector Lambda (forked by collector-instances.ts):
 * its own process, so its own module state, as a Lambda instance has. Runs
 * the real handler for each event the parent sends over IPC (concurrently, as
 * the parent sends them), answers with its result or its error, and on request
 * with what it used (its invocations and its SDK calls, for the run's cost).
 */
export type InstanceRequest = { readonly id: number; readonly event: unknown } | 'usage' | 'close';

export type InstanceReply =
  | { readonly type: 'ready' }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'result'; readonly id: number; readonly result: unknown }
  | { readonly type: 'error'; readonly id: number; readonly name: string; readonly message: string }
  | { readonly type: 'usage'; readonly usage: HarnessUsage };

const send = (reply: InstanceReply) => process.send?.(reply);

if (!process.send) {
  console.error('collector-instance-process: run by startCollectorInstances (needs an IPC channel)');
  process.exit(2);
}

// Tests point this at another handler module; by default it is the real collector.
const handlerModule = process.env.WEBORDINARY_INSTANCE_MODULE ?? '../../lambdas/collector.js';

try {
  const loaded = (await import(handlerModule)) as {
    handler: (event: unknown) => Promise<unknown>;
  };
  // What this instance uses, counted as the runner counts its own handlers (local/runner/usage-meter.ts).
  const meter = new UsageMeter();
  meter.attach({ dynamo: dynamo(), s3: s3(), ses: ses(), logs: logs(), cloudwatch: cloudwatch() });
  const handler = meter.wrap('collector', loaded.handler);
  process.on('message', (request: InstanceRequest) => {
    if (request === 'close') {
      process.exit(0);
    }
    if (request === 'usage') {
      send({ type: 'usage', usage: meter.usage() });
      return;
    }
    handler(request.event).then(
      (result) => send({ type: 'result', id: request.id, result }),
      (error: unknown) =>
        send({
          type: 'error',
          id: request.id,
          name: (error as Error)?.name ?? 'Error',
          message: (error as Error)?.message ?? String(error),
        }),
    );
  });
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready' });
} catch (error) {
  send({ type: 'failed', message: (error as Error).message });
  process.exit(1);
}
