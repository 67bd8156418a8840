import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ProfileInput } from '../../core/profile.js';
import { resolveOutcome } from '../../core/session-outcome.js';
import { parseProfile } from '../../core/validate-profile.js';
import { runLocal } from '../../local/runner/local-run.js';

/** The reason profiles/local-demo.json gives each real failure line, by the step the simulator failed. */
const REASON: Readonly<Record<string, string>> = {
  claude: 'failed',
  build: 'build',
  sync: 'sync',
  push: 'push',
};

describe('a run where jobs fail at every step with the real failure lines', () => {
  it('ends each such session failed with the right reason, well before its timeout, counts them by reason, and never runs two sessions on one user', async () => {
    const demo = JSON.parse(readFileSync('profiles/local-demo.json', 'utf8')) as ProfileInput;
    const input: ProfileInput = {
      ...demo,
      name: 'e2e-every-failure',
      // A pool: the burst sets up every user, then the warm sessions, one after the other with no
      // gap, take the first free user, so a user whose failed session's job still runs is asked for at once.
      // A long timeout: a session that sat it out would make the run at least that long.
      target: { ...demo.target, userPool: { prefix: 'bench', count: 30 }, sessionTimeoutSeconds: 240 },
      scenarios: [
        { type: 'burst', name: 'burst', sessions: 30 },
        { type: 'coldWarm', name: 'warm', cold: 0, warm: 10, scaleUp: 'external', warmGapSeconds: 0 },
      ],
      thresholds: [],
      local: { model: 'test/fixtures/models/webordinary-every-failure.json', seed: 21, sesMaxSendRate: 50 },
    };
    const profile = parseProfile(input);
    const run = await runLocal({ profile: input });
    expect(run.execution).toMatchObject({ status: 'SUCCEEDED' });

    const byThread = new Map(run.groundTruth.map((job) => [job.threadId, job]));
    const failedSteps = new Set<string>();
    let safePush = 0;
    for (const session of run.sessions.map((s) => resolveOutcome(profile, s))) {
      const job = byThread.get(session.token);
      const step = job?.failedStep;
      if (step) failedSteps.add(step);
      expect({ session: session.sessionId, status: session.status, reason: session.failureReason }).toEqual({
        session: session.sessionId,
        status: step ? 'failed' : 'ok',
        reason: step ? REASON[step] : undefined,
      });
      // safePush's own line (git.service.ts): the session ends failed `push`.
      if (job?.lines.some((line) => line.text.startsWith('Safe push failed: '))) {
        safePush += 1;
        expect(session).toMatchObject({ status: 'failed', failureReason: 'push' });
      }
    }
    // Every kind of failure happened at least once.
    expect([...failedSteps].sort()).toEqual(['build', 'claude', 'push', 'sync']);
    expect(safePush).toBeGreaterThan(0);
    // Counted by reason in the report.
    const failedBy: Record<string, number> = {};
    for (const scenario of run.report?.scenarios ?? [])
      for (const [reason, n] of Object.entries(scenario.sessions.failedBy ?? {}))
        failedBy[reason] = (failedBy[reason] ?? 0) + n;
    const expected: Record<string, number> = {};
    for (const job of run.groundTruth) {
      const reason = job.failedStep ? REASON[job.failedStep] : undefined;
      if (reason) expected[reason] = (expected[reason] ?? 0) + 1;
    }
    expect(failedBy).toEqual(expected);
    // A failure line ends the wait at once: the whole run is well under one 240 s session timeout.
    expect(run.report!.finishedAt - run.report!.startedAt).toBeLessThan(150_000);

    // A failed session's job goes on (build, sync and push failures): its user is leased again only
    // once that job has finished (the simulator's record), so no job is interrupted by the next session.
    const byUser = new Map<string, { leasedAt: number; token: string }[]>();
    for (const session of run.sessions) {
      const list = byUser.get(session.userId) ?? [];
      list.push({ leasedAt: session.leasedAt!, token: session.token });
      byUser.set(session.userId, list);
    }
    let reused = 0;
    for (const sessions of byUser.values()) {
      sessions.sort((a, b) => a.leasedAt - b.leasedAt);
      for (let i = 1; i < sessions.length; i++) {
        const before = byThread.get(sessions[i - 1]!.token)!;
        const after = byThread.get(sessions[i]!.token)!;
        reused += 1;
        expect(sessions[i]!.leasedAt).toBeGreaterThanOrEqual(before.finishedAt!);
        expect(after.receivedAt).toBeGreaterThanOrEqual(before.finishedAt!);
      }
    }
    expect(reused).toBeGreaterThan(0);
  }, 400_000);
});
