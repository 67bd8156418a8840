import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ProfileInput } from '../../core/profile.js';
import { resolveOutcome } from '../../core/session-outcome.js';
import { parseProfile } from '../../core/validate-profile.js';
import { runLocal } from '../../local/runner/local-run.js';
import { droppedByUser, stageDifferences } from '../support/ground-truth.js';

/**
 * A burst against busy containers that drop jobs (as WebOrdinary's do), with
 * log delivery as hostile as AWS's: payloads held up to 1.5 s, a fifth of them
 * delivered again, spread over three collector processes with their own state.
 */
describe('a burst under adversarial delivery, with jobs dropped by busy containers', () => {
  it('measures every stage of every delivered job exactly, and reports each dropped session as failed, dropped', async () => {
    const demo = JSON.parse(readFileSync('profiles/local-demo.json', 'utf8')) as ProfileInput;
    const input: ProfileInput = {
      ...demo,
      // Wait out the slowest redelivery (1.5 s held + 3 s late) before the report.
      target: { ...demo.target, observe: { mode: 'push', intervalSeconds: 1, settleSeconds: 8 } },
      name: 'e2e-adversarial',
      scenarios: [{ type: 'burst', sessions: 20 }],
      thresholds: [],
      local: {
        model: 'test/fixtures/models/webordinary-busy.json',
        seed: 3,
        sesMaxSendRate: 50,
        delivery: {
          shuffleWindowMs: 1500,
          redeliverShare: 0.2,
          redeliverDelayMs: { min: 1500, max: 3000 },
          instances: 3,
        },
      },
    };
    const profile = parseProfile(input);
    const run = await runLocal({ profile: input });
    expect(run.execution).toMatchObject({ status: 'SUCCEEDED' });

    // A batch the collector failed on for good would leave a stage (or a pickup) unattributed: none may be lost.
    expect(run.report?.lostBatches ?? []).toEqual([]);
    const dropped = droppedByUser(run.groundTruth);
    expect(dropped.size).toBeGreaterThan(0);
    const outcomes = run.sessions.map((s) => resolveOutcome(profile, s));
    for (const session of outcomes) {
      if (dropped.has(session.userId)) {
        expect({ id: session.sessionId, status: session.status, reason: session.failureReason }).toEqual({
          id: session.sessionId,
          status: 'failed',
          reason: 'dropped',
        });
      } else {
        expect({ id: session.sessionId, status: session.status, error: session.error }).toEqual({
          id: session.sessionId,
          status: 'ok',
          error: undefined,
        });
      }
    }
    expect(run.report?.scenarios[0]?.sessions).toMatchObject({
      planned: 20,
      ok: 20 - dropped.size,
      failed: dropped.size,
      timedOut: 0,
    });

    // Every stage of every job that ran: the event's own timestamp, to the millisecond's tolerance.
    const ran = run.sessions.filter((s) => !dropped.has(s.userId));
    const off = stageDifferences(profile, ran, run.groundTruth).filter(
      (d) => d.measured === undefined || d.truth === undefined || Math.abs(d.measured - d.truth) > 5,
    );
    expect(off).toEqual([]);
    // A dropped session keeps only its own pickup: nothing of the running job is credited to it.
    for (const session of run.sessions.filter((s) => dropped.has(s.userId)))
      expect(Object.keys(session.stages)).toEqual(['pickup']);
  }, 300_000);
});
