import { stripAnsi } from './ansi.js';
import { captureOf } from './captures.js';
import { keyPatternSource } from './identity.js';
import { isLogStage, type Profile } from './profile.js';
import { compileKeyFinder, compileMarker } from './safe-pattern.js';
import type { StreamMarker } from './stream-attribution.js';

/**
 * Matches log events against a run's markers.
 * - `key`: the line carries the session's key; the run's key pattern finds it,
 *   and the session that held that key at the event's own time gets it.
 * - `stream`: on a group with stream stages, every keyed, stage, failure and
 *   rejection line becomes a {@link StreamMarker}; the caller stores them and
 *   attributes the stream as a whole (core/stream-attribution.ts), so the
 *   result never depends on how the events were delivered.
 */

export interface LogEvent {
  readonly id?: string;
  readonly timestamp: number;
  readonly message: string;
}

export type Match =
  /** A keyed stage: credited to the key's session directly (the earliest event wins). */
  | {
      readonly kind: 'stage';
      readonly sessionId: string;
      readonly stage: string;
      readonly timestamp: number;
      /** Values the line carries (the stage's capture), if any. */
      readonly values?: Readonly<Record<string, number>>;
    }
  /** A keyed failure line. */
  | {
      readonly kind: 'failure';
      readonly sessionId: string;
      readonly timestamp: number;
      readonly line: string;
      readonly reason: string;
    }
  /** A marker of a stream-binding group, attributed with the rest of its stream. */
  | { readonly kind: 'marker'; readonly marker: StreamMarker };

interface Matcher {
  /** Stage name; null for failure and rejection lines. */
  readonly stage: string | null;
  readonly kind: 'stage' | 'failure' | 'reject';
  readonly correlation: 'key' | 'stream';
  readonly reason: string;
  readonly test: (line: string) => boolean;
  /** The stage's captured values from a line (core/captures.ts). */
  readonly capture?: (line: string) => Record<string, number> | undefined;
}

export interface RunMatcher {
  readonly runId: string;
  readonly groups: ReadonlySet<string>;
  matchers(group: string): readonly Matcher[];
  /** Whether the group has stream-correlated markers, so its streams are attributed as a whole. */
  bindsStreams(group: string): boolean;
  /** The stage whose marker ends a job on this group's streams. */
  finalStage(group: string): string | undefined;
  findKeys(line: string): string[];
}

/** How long a stored marker line may be. */
export const MARKER_LINE_CHARS = 300;

export function compileRun(runId: string, profile: Profile): RunMatcher {
  const byGroup = new Map<string, Matcher[]>();
  const push = (group: string, m: Matcher) => byGroup.set(group, [...(byGroup.get(group) ?? []), m]);
  const finals = new Map<string, string>();
  for (const stage of profile.target.stages) {
    if (!isLogStage(stage)) continue;
    const capture = captureOf(stage.log.capture);
    push(stage.log.group, {
      stage: stage.name,
      kind: 'stage',
      correlation: stage.log.correlation,
      reason: '',
      test: tester(stage.log),
      ...(capture ? { capture } : {}),
    });
    finals.set(stage.log.group, stage.name);
  }
  for (const failure of profile.target.failures) {
    push(failure.group, {
      stage: null,
      kind: 'failure',
      correlation: failure.correlation,
      reason: failure.reason,
      test: tester(failure),
    });
  }
  for (const rejection of profile.target.rejections) {
    push(rejection.group, {
      stage: null,
      kind: 'reject',
      correlation: 'stream',
      reason: rejection.reason,
      test: tester(rejection),
    });
  }
  // Linear-time (core/safe-pattern.ts): runs on every event, and the template comes from the profile.
  const findKeys = compileKeyFinder(keyPatternSource(runId, profile.target));
  const binds = (group: string) =>
    (byGroup.get(group) ?? []).some((m) => m.correlation === 'stream' && m.kind === 'stage');
  return {
    runId,
    groups: new Set(byGroup.keys()),
    matchers: (group) => byGroup.get(group) ?? [],
    bindsStreams: binds,
    finalStage: (group) => finals.get(group),
    findKeys,
  };
}

// Linear-time matching (core/safe-pattern.ts): a profile's pattern cannot hang the collector.
const tester = compileMarker;

/** The session that held `key` at event time `at`, if the key is one of the run's. */
export type SessionOfKey = (key: string, at: number) => string | undefined;

/** A stable id of an event: the id CloudWatch Logs gave it, or one made from its content. */
export function eventId(event: LogEvent): string {
  if (event.id) return event.id;
  let hash = 0;
  for (let i = 0; i < event.message.length; i++) hash = (hash * 31 + event.message.charCodeAt(i)) | 0;
  return `${String(event.timestamp).padStart(20, '0')}~${(hash >>> 0).toString(36)}`;
}

/**
 * What a batch of one group's events shows for the run. Pure: the same events
 * give the same matches, in any order and any number of times.
 */
export function matchEvents(
  run: RunMatcher,
  group: string,
  events: readonly LogEvent[],
  sessionOfKey: SessionOfKey,
): Match[] {
  const matchers = run.matchers(group);
  if (matchers.length === 0) return [];
  const binds = run.bindsStreams(group);
  const final = run.finalStage(group);
  const out: Match[] = [];
  for (const event of events) {
    const line = stripAnsi(event.message);
    const id = eventId(event);
    const at = event.timestamp;
    matchers.forEach((matcher, index) => {
      if (!matcher.test(line)) return;
      const markerId = `${id}#${index}`;
      const values = matcher.capture?.(line);
      if (matcher.kind === 'reject') {
        if (binds)
          out.push({
            kind: 'marker',
            marker: {
              kind: 'reject',
              id: markerId,
              timestamp: at,
              reason: matcher.reason,
              line: line.slice(0, MARKER_LINE_CHARS),
            },
          });
        return;
      }
      if (matcher.correlation === 'stream') {
        const marker: StreamMarker =
          matcher.kind === 'stage' && matcher.stage !== null
            ? {
                kind: 'stage',
                id: markerId,
                timestamp: at,
                stage: matcher.stage,
                final: matcher.stage === final,
                ...(values ? { values } : {}),
              }
            : {
                kind: 'failure',
                id: markerId,
                timestamp: at,
                reason: matcher.reason,
                line: line.slice(0, MARKER_LINE_CHARS),
              };
        out.push({ kind: 'marker', marker });
        return;
      }
      const sessionId = run
        .findKeys(line)
        .map((k) => sessionOfKey(k, at))
        .find((s) => s !== undefined);
      if (matcher.kind === 'stage' && binds) {
        // A keyed stage on a binding group starts a job on the stream: this run's, or another's.
        out.push({
          kind: 'marker',
          marker: { kind: 'key', id: markerId, timestamp: at, sessionId: sessionId ?? null },
        });
      }
      if (sessionId === undefined) return;
      if (matcher.kind === 'stage' && matcher.stage !== null) {
        out.push({
          kind: 'stage',
          sessionId,
          stage: matcher.stage,
          timestamp: at,
          ...(values ? { values } : {}),
        });
      } else {
        out.push({
          kind: 'failure',
          sessionId,
          timestamp: at,
          line: line.slice(0, MARKER_LINE_CHARS),
          reason: matcher.reason,
        });
      }
    });
  }
  return out;
}
