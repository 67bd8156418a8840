import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileRun, type Match, matchEvents } from '../../core/correlation.js';
import { mergeEvidence } from '../../core/session-evidence.js';
import { planRun } from '../../core/session-plan.js';
import {
  attributeStream,
  changedCredits,
  creditDigest,
  keyedSessions,
  type StreamCredit,
  type StreamMarker,
} from '../../core/stream-attribution.js';
import { deliveryArbitrary, planDelivery } from '../support/adversarial-delivery.js';
import {
  GROUP,
  generatedLogsProfile,
  logsArbitrary,
  renderLogs,
  usersNeeded,
} from '../support/generated-logs.js';

const RUN = 'run-prop';

const key = (id: string, timestamp: number, sessionId: string | null): StreamMarker => ({
  kind: 'key',
  id,
  timestamp,
  sessionId,
});
const stage = (id: string, timestamp: number, name: string, final = false): StreamMarker => ({
  kind: 'stage',
  id,
  timestamp,
  stage: name,
  final,
});
const reject = (id: string, timestamp: number): StreamMarker => ({
  kind: 'reject',
  id,
  timestamp,
  reason: 'dropped',
  line: 'Already processing a message',
});

describe('attributeStream', () => {
  it('credits each unkeyed marker to the session that owned the stream at its timestamp', () => {
    const credits = attributeStream([
      key('01', 10, 'A'),
      stage('02', 20, 'build'),
      stage('03', 30, 'done', true),
      stage('04', 40, 'thread'), // between jobs: nobody's
      key('05', 50, 'B'),
      stage('06', 60, 'build'),
    ]);
    expect(credits.get('A')).toEqual({ stages: { build: 20, done: 30 } });
    expect(credits.get('B')).toEqual({ stages: { build: 60 } });
  });

  it('ends an interval at the next keyed marker, this run’s or another job’s', () => {
    const credits = attributeStream([
      key('01', 10, 'A'),
      stage('02', 20, 'build'),
      key('03', 30, null), // other traffic picked up: A's job ended without its final line
      stage('04', 40, 'done', true),
    ]);
    expect(credits.get('A')).toEqual({ stages: { build: 20 } });
  });

  it('keeps the stream with the running job when a pickup is rejected, and fails the rejected session', () => {
    const credits = attributeStream([
      key('01', 10, 'A'),
      stage('02', 20, 'thread'),
      key('03', 25, 'B'),
      key('04', 25, 'B'), // the pickup logged twice
      reject('05', 25),
      stage('06', 30, 'build'),
      stage('07', 40, 'done', true),
    ]);
    expect(credits.get('A')).toEqual({ stages: { thread: 20, build: 30, done: 40 } });
    expect(credits.get('B')).toEqual({
      stages: {},
      failure: { at: 25, reason: 'dropped', line: 'Already processing a message' },
    });
  });

  it('rejects only a pickup just before the rejection line, never the running job’s older one', () => {
    // The rejected pickup's own line has not arrived yet: the running job keeps the stream.
    const early = attributeStream([
      key('01', 10, 'A'),
      stage('02', 20, 'thread'),
      reject('05', 2_000),
      stage('06', 3_000, 'done', true),
    ]);
    expect(early.get('A')).toEqual({ stages: { thread: 20, done: 3_000 } });
    // Once it arrives, it is the one rejected.
    const late = attributeStream([
      key('01', 10, 'A'),
      stage('02', 20, 'thread'),
      key('04', 1_999, 'B'),
      reject('05', 2_000),
      stage('06', 3_000, 'done', true),
    ]);
    expect(late.get('A')).toEqual({ stages: { thread: 20, done: 3_000 } });
    expect(late.get('B')?.failure?.reason).toBe('dropped');
  });

  it('gives the same credits for any order and any duplication of the markers', () => {
    const markers = [
      key('01', 10, 'A'),
      stage('02', 20, 'thread'),
      key('03', 25, 'B'),
      reject('04', 25),
      stage('05', 30, 'done', true),
      key('06', 30, 'C'),
      stage('07', 30, 'thread'),
    ];
    const expected = attributeStream(markers);
    fc.assert(
      fc.property(fc.shuffledSubarray(markers, { minLength: 0 }), fc.nat(), (extra, seed) => {
        const shuffled = [...markers, ...extra].sort(
          (a, b) => ((a.id.charCodeAt(1) * 7919 + seed) % 13) - ((b.id.charCodeAt(1) * 7919 + seed) % 13),
        );
        expect(attributeStream(shuffled)).toEqual(expected);
      }),
    );
    expect(expected.get('C')).toEqual({ stages: { thread: 30 } });
  });
});

