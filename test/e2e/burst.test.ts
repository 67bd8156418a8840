import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseProfile } from '../../core/validate-profile.js';
import { runLocal } from '../../local/runner/local-run.js';
import { stageDifferences } from '../support/ground-truth.js';

describe('a burst run through the local runner', () => {
  it('measures every stage of every session within 5 ms of the simulator ground truth', async () => {
    const input = JSON.parse(readFileSync('profiles/local-demo.json', 'utf8'));
    const run = await runLocal({ profile: input, baseDir: 'profiles' });
    expect(run.execution).toMatchObject({ status: 'SUCCEEDED' });
    expect(run.report?.scenarios[0]?.sessions).toMatchObject({ planned: 20, ok: 20, failed: 0, timedOut: 0 });
    expect(run.groundTruth).toHaveLength(20);

    const differences = stageDifferences(parseProfile(input), run.sessions, run.groundTruth);
    expect(differences).toHaveLength(20 * 8);
    const off = differences.filter(
      (d) => d.measured === undefined || d.truth === undefined || Math.abs(d.measured - d.truth) > 5,
    );
    expect(off).toEqual([]);

    // The report's figures are the raw session values: its total count and max trace back to them.
    const totals = run.sessions.map((s) => s.stages.done! - s.scheduledAt!);
    expect(run.report?.scenarios[0]?.total?.max).toBe(Math.max(...totals));
  });
});
