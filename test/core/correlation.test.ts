import { describe, expect, it } from 'vitest';
import { claimOrphans, compileRun, type Observation, observe } from '../../core/correlation.js';
import { planRun } from '../../core/session-plan.js';
import { EDIT_GROUP, profile } from '../fixtures/profile.js';

const RUN = 'run-1';
const p = profile({ scenarios: [{ type: 'burst', sessions: 12 }] });
const sessions = planRun(RUN, p);
const keys = new Map(sessions.map((s) => [s.key, s.sessionId]));
const nest = (text: string) =>
  `\u001b[32m[Nest] 1  - \u001b[39m11/27/2026, 6:20:01 AM \u001b[32m    LOG\u001b[39m \u001b[32m${text}\u001b[39m`;

function run(
  events: { timestamp: number; message: string }[],
  stream = 'edit/edit/task-1',
  bound?: string,
): Observation[] {
  return observe(compileRun(RUN, p), EDIT_GROUP, stream, events, {
    sessionOfKey: (k) => keys.get(k),
    boundSession: () => bound,
  });
}

describe('observe', () => {
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

  it('ignores markers of sessions from other runs', () => {
    const other = planRun('run-2', p)[0]!;
    expect(
      run([{ timestamp: 1, message: `Received Step Functions message for amelia#${other.userId}` }]),
    ).toEqual([]);
  });

  it('binds a stream on the keyed marker and attributes unkeyed markers until the final one', () => {
    const a = sessions[0]!;
    const b = sessions[2]!;
    const out = run([
      { timestamp: 10, message: nest(`Received Step Functions message for amelia#${a.userId}`) },
      { timestamp: 20, message: nest('✅ Astro build successful') },
      { timestamp: 30, message: nest('Successfully processed message and sent callback') },
      { timestamp: 40, message: nest('✅ Astro build successful') }, // nobody's: the stream is free
      { timestamp: 50, message: nest(`Received Step Functions message for amelia#${b.userId}`) },
      { timestamp: 60, message: nest('✅ Astro build successful') },
    ]);
    expect(out.filter((o) => o.kind === 'stage')).toEqual([
      { kind: 'stage', sessionId: a.sessionId, stage: 'pickup', timestamp: 10 },
      { kind: 'stage', sessionId: a.sessionId, stage: 'build', timestamp: 20 },
      { kind: 'stage', sessionId: a.sessionId, stage: 'done', timestamp: 30 },
      { kind: 'stage', sessionId: b.sessionId, stage: 'pickup', timestamp: 50 },
      { kind: 'stage', sessionId: b.sessionId, stage: 'build', timestamp: 60 },
    ]);
    // The build line between the two jobs found the stream free: kept as an orphan, not given to anyone.
    expect(out.filter((o) => o.kind !== 'stage').map((o) => o.kind)).toEqual([
      'bind',
      'unbind',
      'orphan',
      'bind',
    ]);
  });

  it('orders a batch by timestamp before attributing', () => {
    const a = sessions[0]!;
    const out = run([
      { timestamp: 20, message: 'Astro build successful' },
      { timestamp: 10, message: `Received Step Functions message for amelia#${a.userId}` },
    ]);
    expect(out.filter((o) => o.kind === 'stage').map((o) => (o.kind === 'stage' ? o.stage : ''))).toEqual([
      'pickup',
      'build',
    ]);
  });

  it('uses a binding made by an earlier batch', () => {
    const out = run(
      [{ timestamp: 5, message: 'Astro build successful' }],
      'edit/edit/task-9',
      sessions[3]!.sessionId,
    );
    expect(out).toEqual([{ kind: 'stage', sessionId: sessions[3]!.sessionId, stage: 'build', timestamp: 5 }]);
  });

  it('keeps unkeyed markers of an unbound stream as orphans, attributed to nobody', () => {
    expect(run([{ timestamp: 5, message: '\u001b[32mAstro build successful\u001b[39m' }])).toEqual([
      {
        kind: 'orphan',
        stream: 'edit/edit/task-1',
        stage: 'build',
        timestamp: 5,
        line: 'Astro build successful',
      },
    ]);
  });

  it('lets a late binding claim its job orphans, up to its final marker', () => {
    const orphans = [
      { stage: 'done', timestamp: 30, line: '' },
      { stage: 'build', timestamp: 20, line: '' },
      { stage: 'build', timestamp: 5, line: '' }, // before the keyed marker: an earlier job's
      { stage: 'build', timestamp: 40, line: '' }, // after the final marker: the next job's
    ];
    expect(claimOrphans(compileRun(RUN, p), EDIT_GROUP, orphans, 10).map((o) => o.timestamp)).toEqual([
      20, 30,
    ]);
    expect(
      claimOrphans(
        compileRun(RUN, p),
        EDIT_GROUP,
        [
          { stage: null, timestamp: 12, line: 'x' },
          { stage: 'done', timestamp: 13, line: '' },
        ],
        10,
      ),
    ).toEqual([{ stage: null, timestamp: 12, line: 'x' }]);
  });

  it('matches regular-expression markers and failure markers', () => {
    const q = profile({ scenarios: [{ type: 'burst', sessions: 2 }] });
    q.target.stages = [
      { name: 'pickup', log: { group: 'g', pattern: 'message for \\w+#', regex: true, correlation: 'key' } },
    ];
    q.target.failures = [
      { group: 'g', pattern: 'Error processing', regex: false, correlation: 'key', reason: 'failed' },
    ];
    const s = planRun(RUN, q)[0]!;
    const matcher = compileRun(RUN, q);
    const out = observe(
      matcher,
      'g',
      'st',
      [
        { timestamp: 1, message: `message for amelia#${s.userId}` },
        { timestamp: 2, message: `Error processing ${s.userId}: boom` },
      ],
      { sessionOfKey: (k) => (k === s.key ? s.sessionId : undefined), boundSession: () => undefined },
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
    const lookup = {
      sessionOfKey: (k: string) => (k === a!.key ? a!.sessionId : k === b!.key ? b!.sessionId : undefined),
      boundSession: () => undefined,
    };
    expect(matcher.groups).toEqual(new Set(['/aws/stepfunctions/email-processor', EDIT_GROUP]));
    const sfnEvents = observe(
      matcher,
      '/aws/stepfunctions/email-processor',
      'states/x',
      [{ timestamp: 1, message: `{"type":"ExecutionStarted","input":"...${b!.userId}@amelia..."}` }],
      lookup,
    );
    expect(sfnEvents).toEqual([{ kind: 'stage', sessionId: b!.sessionId, stage: 'started', timestamp: 1 }]);
    // A line of another group's marker text on the edit group is not a marker there.
    expect(
      observe(
        matcher,
        EDIT_GROUP,
        'edit/edit/t',
        [{ timestamp: 2, message: `ExecutionStarted ${a!.userId}` }],
        lookup,
      ),
    ).toEqual([]);
    expect(
      observe(
        matcher,
        '/ecs/other',
        's',
        [{ timestamp: 3, message: `Received Step Functions message for ${a!.userId}` }],
        lookup,
      ),
    ).toEqual([]);
  });
});
