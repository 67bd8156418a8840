import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseProfile } from '../../core/validate-profile.js';
import { runLocal } from '../../local/runner/local-run.js';
import { stageDifferences } from '../support/ground-truth.js';

describe('another pipeline with no code change', () => {
  it('benchmarks the ticketing model: s3-eml trigger, JSON logs on another group, poll mode', async () => {
    const input = JSON.parse(readFileSync('profiles/local-ticketing.json', 'utf8'));
    const run = await runLocal({ profile: input, baseDir: 'profiles' });
    expect(run.execution).toMatchObject({ status: 'SUCCEEDED' });
    expect(run.report?.scenarios.map((s) => [s.name, s.sessions.ok])).toEqual([['tickets', 6]]);
    expect(run.report?.stageNames).toEqual([
      'accepted',
      'triaged',
      'answered',
      'stored',
      'published',
      'closed',
    ]);
    expect(run.groundTruth.every((t) => t.source === 's3')).toBe(true);
    const off = stageDifferences(parseProfile(input), run.sessions, run.groundTruth).filter(
      (d) => d.measured === undefined || d.truth === undefined || Math.abs(d.measured - d.truth) > 5,
    );
    expect(off).toEqual([]);
  });
});
