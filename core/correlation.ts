import { stripAnsi } from './ansi.js';
import { keyPatternSource } from './identity.js';
import { isLogStage, type Profile } from './profile.js';
import { compileMarker } from './safe-pattern.js';

/**
 * Attributes log events to sessions.
 * - `key`: the line carries the session's key; the run's key pattern finds it.
 * - `stream`: a keyed marker binds its log stream to the session; unkeyed
 *   markers in that stream belong to it until the group's final marker
 *   (one job per container at a time, as in the real system).
 */

export interface LogEvent {
  readonly id?: string;
  readonly timestamp: number;
  readonly message: string;
}

export type Observation =
  | { readonly kind: 'stage'; readonly sessionId: string; readonly stage: string; readonly timestamp: number }
  | {
      readonly kind: 'failure';
      readonly sessionId: string;
      readonly timestamp: number;
      readonly line: string;
    }
  | { readonly kind: 'bind'; readonly stream: string; readonly sessionId: string; readonly timestamp: number }
  | { readonly kind: 'unbind'; readonly stream: string; readonly sessionId: string }
  /**
   * A stream marker on a stream bound to nobody yet: its batch may have been
   * processed before the batch with the keyed marker (deliveries can overlap).
   * Kept, and claimed by the session whose binding comes (see claimOrphans).
   */
  | {
      readonly kind: 'orphan';
      readonly stream: string;
      readonly stage: string | null;
      readonly timestamp: number;
      readonly line: string;
    };

interface Matcher {
  readonly stage: string | null; // null: a failure marker
  readonly group: string;
  readonly correlation: 'key' | 'stream';
  readonly test: (line: string) => boolean;
}

export interface RunMatcher {
  readonly runId: string;
  readonly groups: ReadonlySet<string>;
  matchers(group: string): readonly Matcher[];
  /** Whether a keyed marker on this group must bind its stream. */
  bindsStreams(group: string): boolean;
  /** The stage whose marker ends a stream binding on this group. */
  finalStage(group: string): string | undefined;
  findKeys(line: string): string[];
}

export function compileRun(runId: string, profile: Profile): RunMatcher {
  const byGroup = new Map<string, Matcher[]>();
  const push = (m: Matcher) => byGroup.set(m.group, [...(byGroup.get(m.group) ?? []), m]);
  const finals = new Map<string, string>();
  for (const stage of profile.target.stages) {
    if (!isLogStage(stage)) continue;
    push({
      stage: stage.name,
      group: stage.log.group,
      correlation: stage.log.correlation,
      test: tester(stage.log),
    });
    finals.set(stage.log.group, stage.name);
  }
  for (const failure of profile.target.failures) {
    push({ stage: null, group: failure.group, correlation: failure.correlation, test: tester(failure) });
  }
  const keyRegex = new RegExp(keyPatternSource(runId, profile.target), 'g');
  return {
    runId,
    groups: new Set(byGroup.keys()),
    matchers: (group) => byGroup.get(group) ?? [],
    bindsStreams: (group) => (byGroup.get(group) ?? []).some((m) => m.correlation === 'stream'),
    finalStage: (group) => finals.get(group),
    findKeys: (line) => [...line.matchAll(keyRegex)].map((m) => m[0]),
  };
}

// Linear-time matching (core/safe-pattern.ts): a profile's pattern cannot hang the collector.
const tester = compileMarker;

export interface Lookup {
  /** Session of a key in this run, if it is one of the run's keys. */
  sessionOfKey(key: string): string | undefined;
  /** Session the stream is bound to, if any. */
  boundSession(stream: string): string | undefined;
}

/**
 * Observations from one batch of events of one log stream, in time order.
 * Bindings made within the batch apply to the rest of it.
 */
export function observe(
  run: RunMatcher,
  group: string,
  stream: string,
  events: readonly LogEvent[],
  lookup: Lookup,
): Observation[] {
  const matchers = run.matchers(group);
  if (matchers.length === 0) return [];
  const out: Observation[] = [];
  let bound = lookup.boundSession(stream);
  const binds = run.bindsStreams(group);
  const final = run.finalStage(group);
  const ordered = [...events].sort((a, b) => a.timestamp - b.timestamp);
  for (const event of ordered) {
    const line = stripAnsi(event.message);
    for (const matcher of matchers) {
      if (!matcher.test(line)) continue;
      let sessionId: string | undefined;
      if (matcher.correlation === 'key') {
        sessionId = run
          .findKeys(line)
          .map((k) => lookup.sessionOfKey(k))
          .find((s) => s !== undefined);
        if (sessionId !== undefined && binds && bound !== sessionId) {
          bound = sessionId;
          out.push({ kind: 'bind', stream, sessionId, timestamp: event.timestamp });
        }
      } else {
        sessionId = bound;
      }
      if (sessionId === undefined) {
        if (matcher.correlation === 'stream') {
          out.push({
            kind: 'orphan',
            stream,
            stage: matcher.stage,
            timestamp: event.timestamp,
            line: line.slice(0, 300),
          });
        }
        continue;
      }
      if (matcher.stage === null) {
        out.push({ kind: 'failure', sessionId, timestamp: event.timestamp, line: line.slice(0, 300) });
      } else {
        out.push({ kind: 'stage', sessionId, stage: matcher.stage, timestamp: event.timestamp });
      }
      if (binds && bound !== undefined && (matcher.stage === final || matcher.stage === null)) {
        out.push({ kind: 'unbind', stream, sessionId: bound });
        bound = undefined;
      }
    }
  }
  return out;
}

export interface Orphan {
  readonly stage: string | null;
  readonly timestamp: number;
  readonly line: string;
}

/**
 * The orphaned markers of a stream that belong to a session bound at
 * `boundAt`: those at or after its keyed marker, in time order, up to and
 * including its final marker (or a failure marker), which ends its job.
 */
export function claimOrphans<T extends Orphan>(
  run: RunMatcher,
  group: string,
  orphans: readonly T[],
  boundAt: number,
): T[] {
  const final = run.finalStage(group);
  const claimed: T[] = [];
  for (const orphan of [...orphans].sort((a, b) => a.timestamp - b.timestamp)) {
    if (orphan.timestamp < boundAt) continue;
    claimed.push(orphan);
    if (orphan.stage === final || orphan.stage === null) break;
  }
  return claimed;
}
