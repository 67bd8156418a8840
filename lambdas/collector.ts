import { applyLogEvents } from './shared/apply-observations.js';
import { requiredEnv } from './shared/env.js';
import { createLogger } from './shared/logger.js';
import { RunCache } from './shared/run-cache.js';
import { Store } from './shared/store.js';
import { StreamStore } from './shared/stream-store.js';
import { decodeSubscriptionEvent } from './shared/subscription-payload.js';

const log = createLogger('collector');

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
    log.error('cannot decode the subscription payload; dropped', { reason: decoded.reason });
    return { recorded: 0 };
  }
  const { payload } = decoded;
  if (decoded.truncated > 0)
    log.warn('lines over 8 KiB matched on their first 8 KiB only', {
      lines: decoded.truncated,
      logGroup: payload.logGroup,
      logStream: payload.logStream,
    });
  if (payload.messageType !== 'DATA_MESSAGE') return { recorded: 0 };
  let recorded = 0;
  for (const run of await runs.active()) {
    const added = await applyLogEvents(stores, run, payload.logGroup, payload.logStream, payload.logEvents);
    recorded += added;
    if (added > 0)
      log.info('keyed stage times recorded', {
        runId: run.runId,
        logStream: payload.logStream,
        recorded: added,
      });
  }
  return { recorded };
}

/** Local mode and tests: a run started in this process becomes visible at once. */
export function forgetActiveRuns(): void {
  runs.invalidate();
}
