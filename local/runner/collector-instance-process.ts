/**
 * One warm instance of the collector Lambda (forked by collector-instances.ts):
 * its own process, so its own module state, as a Lambda instance has. Runs
 * the real handler for each event the parent sends over IPC, one at a time,
 * and answers with its result or its error.
 */
export type InstanceRequest = { readonly id: number; readonly event: unknown } | 'close';

export type InstanceReply =
  | { readonly type: 'ready' }
  | { readonly type: 'failed'; readonly message: string }
  | { readonly type: 'result'; readonly id: number; readonly result: unknown }
  | { readonly type: 'error'; readonly id: number; readonly name: string; readonly message: string };

const send = (reply: InstanceReply) => process.send?.(reply);

if (!process.send) {
  console.error('collector-instance-process: run by startCollectorInstances (needs an IPC channel)');
  process.exit(2);
}

// Tests point this at another handler module; by default it is the real collector.
const handlerModule = process.env.WEBORDINARY_INSTANCE_MODULE ?? '../../lambdas/collector.js';

try {
  const { handler } = (await import(handlerModule)) as {
    handler: (event: unknown) => Promise<unknown>;
  };
  process.on('message', (request: InstanceRequest) => {
    if (request === 'close') {
      process.exit(0);
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
