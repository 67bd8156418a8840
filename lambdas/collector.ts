import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
import { applyLogEvents } from './shared/apply-observations.js';
import { requiredEnv } from './shared/env.js';
import { RunCache } from './shared/run-cache.js';
import { Store } from './shared/store.js';
import { StreamStore } from './shared/stream-store.js';

const table = requiredEnv('TABLE_NAME');
const store = new Store(table);
const stores = { store, streams: new StreamStore(table) };
const runs = new RunCache(store);

const PayloadSchema = z.object({
  messageType: z.string(),
  logGroup: z.string(),
  logStream: z.string(),
  logEvents: z.array(z.object({ id: z.string(), timestamp: z.number(), message: z.string() })),
});

/**
 * The CloudWatch Logs subscription target: matches each event against the
 * active runs' stage markers and records stage times from the events' own
 * timestamps. A malformed payload is reported and dropped (retrying cannot fix it).
 */
export async function handler(event: unknown): Promise<{ recorded: number }> {
  const data = (event as { awslogs?: { data?: unknown } } | null)?.awslogs?.data;
  if (typeof data !== 'string') {
    console.error('collector: event has no awslogs.data string; is this a CloudWatch Logs subscription?');
    return { recorded: 0 };
  }
  let payload: z.infer<typeof PayloadSchema>;
  try {
    payload = PayloadSchema.parse(JSON.parse(gunzipSync(Buffer.from(data, 'base64')).toString('utf8')));
  } catch (error) {
    console.error(`collector: cannot decode the subscription payload: ${(error as Error).message}`);
    return { recorded: 0 };
  }
  if (payload.messageType !== 'DATA_MESSAGE') return { recorded: 0 };
  let recorded = 0;
  for (const run of await runs.active()) {
    recorded += await applyLogEvents(stores, run, payload.logGroup, payload.logStream, payload.logEvents);
  }
  return { recorded };
}

/** Local mode and tests: a run started in this process becomes visible at once. */
export function forgetActiveRuns(): void {
  runs.invalidate();
}
