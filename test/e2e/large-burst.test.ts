import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ProfileInput } from '../../core/profile.js';
import { runLocal } from '../../local/runner/local-run.js';

const SESSIONS = 100;
const SEND_RATE = 10;

/** The fixed-latency model with a task for every session, so the target never queues. */
function modelWithTasks(tasks: number, claudeMs?: number): string {
  const model = JSON.parse(readFileSync('test/fixtures/models/webordinary-fixed.json', 'utf8')) as {
    ecs: { initialDesiredCount: number };
    steps: { name: string; latencyMs: number }[];
  };
  model.ecs.initialDesiredCount = tasks;
  if (claudeMs !== undefined) model.steps.find((s) => s.name === 'claude')!.latencyMs = claudeMs;
  const path = join(mkdtempSync(join(tmpdir(), 'bench-large-burst-')), 'model.json');
  writeFileSync(path, JSON.stringify(model));
  return path;
}

describe('a burst larger than an inline Map could hold, through the local runner', () => {
  it('runs 100 sessions at once (Distributed Map, MaxConcurrency 100): all ok, each sent within the SES pacing', async () => {
    const demo = JSON.parse(readFileSync('profiles/local-demo.json', 'utf8')) as ProfileInput;
    const profile: ProfileInput = {
      ...demo,
      name: 'e2e-large-burst',
      scenarios: [{ type: 'burst', sessions: SESSIONS }],
      thresholds: [],
      local: { model: modelWithTasks(SESSIONS), seed: 9, sesMaxSendRate: SEND_RATE },
    };
    const run = await runLocal({ profile });
    expect(run.execution).toMatchObject({ status: 'SUCCEEDED' });
    expect(run.report?.scenarios[0]?.sessions).toMatchObject({
      planned: SESSIONS,
      ok: SESSIONS,
      failed: 0,
      timedOut: 0,
    });
    // Sends are paced in the state machine: the last goes no earlier than 99 slots after the first.
    // The upper bound, max <= 100 / 10 + 1 s, holds on an idle machine (10.3 s; 200 at 20/s: 10.9 s against
    // 11 s, docs/benchmarks.md) but not on a loaded one (14.6 s at a load average of 14, before the send
    // slot's Wait woke early), so it is measured there rather than asserted here.
    const lateness = run.sessions.map((s) => s.sentAt! - s.scheduledAt!);
    expect(Math.max(...lateness)).toBeGreaterThanOrEqual(((SESSIONS - 1) / SEND_RATE) * 1000);
    expect(run.sessions.every((s) => s.error === undefined)).toBe(true);
    // An inline Map of 40 would have started the last sessions only after earlier ones finished.
    expect(new Set(run.sessions.map((s) => s.scheduledAt)).size).toBe(1);
  }, 300_000);

  it('sends 40 sessions due at once at MaxSendRate 1: none fails, lateness is the pacing (0 to 39 s)', async () => {
    const demo = JSON.parse(readFileSync('profiles/local-demo.json', 'utf8')) as ProfileInput;
    const sessions = 40;
    const profile: ProfileInput = {
      ...demo,
      name: 'e2e-paced-burst',
      scenarios: [{ type: 'burst', sessions }],
      thresholds: [],
      local: { model: modelWithTasks(sessions), seed: 11, sesMaxSendRate: 1 },
    };
    const run = await runLocal({ profile });
    expect(run.execution).toMatchObject({ status: 'SUCCEEDED' });
    // At 1/s a sleeping trigger would pass its 30 s timeout from the 31st session on; the wait is a Wait state.
    expect(run.report?.scenarios[0]?.sessions).toMatchObject({ planned: sessions, ok: sessions, failed: 0 });
    const lateness = run.sessions.map((s) => s.sentAt! - s.scheduledAt!).sort((a, b) => a - b);
    expect(lateness.at(-1)).toBeGreaterThanOrEqual((sessions - 1) * 1000);
    expect(lateness.at(-1)).toBeLessThanOrEqual((sessions + 1) * 1000);
    // One send per slot, slots a second apart from the due time: the k-th send is at least k s late.
    for (const [k, late] of lateness.entries()) expect(late).toBeGreaterThanOrEqual(k * 1000);
  }, 300_000);

  it('keeps a sustained schedule whose sessions overlap by more than 40 (an inline Map would cap them at 40)', async () => {
    const demo = JSON.parse(readFileSync('profiles/local-demo.json', 'utf8')) as ProfileInput;
    // 6 sessions/s for 10 s, each job about 11 s long: some 60 sessions in flight at once.
    const sessions = 60;
    const profile: ProfileInput = {
      ...demo,
      name: 'e2e-sustained-overlap',
      scenarios: [{ type: 'sustained', ratePerMinute: 360, durationMinutes: 1 / 6 }],
      thresholds: [],
      local: { model: modelWithTasks(sessions, 10_000), seed: 13, sesMaxSendRate: 50 },
    };
    const run = await runLocal({ profile });
    expect(run.execution).toMatchObject({ status: 'SUCCEEDED' });
    expect(run.report?.scenarios[0]?.sessions).toMatchObject({ planned: sessions, ok: sessions, failed: 0 });
    // In flight: from the send to the job's last stage.
    const edges = run.sessions.flatMap((s) => [
      { at: s.sentAt!, step: 1 },
      { at: s.stages.done!, step: -1 },
    ]);
    edges.sort((a, b) => a.at - b.at || a.step - b.step);
    let inFlight = 0;
    let most = 0;
    for (const edge of edges) {
      inFlight += edge.step;
      most = Math.max(most, inFlight);
    }
    expect(most).toBeGreaterThan(40);
    // Each session sent on its schedule: 6/s is well under the pacing's 50/s, so lateness is the harness's own.
    const lateness = run.sessions.map((s) => s.sentAt! - s.scheduledAt!);
    // The bound: the pacing's own delay (none here) + 1 s (99 ms measured with 60 in flight).
    expect(Math.max(...lateness)).toBeLessThanOrEqual(1_000);
  }, 300_000);
});
