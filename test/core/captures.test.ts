import { describe, expect, it } from 'vitest';
import { captureOf, captureProblems, profileCaptures } from '../../core/captures.js';
import { compileRun, matchEvents } from '../../core/correlation.js';
import { buildReport } from '../../core/report.js';
import { mergeEvidence } from '../../core/session-evidence.js';
import { planRun } from '../../core/session-plan.js';
import { attributeStream, type StreamMarker } from '../../core/stream-attribution.js';
import { validateProfile } from '../../core/validate-profile.js';
import { EDIT_GROUP, profile, profileInput } from '../fixtures/profile.js';

const CLAUDE = {
  regex: 'Cost: \\$(?<claudeCost>[0-9.]+), Duration: (?<claudeMs>[0-9]+)ms',
  units: { claudeCost: 'usd', claudeMs: 'ms' },
} as const;

function captureProfile(thresholds: { metric: string; condition: string }[] = []) {
  const base = profileInput({ scenarios: [{ type: 'burst', sessions: 2 }], thresholds });
  base.target.stages = [
    {
      name: 'pickup',
      log: { group: EDIT_GROUP, pattern: 'Received Step Functions message for', correlation: 'key' },
    },
    {
      name: 'claude',
      log: { group: EDIT_GROUP, pattern: 'Task completed - Cost:', correlation: 'stream', capture: CLAUDE },
    },
    {
      name: 'done',
      log: { group: EDIT_GROUP, pattern: 'Successfully processed message', correlation: 'stream' },
    },
  ];
  return profile(base);
}

describe('captured values', () => {
  it("reads the numbers of WebOrdinary's real marker lines", () => {
    const claude = captureOf(CLAUDE);
    expect(
      claude?.('[Nest] 1  - LOG [ClaudeExecutorService] Task completed - Cost: $0.0712, Duration: 8123ms'),
    ).toEqual({
      claudeCost: 0.0712,
      claudeMs: 8123,
    });
    expect(claude?.('Task completed - Cost: $, Duration: ms')).toBeUndefined();
    const sync = captureOf({
      regex: 'S3 sync complete: (?<uploaded>[0-9]+) uploaded, (?<deleted>[0-9]+) deleted',
    });
    expect(sync?.('✅ S3 sync complete: 12 uploaded, 0 deleted')).toEqual({ uploaded: 12, deleted: 0 });
  });

  it('names a group without a unit, a unit without a group, a name taken, and a pattern that can backtrack', () => {
    const p = captureProfile();
    const stage = p.target.stages[1] as {
      log: { capture: { regex: string; units: Record<string, string> } };
    };
    stage.log.capture = {
      regex: '(?<a>\\d+) (?<pickup>\\d+)(\\1)',
      units: { a: 'count', b: 'count', pickup: 'ms' },
    };
    expect(captureProblems(p, new Set(['pickup', 'claude', 'done']))).toEqual([
      expect.stringMatching(
        /^target.stages\[1\].log.capture.regex: not a regular expression the linear-time matcher accepts/,
      ),
    ]);
    stage.log.capture = { regex: '(?<a>\\d+) (?<pickup>\\d+)', units: { b: 'count', pickup: 'ms' } };
    expect(captureProblems(p, new Set(['pickup', 'claude', 'done']))).toEqual([
      'target.stages[1].log.capture.units: the named group "a" has no unit',
      'target.stages[1].log.capture.units.b: the regex has no named group "b"',
      'target.stages[1].log.capture.units.pickup: "pickup" is a stage or report metric name',
    ]);
    expect(
      validateProfile({ ...profileInput(), thresholds: [{ metric: 'claudeCost', condition: 'p(95) < 0.5' }] })
        .ok,
    ).toBe(false);
  });

  it('carries a stream marker’s values to the session that owned the stream, into the report, thresholds and the target cost', () => {
    const p = captureProfile([{ metric: 'claudeCost', condition: 'p(95) < 0.05' }]);
    expect(profileCaptures(p)).toEqual([
      { metric: 'claudeCost', stage: 'claude', unit: 'usd' },
      { metric: 'claudeMs', stage: 'claude', unit: 'ms' },
    ]);
    const sessions = planRun('run-c', p);
    const keys = new Map(sessions.map((s) => [s.key, s.sessionId]));
    const matcher = compileRun('run-c', p);
    const lines = (user: string, cost: string, t: number) => [
      { id: `${t}a`, timestamp: t, message: `Received Step Functions message for amelia#${user}` },
      { id: `${t}b`, timestamp: t + 10, message: `Task completed - Cost: $${cost}, Duration: 900ms` },
      { id: `${t}c`, timestamp: t + 20, message: 'Successfully processed message and sent callback' },
    ];
    const events = [
      ...lines(sessions[0]!.userId, '0.0300', 1_000),
      ...lines(sessions[1]!.userId, '0.0700', 2_000),
    ];
    const matches = matchEvents(matcher, EDIT_GROUP, events, (k) => keys.get(k));
    const markers = matches.flatMap((m) => (m.kind === 'marker' ? [m.marker as StreamMarker] : []));
    const credits = attributeStream(markers);
    const records = sessions.map((s, i) => {
      const evidence = mergeEvidence({
        stages: { pickup: 1_000 * (i + 1) },
        via: { stream: credits.get(s.sessionId)! },
      });
      return {
        ...s,
        runId: 'run-c',
        scheduledAt: 1_000 * (i + 1) - 100,
        sentAt: 1_000 * (i + 1) - 100,
        stages: evidence.stages,
        values: evidence.values,
        status: 'ok' as const,
      };
    });
    expect(records.map((r) => r.values)).toEqual([
      { claudeCost: 0.03, claudeMs: 900 },
      { claudeCost: 0.07, claudeMs: 900 },
    ]);
    const report = buildReport({
      run: { runId: 'run-c', profile: p, startedAt: 0 },
      sessions: records,
      taskSamples: [],
      cpu: null,
      memory: null,
      finishedAt: 5_000,
    });
    expect(report.overall.values?.claudeCost).toMatchObject({ count: 2, min: 0.03, max: 0.07 });
    expect(report.thresholds[0]).toMatchObject({ metric: 'claudeCost', ok: false });
    expect(report.cost?.target).toEqual({ total: 0.1, source: 'claudeCost', sessions: 2 });
  });
});
