import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readProfileFile } from '../../bin/cli-support.js';
import { readStackPolicy, stackProblems } from '../../bin/commands/validate-stack.js';
import { validateProfile } from '../../core/validate-profile.js';

/**
 * The checked-in hostile corpus (test/hostile/cases/, one file per case, the
 * expectations in cases.json): wrong types, huge numbers, catastrophic
 * patterns, CR/LF in headers, foreign resources, oversize files, non-UTF-8,
 * BOMs, deep nesting, broken thresholds, unknown metrics. Every case is a
 * valid profile (base.json) with one thing broken.
 */
const DIR = 'test/hostile';
const POLICY = join(DIR, 'stack-policy.json');
const manifest = JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8')) as {
  cases: { file: string; kind: string; field: string }[];
};

describe('the hostile corpus', () => {
  it('has at least 65 cases across every kind the issue names', () => {
    expect(manifest.cases.length).toBeGreaterThanOrEqual(65);
    const kinds = new Set(manifest.cases.map((c) => c.kind));
    for (const kind of [
      'wrong type',
      'huge number',
      'catastrophic pattern',
      'CR/LF in header',
      'foreign resource',
      'oversize',
      'non-UTF-8',
      'BOM',
      'deep nesting',
      'broken threshold',
      'unknown metric',
    ])
      expect(kinds).toContain(kind);
  });

  it('starts from a base profile that is valid inside the stack', async () => {
    const loaded = await readProfileFile(join(DIR, 'base.json'));
    const valid = loaded.ok ? validateProfile(loaded.json) : loaded;
    expect(valid.ok).toBe(true);
    if (valid.ok) expect(stackProblems(valid.profile, await readStackPolicy(POLICY))).toEqual([]);
  });

  for (const { file, kind, field } of manifest.cases) {
    it(`${file} (${kind}) is refused naming ${field}`, async () => {
      const loaded = await readProfileFile(join(DIR, 'cases', file));
      const valid = loaded.ok ? validateProfile(loaded.json) : loaded;
      const problems = valid.ok
        ? stackProblems(valid.profile, await readStackPolicy(POLICY))
        : valid.problems;
      expect(problems.length).toBeGreaterThan(0);
      expect(problems.join('\n')).toContain(field);
    });
  }

  it('makes `bench validate --stack` exit 104 for every case, naming the field, with no stack trace', () => {
    const files = manifest.cases.map((c) => join(DIR, 'cases', c.file));
    const out = spawnSync(process.execPath, ['bin/bench.js', 'validate', '--stack', POLICY, ...files], {
      encoding: 'utf8',
      env: { ...process.env, BENCH_DEBUG: '' },
    });
    expect(out.status).toBe(104);
    expect(out.stdout).not.toContain('✓');
    expect(`${out.stdout}${out.stderr}`).not.toMatch(/\n\s+at \S+ \(|Error: |Maximum call stack/);
    // One block per file: "✗ <file> is invalid (...):" and its problems.
    const blocks = new Map(
      out.stderr
        .split(/^✗ /m)
        .slice(1)
        .map((block) => [block.slice(0, block.indexOf(' is invalid')), block] as const),
    );
    for (const { file, field } of manifest.cases) {
      const block = blocks.get(join(DIR, 'cases', file));
      expect([file, block?.includes(field)]).toEqual([file, true]);
      // The problem lines are readable: no raw control characters but the newlines between them.
      expect([file, /[^\P{Cc}\n]|\uFEFF/u.test(block ?? '')]).toEqual([file, false]);
    }
  });
});
