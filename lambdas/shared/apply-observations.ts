import { type LogEvent, matchEvents } from '../../core/correlation.js';
import {
  attributeStream,
  changedCredits,
  creditDigest,
  keyedSessions,
  type StreamMarker,
} from '../../core/stream-attribution.js';
import { settle } from './completion.js';
import type { ActiveRun } from './run-cache.js';
import type { Store } from './store.js';
import { MARKERS_PER_WRITE, type StreamStore, streamKey } from './stream-store.js';

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
 * Stores the markers, attributes the stream from every marker it holds, and
 * writes each session whose credit the batch changed (docs/internals.md,
 * "Stream attribution"). A batch the stream held already in part is a
 * redelivery: its first delivery may have stored the markers and failed
 * before writing the sessions, so every session the stream can credit is
 * read, and written where its stored credit differs (a write never lowers a
 * session's `n`).
 */
async function attribute(
  stores: Stores,
  run: ActiveRun,
  stream: string,
  markers: StreamMarker[],
): Promise<void> {
  for (let i = 0; i < markers.length; i += MARKERS_PER_WRITE) {
    const batch = markers.slice(i, i + MARKERS_PER_WRITE);
    const { markers: all, n, repeated } = await stores.streams.add(run.runId, stream, batch);
    const ids = new Set(batch.map((m) => m.id));
    const credits = attributeStream(all);
    const affected = changedCredits(attributeStream(all.filter((m) => !ids.has(m.id))), credits);
    if (repeated.length > 0) {
      // Any session the stream can credit may hold what a failed first delivery left: check them all.
      const check = [...keyedSessions(all)].filter((sessionId) => !affected.has(sessionId));
      const stored = await stores.streams.storedCredits(run.runId, check, stream);
      for (const [sessionId, credit] of stored)
        if (creditDigest(credit) !== creditDigest(credits.get(sessionId))) affected.add(sessionId);
    }
    const written = await Promise.all(
      [...affected].map((sessionId) =>
        stores.streams.credit(run.runId, sessionId, stream, {
          ...(credits.get(sessionId) ?? { stages: {} }),
          n,
        }),
      ),
    );
    for (const session of written) if (session) await settle(run.profile, session);
  }
}
