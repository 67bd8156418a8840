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
  it('ends each such session failed with the right reason, well before its timeout, and counts them by reason', async () => {
    const demo = JSON.parse(readFileSync('profiles/local-demo.json', 'utf8')) as ProfileInput;
    const input: ProfileInput = {
      ...demo,
      name: 'e2e-every-failure',
      scenarios: [{ type: 'burst', sessions: 48 }],
      thresholds: [],
      local: { model: 'test/fixtures/models/webordinary-every-failure.json', seed: 21, sesMaxSendRate: 50 },
    };
    const profile = parseProfile(input);
    const run = await runLocal({ profile: input });
    expect(run.execution).toMatchObject({ status: 'SUCCEEDED' });

    const byThread = new Map(run.groundTruth.map((job) => [job.threadId, job]));
    const failedSteps = new Set<string>();
    for (const session of run.sessions.map((s) => resolveOutcome(profile, s))) {
      const job = byThread.get(session.token);
      const step = job?.failedStep;
      if (step) failedSteps.add(step);
      expect({ session: session.sessionId, status: session.status, reason: session.failureReason }).toEqual({
        session: session.sessionId,
        status: step ? 'failed' : 'ok',
        reason: step ? REASON[step] : undefined,
      });
    }
    // Every kind of failure happened at least once.
    expect([...failedSteps].sort()).toEqual(['build', 'claude', 'push', 'sync']);
    // Counted by reason in the report.
    const failedBy = run.report?.scenarios[0]?.sessions.failedBy ?? {};
    const expected: Record<string, number> = {};
    for (const job of run.groundTruth) {
      const reason = job.failedStep ? REASON[job.failedStep] : undefined;
      if (reason) expected[reason] = (expected[reason] ?? 0) + 1;
    }
    expect(failedBy).toEqual(expected);
    // A failure line ends the wait at once: nobody sat out the 60 s session timeout.
    expect(run.report!.finishedAt - run.report!.startedAt).toBeLessThan(45_000);
  }, 300_000);
});
