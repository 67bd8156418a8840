import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { profileInput } from '../fixtures/profile.js';

function bench(...args: string[]) {
  const out = spawnSync(process.execPath, ['bin/bench.js', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: out.status, stdout: out.stdout, stderr: out.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'bench-cli-'));
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

describe('bench validate', () => {
  it('exits 0 for valid profiles and 104 listing every problem by path, without a stack trace', () => {
    const good = file('good.json', JSON.stringify(profileInput()));
    const bad = file(
      'bad.json',
      JSON.stringify(profileInput({ scenarios: [{ type: 'burst', sessions: 0 }] })),
    );
    const broken = file('broken.json', '{"name": "x",\n  "target": }');
    expect(bench('validate', good).code).toBe(0);
    const out = bench('validate', good, bad, broken, join(dir, 'missing.json'));
    expect(out.code).toBe(104);
    expect(out.stderr).toContain('scenarios[0].sessions: must be >= 1, got 0');
    expect(out.stderr).toMatch(/broken\.json: not valid JSON \(line 2, column \d+/);
    expect(out.stderr).toContain('missing.json: no such file');
    expect(out.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 with the usage for an unknown command or option', () => {
    const unknown = bench('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    const option = bench('local', 'x.json', '--speed', '3');
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("Unknown option '--speed'");
  });

  it('refuses to run locally an invalid profile (exit 104)', () => {
    const bad = file('bad-local.json', JSON.stringify({ name: 'x' }));
    const out = bench('local', bad);
    expect(out.code).toBe(104);
    expect(out.stderr).toContain('target: is required');
  });
});
