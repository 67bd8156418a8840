import { applyLogEvents } from './shared/apply-observations.js';
import { requiredEnv } from './shared/env.js';
import { RunCache } from './shared/run-cache.js';
import { Store } from './shared/store.js';
import { StreamStore } from './shared/stream-store.js';
import { decodeSubscriptionEvent } from './shared/subscription-payload.js';

const table = requiredEnv('TABLE_NAME');
const store = new Store(table);
const stores = { store, streams: new StreamStore(table) };
const runs = new RunCache(store);

/**
 * The CloudWatch Logs subscription target: matches each event against the
 * active runs' stage markers and records stage times from the events' own
 * timestamps. A malformed or oversized payload is reported and dropped
 * (retrying cannot fix it); a batch that fails otherwise is retried by Lambda
 * and then goes to the lost-batches queue (lib/lost-batches-construct.ts).
 */
export async function handler(event: unknown): Promise<{ recorded: number }> {
  // Bounded decoding (lambdas/shared/subscription-payload.ts): size, inflated size, line length.
  const decoded = decodeSubscriptionEvent(event);
  if (!decoded.ok) {
    console.error(`collector: cannot decode the subscription payload: ${decoded.reason}`);
    return { recorded: 0 };
  }
  const { payload } = decoded;
  if (decoded.truncated > 0)
    console.warn(`collector: ${decoded.truncated} line(s) over 8 KiB matched on their first 8 KiB only`);
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
