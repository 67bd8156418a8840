import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ProfileInput } from '../../core/profile.js';
import { poolUsers } from '../../core/user-pool.js';
import { parseProfile } from '../../core/validate-profile.js';
import { type LocalRun, runLocal } from '../../local/runner/local-run.js';
import { stageDifferences } from '../support/ground-truth.js';

/** profiles/local-all.json as shipped: every scenario type on a pool smaller than the run. */
const input = JSON.parse(readFileSync('profiles/local-all.json', 'utf8')) as ProfileInput;

describe('profiles/local-all.json on a user pool, through the local runner', () => {
  let run: LocalRun;
  beforeAll(async () => {
    run = await runLocal({ profile: input, baseDir: 'profiles' });
  }, 400_000);

  it('runs more sessions than the pool has users, each on a user of the pool', () => {
    const users = new Set(poolUsers(parseProfile(input).target));
    expect(run.sessions.length).toBeGreaterThan(users.size);
    for (const session of run.sessions) expect(users.has(session.userId)).toBe(true);
    expect(new Set(run.sessions.map((s) => s.userId)).size).toBeLessThanOrEqual(users.size);
  });

  it('never runs two sessions on one user at once (the simulator’s record)', () => {
    const byUser = new Map<string, { receivedAt: number; finishedAt: number; threadId: string }[]>();
    for (const job of run.groundTruth) {
      const list = byUser.get(job.userId) ?? [];
      list.push({
        receivedAt: job.receivedAt,
        finishedAt: job.finishedAt ?? Number.POSITIVE_INFINITY,
        threadId: job.threadId,
      });
      byUser.set(job.userId, list);
    }
    let reused = 0;
    for (const jobs of byUser.values()) {
      jobs.sort((a, b) => a.receivedAt - b.receivedAt);
      for (let i = 1; i < jobs.length; i++) {
        reused += 1;
        expect(jobs[i]!.receivedAt).toBeGreaterThanOrEqual(jobs[i - 1]!.finishedAt);
      }
    }
    expect(reused).toBeGreaterThan(0);
  });

  it('says which sessions were first on their user: exactly those paid for the workspace set-up', () => {
    const byThread = new Map(run.groundTruth.map((job) => [job.threadId, job]));
    for (const session of run.sessions) {
      const job = byThread.get(session.token);
      expect({ session: session.sessionId, setUp: (job?.setupMs ?? 0) > 0 }).toEqual({
        session: session.sessionId,
        setUp: session.firstOnUser === true,
      });
    }
    // Warm sessions reuse a user whose workspace is set up: none of them clones and installs.
    const warm = run.sessions.filter((s) => s.phase === 'warm');
    expect(warm.length).toBeGreaterThan(0);
    expect(warm.every((s) => s.firstOnUser === false)).toBe(true);
    // Cold sessions are cold all through: each is the first on its user (after the stages
    // scenario set up bench-1), so each clones and installs.
    const cold = run.sessions.filter((s) => s.phase === 'cold');
    expect(cold.length).toBeGreaterThan(0);
    expect(cold.every((s) => s.firstOnUser === true)).toBe(true);
  });

  it('measures first-on-user sessions slower by the model’s clone-and-install time, at the step that pays it', () => {
    // The model pays the workspace set-up in the `thread` step: its segment is pickup -> thread.
    const thread = (first: boolean) =>
      run.sessions
        .filter(
          (s) => s.firstOnUser === first && s.stages.thread !== undefined && s.stages.pickup !== undefined,
        )
        .map((s) => s.stages.thread! - s.stages.pickup!);
    const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    const [first, reused] = [thread(true), thread(false)];
    expect(first.length).toBeGreaterThan(0);
    expect(reused.length).toBeGreaterThan(0);
    const setUp = run.groundTruth.filter((job) => job.setupMs > 0).map((job) => job.setupMs);
    const setupMean = mean(setUp);
    const difference = mean(first) - mean(reused);
    expect(difference).toBeGreaterThan(0);
    expect(Math.abs(difference - setupMean)).toBeLessThanOrEqual(setupMean * 0.5);
  });

  it('measures every session ok, each stage within 5 ms of the ground truth', () => {
    expect(run.execution).toMatchObject({ status: 'SUCCEEDED' });
    const report = run.report!;
    for (const scenario of report.scenarios) expect(scenario.sessions.ok).toBe(scenario.sessions.planned);
    const off = stageDifferences(parseProfile(input), run.sessions, run.groundTruth).filter(
      (d) => d.measured === undefined || d.truth === undefined || Math.abs(d.measured - d.truth) > 5,
    );
    expect(off).toEqual([]);
  });
});
