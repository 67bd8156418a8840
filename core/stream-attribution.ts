/**
 * Stream correlation as a function of the events alone.
 *
 * In `stream` mode a log stream is one container, which runs one job at a
 * time. A session owns the stream over an interval of *event time*: from its
 * keyed marker (the pickup line that carries its key) until its job's final
 * marker or the next valid keyed marker, whichever comes first. Every unkeyed
 * marker is credited by its own timestamp to the session that owned the stream
 * then. A rejection line (WebOrdinary's `Already processing a message`) rejects
 * the pickup just before it: that session is dropped at once, and the stream
 * stays with the job that was running.
 *
 * The result depends only on the set of markers: not on the order, batching,
 * duplication or lateness of their delivery (markers are deduplicated by id and
 * sorted by timestamp, then id). Callers store every marker and recompute.
 */

export type StreamMarker =
  /** A keyed marker on a stream-binding group; `sessionId` null: another job's key (not this run's). */
  | {
      readonly kind: 'key';
      readonly id: string;
      readonly timestamp: number;
      readonly sessionId: string | null;
    }
  | {
      readonly kind: 'stage';
      readonly id: string;
      readonly timestamp: number;
      readonly stage: string;
      /** The group's last stage: it ends the job. */
      readonly final: boolean;
      /** Values the line carries (the stage's capture). */
      readonly values?: Readonly<Record<string, number>>;
    }
  | {
      readonly kind: 'failure' | 'reject';
      readonly id: string;
      readonly timestamp: number;
      readonly reason: string;
      readonly line: string;
    };

export interface StreamFailure {
  readonly at: number;
  readonly reason: string;
  readonly line: string;
}

/** What one stream credits to one session. */
export interface StreamCredit {
  /** Stage -> the earliest matching event in the session's interval. */
  readonly stages: Readonly<Record<string, number>>;
  /** The earliest failure in its interval, or its rejection. */
  readonly failure?: StreamFailure;
  /** Stage -> the values its credited marker carried (the stage's capture). */
  readonly values?: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

/** Markers in event order, each once (a redelivered event has the same id). */
export function orderMarkers(markers: readonly StreamMarker[]): StreamMarker[] {
  const unique = new Map<string, StreamMarker>();
  for (const m of markers) if (!unique.has(m.id)) unique.set(m.id, m);
  return [...unique.values()].sort(
    (a, b) => a.timestamp - b.timestamp || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

/** Credits of each session the stream's markers belong to. */
export function attributeStream(markers: readonly StreamMarker[]): Map<string, StreamCredit> {
  const ordered = orderMarkers(markers);
  const rejected = rejectedPickups(ordered);
  const stages = new Map<string, Record<string, number>>();
  const captured = new Map<string, Record<string, Readonly<Record<string, number>>>>();
  const failures = new Map<string, StreamFailure>();
  const fail = (sessionId: string, failure: StreamFailure) => {
    const known = failures.get(sessionId);
    if (!known || failure.at < known.at) failures.set(sessionId, failure);
  };

  let owner: string | null = null;
  ordered.forEach((marker, index) => {
    switch (marker.kind) {
      case 'key': {
        const rejection = rejected.get(index);
        if (rejection) {
          if (marker.sessionId !== null) fail(marker.sessionId, rejection);
          return;
        }
        owner = marker.sessionId;
        if (owner !== null && !stages.has(owner)) stages.set(owner, {});
        return;
      }
      case 'stage': {
        if (owner === null) return;
        const own = stages.get(owner) ?? {};
        if (own[marker.stage] === undefined) {
          own[marker.stage] = marker.timestamp;
          if (marker.values)
            captured.set(owner, { ...(captured.get(owner) ?? {}), [marker.stage]: marker.values });
        }
        stages.set(owner, own);
        if (marker.final) owner = null;
        return;
      }
      case 'failure':
        if (owner !== null) fail(owner, { at: marker.timestamp, reason: marker.reason, line: marker.line });
        return;
      case 'reject':
        return;
    }
  });

  const credits = new Map<string, StreamCredit>();
  for (const sessionId of new Set([...stages.keys(), ...failures.keys()])) {
    const failure = failures.get(sessionId);
    const values = captured.get(sessionId);
    credits.set(sessionId, {
      stages: stages.get(sessionId) ?? {},
      ...(failure ? { failure } : {}),
      ...(values ? { values } : {}),
    });
  }
  return credits;
}

/**
 * How far a rejection line may follow the pickup it rejects. WebOrdinary logs
 * the WARN synchronously right after the pickup line (the same millisecond or
 * a few later), so a rejection never reaches back to the running job's pickup,
 * hundreds of milliseconds to seconds older, while the rejected pickup's line
 * is still on its way (a wrong rejection would end that job's wait early).
 */
export const REJECTION_WINDOW_MS = 100;

/**
 * Keyed markers (by index in `ordered`) that a rejection line rejects, with
 * the failure it records. A rejection rejects the session of the latest keyed
 * marker before it (within {@link REJECTION_WINDOW_MS}), with all of that
 * session's keyed markers back to the previous keyed marker of another session
 * (a pickup may be logged more than once, as WebOrdinary logs `Received Step
 * Functions message` twice). With no pickup in the window it rejects nothing
 * yet: the pickup's line has not arrived.
 */
function rejectedPickups(ordered: readonly StreamMarker[]): Map<number, StreamFailure> {
  const rejected = new Map<number, StreamFailure>();
  ordered.forEach((marker, index) => {
    if (marker.kind !== 'reject') return;
    let target: string | null | undefined;
    for (let i = index - 1; i >= 0; i--) {
      const before = ordered[i];
      if (before && before.timestamp < marker.timestamp - REJECTION_WINDOW_MS) break;
      if (before?.kind !== 'key' || rejected.has(i)) continue;
      if (target === undefined) target = before.sessionId;
      else if (before.sessionId !== target) break;
      rejected.set(i, { at: marker.timestamp, reason: marker.reason, line: marker.line });
    }
  });
  return rejected;
}

/** A short, stable text of a credit, to tell whether it changed. */
export function creditDigest(credit: StreamCredit | undefined): string {
  if (!credit) return '';
  const stages = Object.entries(credit.stages)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([s, t]) => `${s}=${t}`)
    .join(',');
  const failure = credit.failure ? `!${credit.failure.reason}@${credit.failure.at}` : '';
  const values = credit.values ? `$${JSON.stringify(credit.values)}` : '';
  return `${stages}${failure}${values}`;
}
