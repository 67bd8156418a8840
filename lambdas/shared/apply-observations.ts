import { type LogEvent, matchEvents } from '../../core/correlation.js';
import { attributeStream, creditDigest, type StreamMarker } from '../../core/stream-attribution.js';
import { settle } from './completion.js';
import type { ActiveRun } from './run-cache.js';
import type { Store } from './store.js';
import { type StreamStore, streamKey } from './stream-store.js';

export interface Stores {
  readonly store: Store;
  readonly streams: StreamStore;
}

/**
 * Attributes one log stream's events to the run's sessions and stores what
 * they show. Shared by the collector (push) and Observe (poll). Idempotent and
 * order-free: keyed stages are conditional writes (the earliest event wins);
 * a stream's markers are stored, and the whole stream is attributed again
 * from all of them (docs/internals.md, "Stream attribution").
 * Returns how many stage times were newly recorded by key.
 */
export async function applyLogEvents(
  stores: Stores,
  run: ActiveRun,
  group: string,
  stream: string,
  events: readonly LogEvent[],
): Promise<number> {
  if (!run.matcher.groups.has(group)) return 0;
  await run.loadKeys?.(events);
  const matches = matchEvents(run.matcher, group, events, run.sessionOfKey);
  const markers: StreamMarker[] = [];
  let recorded = 0;
  for (const match of matches) {
    if (match.kind === 'marker') {
      markers.push(match.marker);
    } else if (match.kind === 'stage') {
      const session = await stores.store.recordStage(
        run.runId,
        match.sessionId,
        match.stage,
        match.timestamp,
        match.values,
      );
      if (session) {
        recorded += 1;
        await settle(run.profile, session);
      }
    } else {
      const session = await stores.store.recordFailure(
        run.runId,
        match.sessionId,
        match.timestamp,
        match.line,
        match.reason,
      );
      if (session) await settle(run.profile, session);
    }
  }
  if (markers.length > 0) await attribute(stores, run, streamKey(group, stream), markers);
  return recorded;
}

/**
 * Stores the markers, then attributes the stream from every marker stored so
 * far and writes each session whose credit changed. A computation over fewer
 * markers than one already claimed stops (the later one writes); when the
 * previous claim's writes did not all complete, every session it may have
 * touched is written again.
 */
async function attribute(
  stores: Stores,
  run: ActiveRun,
  stream: string,
  batch: StreamMarker[],
): Promise<void> {
  const { streams } = stores;
  await streams.putMarkers(run.runId, stream, batch);
  const markers = await streams.markers(run.runId, stream);
  const credits = attributeStream(markers);
  const digests: Record<string, string> = {};
  for (const [sessionId, credit] of credits) digests[sessionId] = creditDigest(credit);
  const n = markers.length;
  const previous = await streams.claim(run.runId, stream, n, digests);
  if (!previous) return;
  const affected = new Set<string>();
  for (const sessionId of new Set([
    ...Object.keys(previous.digests),
    ...credits.keys(),
    ...previous.touched,
  ])) {
    const changed = (previous.digests[sessionId] ?? '') !== (digests[sessionId] ?? '');
    // After an incomplete claim, stored credits may lag its digests: write all it touched.
    if (changed || !previous.applied) affected.add(sessionId);
  }
  const written = await Promise.all(
    [...affected].map((sessionId) =>
      streams.credit(run.runId, sessionId, stream, { ...(credits.get(sessionId) ?? { stages: {} }), n }),
    ),
  );
  await streams.markApplied(run.runId, stream, n);
  for (const session of written) if (session) await settle(run.profile, session);
}
