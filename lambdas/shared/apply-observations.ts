import { claimOrphans, type LogEvent, type Orphan, observe } from '../../core/correlation.js';
import { settle } from './completion.js';
import type { ActiveRun } from './run-cache.js';
import type { Store } from './store.js';

/**
 * Attributes one log stream's events to the run's sessions and stores what
 * they show. Shared by the collector (push) and Observe (poll).
 * Returns how many stage times were newly recorded.
 */
export async function applyLogEvents(
  store: Store,
  run: ActiveRun,
  group: string,
  stream: string,
  events: readonly LogEvent[],
): Promise<number> {
  if (!run.matcher.groups.has(group)) return 0;
  const streamKey = `${group}#${stream}`;
  let bound = run.bindings.get(streamKey);
  if (bound === undefined && run.matcher.bindsStreams(group)) {
    bound = (await store.boundSession(run.runId, group, stream)) ?? null;
    run.bindings.set(streamKey, bound);
  }
  const observations = observe(run.matcher, group, stream, events, {
    sessionOfKey: (key) => run.keys.get(key),
    boundSession: () => bound ?? undefined,
  });
  let recorded = 0;
  for (const o of observations) {
    switch (o.kind) {
      case 'bind':
        run.bindings.set(streamKey, o.sessionId);
        await store.bindStream(run.runId, group, stream, o.sessionId);
        recorded += await claimStreamOrphans(store, run, group, stream, o.sessionId, o.timestamp);
        break;
      case 'orphan':
        await store.putOrphan(run.runId, group, stream, {
          stage: o.stage,
          timestamp: o.timestamp,
          line: o.line,
        });
        break;
      case 'unbind':
        run.bindings.set(streamKey, null);
        await store.bindStream(run.runId, group, stream, null);
        break;
      case 'stage':
        recorded += await record(store, run, o.sessionId, {
          stage: o.stage,
          timestamp: o.timestamp,
          line: '',
        });
        break;
      case 'failure':
        await record(store, run, o.sessionId, { stage: null, timestamp: o.timestamp, line: o.line });
        break;
    }
  }
  return recorded;
}

/** Stores a stage time (or a failure) and settles the session's wait; 1 when a stage time was new. */
async function record(store: Store, run: ActiveRun, sessionId: string, marker: Orphan): Promise<number> {
  if (marker.stage === null) {
    const failed = await store.recordFailure(run.runId, sessionId, marker.timestamp, marker.line);
    if (failed) await settle(run.profile, failed);
    return 0;
  }
  const session = await store.recordStage(run.runId, sessionId, marker.stage, marker.timestamp);
  if (!session) return 0;
  await settle(run.profile, session);
  return 1;
}

/** A new binding claims the markers of its job that were processed before it (deliveries can overlap). */
async function claimStreamOrphans(
  store: Store,
  run: ActiveRun,
  group: string,
  stream: string,
  sessionId: string,
  boundAt: number,
): Promise<number> {
  const orphans = await store.orphans(run.runId, group, stream);
  if (orphans.length === 0) return 0;
  const claimed = claimOrphans(run.matcher, group, orphans, boundAt);
  let recorded = 0;
  for (const orphan of claimed) {
    recorded += await record(store, run, sessionId, orphan);
    await store.deleteOrphan(run.runId, orphan.sk);
  }
  // The job ended among the claimed markers: the stream is free again.
  const last = claimed.at(-1);
  if (last && (last.stage === null || last.stage === run.matcher.finalStage(group))) {
    run.bindings.set(`${group}#${stream}`, null);
    await store.bindStream(run.runId, group, stream, null);
  }
  return recorded;
}