/** The pure pipeline: matches per delivered batch, keyed credits first-wins, each stream attributed as a whole. */
function evidenceFromDeliveries(
  batches: { stream: string; events: Parameters<typeof matchEvents>[2] }[],
  sessions: ReturnType<typeof planRun>,
) {
  const matcher = compileRun(RUN, generatedLogsProfile(sessions.length));
  const keys = new Map(sessions.map((s) => [s.key, s.sessionId]));
  const keyed = new Map<string, { stages: Record<string, number>; failedAt?: number }>();
  const markers = new Map<string, StreamMarker[]>();
  for (const batch of batches) {
    const matches: Match[] = matchEvents(matcher, GROUP, batch.events, (k) => keys.get(k));
    for (const m of matches) {
      if (m.kind === 'marker') markers.set(batch.stream, [...(markers.get(batch.stream) ?? []), m.marker]);
      else if (m.kind === 'stage') {
        const own = keyed.get(m.sessionId) ?? { stages: {} };
        if (own.stages[m.stage] === undefined || m.timestamp < (own.stages[m.stage] ?? 0))
          own.stages[m.stage] = m.timestamp;
        keyed.set(m.sessionId, own);
      }
    }
  }
  const via = new Map<string, Record<string, StreamCredit>>();
  for (const [stream, list] of markers) {
    for (const [sessionId, credit] of attributeStream(list)) {
      via.set(sessionId, { ...(via.get(sessionId) ?? {}), [stream]: credit });
    }
  }
  return (sessionId: string) =>
    mergeEvidence({ stages: keyed.get(sessionId)?.stages ?? {}, via: via.get(sessionId) ?? {} });
}

describe('correlation under adversarial delivery (property)', () => {
  it('credits every stage and outcome exactly as generated, whatever the batching, order and duplication', () => {
    fc.assert(
      fc.property(logsArbitrary, deliveryArbitrary, (specs, choices) => {
        const sessions = planRun(RUN, generatedLogsProfile(Math.max(1, usersNeeded(specs))));
        const logs = renderLogs(
          specs,
          sessions.map((s) => s.userId),
          1_000_000,
        );
        const plan = planDelivery(logs.streams, choices);
        const evidence = evidenceFromDeliveries(plan.instances.flat() as never, sessions);
        sessions.forEach((session, index) => {
          const truth = logs.truth.get(index);
          const seen = evidence(session.sessionId);
          expect({ index, stages: seen.stages }).toEqual({ index, stages: truth?.stages ?? {} });
          expect(seen.failure && { reason: seen.failure.reason, at: seen.failure.at }).toEqual(
            truth?.failure,
          );
        });
      }),
      { numRuns: 300 },
    );
  });
});

/** Random markers of one stream: pickups of sessions a-c or of another job, stages, finals, rejections. */
const markerArbitrary: fc.Arbitrary<StreamMarker> = fc
  .tuple(
    fc.nat({ max: 3 }),
    fc.nat({ max: 400 }),
    fc.constantFrom('a', 'b', 'c', null),
    fc.constantFrom('s1', 's2'),
  )
  .map(([kind, at, session, name]) => {
    const id = `${kind}-${at}-${session}-${name}`;
    if (kind === 0) return key(id, at * 10, session);
    if (kind === 1) return stage(id, at * 10, name);
    if (kind === 2) return stage(id, at * 10, 'done', true);
    return reject(id, at * 10 + 5);
  });

describe('a redelivered batch (the collector’s repair of a delivery that failed after storing its markers)', () => {
  it('checks every session the failed delivery should have written whose credit no later write replaced', () => {
    fc.assert(
      fc.property(
        fc.array(markerArbitrary, { maxLength: 30 }),
        fc.array(markerArbitrary, { minLength: 1, maxLength: 6 }),
        fc.array(markerArbitrary, { maxLength: 30 }),
        (before, batch, later) => {
          // The first delivery stored `batch` on top of `before`, then failed; `later` came in after.
          const stored = [...before, ...batch];
          const missed = changedCredits(attributeStream(before), attributeStream(stored));
          const now = [...stored, ...later];
          const credits = attributeStream(now);
          const ids = new Set(batch.map((m) => m.id));
          const rewritten = changedCredits(attributeStream(now.filter((m) => !ids.has(m.id))), credits);
          for (const s of keyedSessions(now)) rewritten.add(s);
          for (const sessionId of missed) {
            // A later delivery that changed this session's credit wrote it with a higher n.
            const unchanged =
              creditDigest(attributeStream(stored).get(sessionId)) === creditDigest(credits.get(sessionId));
            if (unchanged)
              expect({ sessionId, rewritten: rewritten.has(sessionId) }).toEqual({
                sessionId,
                rewritten: true,
              });
          }
        },
      ),
      { numRuns: 3_000 },
    );
  });
});
