import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../core/report.js';
import { pipelineProfile, profileInput } from '../fixtures/profile.js';

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

describe('bench compare', () => {
  const reportFile = (name: string, built: number) => {
    const profile = pipelineProfile(['received', 'built'], {
      name: 'cmp',
      scenarios: [{ type: 'burst', sessions: 2 }],
    });
    const sessions = [0, 1].map((index) => ({
      runId: name,
      sessionId: `burst-${index}`,
      scenario: 'burst',
      scenarioType: 'burst' as const,
      index,
      userId: 'u',
      token: 't',
      key: 'u',
      scheduledAt: 0,
      sentAt: 0,
      stages: { received: 1_000, built: 1_000 + built },
      status: 'ok' as const,
    }));
    const report = buildReport({
      run: { runId: name, profile, startedAt: 0 },
      sessions,
      taskSamples: [],
      cpu: null,
      memory: null,
      finishedAt: 1,
    });
    return file(`${name}.json`, JSON.stringify(report));
  };

  it('exits 0 without a regression and 99 with one', () => {
    const base = reportFile('base', 5_000);
    expect(bench('compare', base, reportFile('same', 5_050)).code).toBe(0);
    const out = bench('compare', base, reportFile('slow', 9_000));
    expect(out.code).toBe(99);
    expect(out.stdout).toContain('▲ regression');
  });

  it('names a bad option value', () => {
    const base = reportFile('base2', 5_000);
    const out = bench('compare', base, base, '--tolerance', 'lots');
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('--tolerance must be a share such as 10% or 0.1, got "lots"');
  });
});
