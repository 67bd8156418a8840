import { describe, expect, it } from 'vitest';
import { compileRun, type Match, matchEvents } from '../../core/correlation.js';
import { planRun } from '../../core/session-plan.js';
import { EDIT_GROUP, profile } from '../fixtures/profile.js';

const RUN = 'run-1';
const p = profile({ scenarios: [{ type: 'burst', sessions: 12 }] });
const sessions = planRun(RUN, p);
const keys = new Map(sessions.map((s) => [s.key, s.sessionId]));
const nest = (text: string) =>
  `\u001b[32m[Nest] 1  - \u001b[39m11/27/2026, 6:20:01 AM \u001b[32m    LOG\u001b[39m \u001b[32m${text}\u001b[39m`;

function run(events: { timestamp: number; message: string }[]): Match[] {
  return matchEvents(compileRun(RUN, p), EDIT_GROUP, events, (k) => keys.get(k));
}
const markerKinds = (matches: Match[]) => matches.map((m) => (m.kind === 'marker' ? m.marker.kind : m.kind));

describe('matchEvents', () => {
  it('attributes a keyed marker to the session whose key it carries, at the event timestamp', () => {
    const s = sessions[1]!;
    const out = run([
      { timestamp: 1234, message: nest(`Received Step Functions message for amelia#${s.userId}`) },
    ]);
    expect(out).toContainEqual({ kind: 'stage', sessionId: s.sessionId, stage: 'pickup', timestamp: 1234 });
  });

  it('does not confuse a key with a longer key that starts with it', () => {
    const s1 = sessions[1]!;
    const s10 = sessions[10]!;
    expect(s10.userId.startsWith(s1.userId)).toBe(false); // fixed width ordinals
    const out = run([{ timestamp: 1, message: `Received Step Functions message for amelia#${s1.userId}0` }]);
    expect(out.filter((o) => o.kind === 'stage')).toEqual([]);
  });

  it('ignores markers of sessions from other runs, but sees that another job started on the stream', () => {
    const other = planRun('run-2', p)[0]!;
    const out = run([
      { timestamp: 1, message: `Received Step Functions message for amelia#${other.userId}` },
    ]);
    expect(out.filter((m) => m.kind !== 'marker')).toEqual([]);
    expect(out).toEqual([
      { kind: 'marker', marker: { kind: 'key', id: expect.any(String), timestamp: 1, sessionId: null } },
    ]);
  });

  it('turns a stream-binding group’s lines into markers: keyed pickups, stages (the last one final), with stable ids', () => {
    const a = sessions[0]!;
    const events = [
      { id: 'e1', timestamp: 10, message: nest(`Received Step Functions message for amelia#${a.userId}`) },
      { id: 'e2', timestamp: 20, message: nest('✅ Astro build successful') },
      { id: 'e3', timestamp: 30, message: nest('Successfully processed message and sent callback') },
    ];
    const out = run(events);
    expect(out).toContainEqual({ kind: 'stage', sessionId: a.sessionId, stage: 'pickup', timestamp: 10 });
    expect(out.filter((m) => m.kind === 'marker').map((m) => m.kind === 'marker' && m.marker)).toEqual([
      { kind: 'key', id: 'e1#0', timestamp: 10, sessionId: a.sessionId },
      { kind: 'stage', id: 'e2#1', timestamp: 20, stage: 'build', final: false },
      { kind: 'stage', id: 'e3#2', timestamp: 30, stage: 'done', final: true },
    ]);
    // The same events give the same matches, in any order.
    expect(run([...events].reverse()).length).toBe(out.length);
    expect(markerKinds(run([events[1]!]))).toEqual(['stage']);
  });

  it('gives an event without an id one made from its content, the same on every delivery', () => {
    const event = { timestamp: 5, message: '\u001b[32mAstro build successful\u001b[39m' };
    const [first] = run([event]);
    const [again] = run([{ ...event }]);
    expect(first).toEqual(again);
    expect(first?.kind === 'marker' && first.marker.id).toMatch(/^0+5~/);
  });

  it('matches rejection lines on a stream-binding group', () => {
    const q = profile({
      scenarios: [{ type: 'burst', sessions: 1 }],
      target: {
        ...profile().target,
        rejections: [{ group: EDIT_GROUP, pattern: 'Already processing a message', reason: 'dropped' }],
      },
    });
    const out = matchEvents(
      compileRun(RUN, q),
      EDIT_GROUP,
      [
        {
          id: 'r',
          timestamp: 7,
          message: nest('Already processing a message, this should not happen with FIFO'),
        },
      ],
      () => undefined,
    );
    expect(out).toEqual([
      {
        kind: 'marker',
        marker: {
          kind: 'reject',
          id: 'r#3',
          timestamp: 7,
          reason: 'dropped',
          line: '[Nest] 1  - 11/27/2026, 6:20:01 AM     LOG Already processing a message, this should not happen with FIFO',
        },
      },
    ]);
  });

  it('matches regular-expression markers and failure markers', () => {
    const q = profile({ scenarios: [{ type: 'burst', sessions: 2 }] });
    q.target.stages = [
      { name: 'pickup', log: { group: 'g', pattern: 'message for \\w+#', regex: true, correlation: 'key' } },
    ];
    q.target.failures = [
      {
        group: 'g',
        pattern: 'Error processing',
        regex: false,
        correlation: 'key',
        reason: 'failed',
        endsJob: false,
      },
    ];
    const s = planRun(RUN, q)[0]!;
    const matcher = compileRun(RUN, q);
    const out = matchEvents(
      matcher,
      'g',
      [
        { timestamp: 1, message: `message for amelia#${s.userId}` },
        { timestamp: 2, message: `Error processing ${s.userId}: boom` },
      ],
      (k) => (k === s.key ? s.sessionId : undefined),
    );
    expect(out.map((o) => o.kind)).toEqual(['stage', 'failure']);
  });

  it('follows markers on several log groups, each with its own stream bindings', () => {
    const q = profile({ scenarios: [{ type: 'burst', sessions: 2 }] });
    q.target.stages = [
      {
        name: 'started',
        log: {
          group: '/aws/stepfunctions/email-processor',
          pattern: 'ExecutionStarted',
          regex: false,
          correlation: 'key',
        },
      },
      {
        name: 'pickup',
        log: {
          group: EDIT_GROUP,
          pattern: 'Received Step Functions message for',
          regex: false,
          correlation: 'key',
        },
      },
      {
        name: 'done',
        log: { group: EDIT_GROUP, pattern: 'Successfully processed', regex: false, correlation: 'stream' },
      },
    ];
    const [a, b] = planRun(RUN, q);
    const matcher = compileRun(RUN, q);
    const lookup = (k: string) => (k === a!.key ? a!.sessionId : k === b!.key ? b!.sessionId : undefined);
    expect(matcher.groups).toEqual(new Set(['/aws/stepfunctions/email-processor', EDIT_GROUP]));
    const sfnEvents = matchEvents(
      matcher,
      '/aws/stepfunctions/email-processor',
      [{ timestamp: 1, message: `{"type":"ExecutionStarted","input":"...${b!.userId}@amelia..."}` }],
      lookup,
    );
    expect(sfnEvents).toEqual([{ kind: 'stage', sessionId: b!.sessionId, stage: 'started', timestamp: 1 }]);
    // A line of another group's marker text on the edit group is not a marker there.
    expect(
      matchEvents(matcher, EDIT_GROUP, [{ timestamp: 2, message: `ExecutionStarted ${a!.userId}` }], lookup),
    ).toEqual([]);
    expect(
      matchEvents(
        matcher,
        '/ecs/other',
        [{ timestamp: 3, message: `Received Step Functions message for ${a!.userId}` }],
        lookup,
      ),
    ).toEqual([]);
  });
});
