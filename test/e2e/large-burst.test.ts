import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ProfileInput } from '../../core/profile.js';
import { runLocal } from '../../local/runner/local-run.js';

const SESSIONS = 200;
const SEND_RATE = 50;

/** The fixed-latency model with a task for every session, so the target never queues. */
function modelWithTasks(tasks: number): string {
  const model = JSON.parse(readFileSync('test/fixtures/models/webordinary-fixed.json', 'utf8')) as {
    ecs: { initialDesiredCount: number };
  };
  model.ecs.initialDesiredCount = tasks;
  const path = join(mkdtempSync(join(tmpdir(), 'bench-large-burst-')), 'model.json');
  writeFileSync(path, JSON.stringify(model));
  return path;
}

describe('a burst larger than an inline Map could hold, through the local runner', () => {
  it('runs 200 sessions at once (Distributed Map, MaxConcurrency 200): all ok, each sent within the SES pacing', async () => {
    const demo = JSON.parse(readFileSync('profiles/local-demo.json', 'utf8')) as ProfileInput;
    const profile: ProfileInput = {
      ...demo,
      name: 'e2e-large-burst',
      scenarios: [{ type: 'burst', sessions: SESSIONS }],
      thresholds: [],
      local: { model: modelWithTasks(SESSIONS), seed: 9, sesMaxSendRate: SEND_RATE },
    };
    const run = await runLocal({ profile });
    console.log(
      JSON.stringify(
        run.sessions.map((s) => [s.index, s.sentAt ? s.sentAt - s.scheduledAt! : null, s.status]),
      ),
    );
    expect(run.execution).toMatchObject({ status: 'SUCCEEDED' });
    expect(run.report?.scenarios[0]?.sessions).toMatchObject({
      planned: SESSIONS,
      ok: SESSIONS,
      failed: 0,
      timedOut: 0,
    });
    // Every session waits only for its SES send slot: 200 at 50/s take 4 s.
    const lateness = run.sessions.map((s) => s.sentAt! - s.scheduledAt!);
    expect(Math.max(...lateness)).toBeLessThanOrEqual((SESSIONS / SEND_RATE) * 1000 + 1000);
    // An inline Map of 40 would have started the last sessions only after earlier ones finished.
    expect(new Set(run.sessions.map((s) => s.scheduledAt)).size).toBe(1);
  }, 300_000);
});
