import { type LogEvent, observe } from '../../core/correlation.js';
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
        break;
      case 'unbind':
        run.bindings.set(streamKey, null);
        await store.bindStream(run.runId, group, stream, null);
        break;
      case 'stage': {
        const session = await store.recordStage(run.runId, o.sessionId, o.stage, o.timestamp);
        if (session) {
          recorded += 1;
          await settle(run.profile, session);
        }
        break;
      }
      case 'failure': {
        const session = await store.recordFailure(run.runId, o.sessionId, o.timestamp, o.line);
        if (session) await settle(run.profile, session);
        break;
      }
    }
  }
  return recorded;
}
