import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runLocal } from '../../local/runner/local-run.js';

const MODEL = 'test/fixtures/models/webordinary-faulty.json';

describe('a run where the pipeline fails some jobs', () => {
  it('ends those sessions as failed with the logged reason, fast, and the run goes on to its report', async () => {
    const demo = JSON.parse(readFileSync('profiles/local-demo.json', 'utf8'));
    const run = await runLocal({
      profile: {
        ...demo,
        name: 'e2e-failures',
        scenarios: [{ type: 'burst', sessions: 6 }],
        thresholds: [{ metric: 'success', condition: 'rate > 95%' }],
        local: { model: MODEL, seed: 11, sesMaxSendRate: 50 },
      },
    });
    const failedJobs = run.groundTruth.filter((t) => t.status === 'failed').map((t) => t.userId);
    expect(failedJobs.length).toBeGreaterThan(0);
    expect(failedJobs.length).toBeLessThan(6);
    const failed = run.sessions.filter((s) => s.status === 'failed');
    expect(failed.map((s) => s.userId).sort()).toEqual([...failedJobs].sort());
    for (const session of failed) {
      expect(session.error).toContain('Failed to process message: Request timed out');
      expect(session.stages.done).toBeUndefined();
    }
    // Judged from the markers, not the pipeline's word; the threshold fails the run with its report written.
    expect(run.report?.scenarios[0]?.sessions).toMatchObject({
      planned: 6,
      ok: 6 - failed.length,
      failed: failed.length,
    });
    expect(run.execution).toMatchObject({ status: 'FAILED', error: 'ThresholdsBreached' });
    // The failure marker ended the waits: nobody sat out the 60 s session timeout.
    expect(run.report!.finishedAt - run.report!.startedAt).toBeLessThan(45_000);
  });
});
