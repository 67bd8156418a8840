import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReport } from '../../core/report.js';
import { pipelineProfile, profileInput } from '../fixtures/profile.js';
import { DEMO_MODEL, modelReport, slowerStep } from '../support/model-report.js';

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

  it('runs from any working directory: the profile and the project’s own files are found from where they are', () => {
    const profile = join(process.cwd(), 'profiles', 'local-demo.json');
    const out = spawnSync(process.execPath, [join(process.cwd(), 'bin', 'bench.js'), 'validate', profile], {
      encoding: 'utf8',
      timeout: 60_000,
      cwd: dir,
    });
    expect({ code: out.status, stderr: out.stderr }).toEqual({ code: 0, stderr: '' });
    expect(out.stdout).toContain('is valid');
    expect(out.stdout).toContain('harness cost (predicted)');
  });

  it('exits 2 with one short message for an unknown command or option, with a suggestion', () => {
    const unknown = bench('frobnicate');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command 'frobnicate'");
    expect(unknown.stderr.trim().split('\n').length).toBeLessThanOrEqual(3);
    const typo = bench('compar', 'a.json', 'b.json');
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('(Did you mean compare?)');
    const option = bench('local', 'x.json', '--sed', '3');
    expect(option.code).toBe(2);
    expect(option.stderr).toContain("unknown option '--sed'");
    expect(option.stderr).toContain('(Did you mean --seed?)');
    expect(option.stderr).toContain('bench local --help');
    expect(option.stderr).not.toContain('Commands:');
    const missing = bench('compare', 'a.json');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("missing required argument 'current'");
    const value = bench('local', 'x.json', '--seed', 'soon');
    expect(value.code).toBe(2);
    expect(value.stderr).toContain('--seed must be an integer, got "soon"');
  }, 120_000);

  it('refuses to run locally an invalid profile (exit 104)', () => {
    const bad = file('bad-local.json', JSON.stringify({ name: 'x' }));
    const out = bench('local', bad);
    expect(out.code).toBe(104);
    expect(out.stderr).toContain('target: is required');
  });
});

describe('bench --help', () => {
  it('shows every command, and each command its own help, with exit 0', () => {
    const top = bench('--help');
    expect(top.code).toBe(0);
    for (const command of ['local', 'validate', 'start', 'report', 'compare', 'trend', 'schema'])
      expect(top.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    expect(top.stdout).toContain('Exit codes: 0 ok, 99');
    for (const command of ['local', 'validate', 'start', 'report', 'compare', 'trend', 'schema']) {
      const help = bench(command, '--help');
      expect(help.code, command).toBe(0);
      expect(help.stdout).toContain(`Usage: bench ${command}`);
    }
    expect(bench('local', '--help').stdout).toContain('--junit <file>');
    expect(bench('help', 'compare').stdout).toContain('Usage: bench compare');
  }, 120_000);

  it('exits 2 with the help when no command is given', () => {
    const none = bench();
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: bench');
  });
});

describe('bench report', () => {
  const report = buildReport({
    run: {
      runId: 'r1',
      profile: pipelineProfile(['received', 'built'], {
        name: 'rep',
        scenarios: [{ type: 'burst', sessions: 1 }],
        thresholds: [
          { metric: 'built', condition: 'p(95) < 1s' },
          { metric: 'success', condition: 'rate > 95%' },
        ],
      }),
      startedAt: 0,
    },
    sessions: [
      {
        runId: 'r1',
        sessionId: 'burst-0',
        scenario: 'burst',
        scenarioType: 'burst' as const,
        index: 0,
        userId: 'u',
        token: 't',
        key: 'u',
        scheduledAt: 0,
        sentAt: 0,
        stages: { received: 100, built: 2_100 },
        status: 'ok' as const,
      },
    ],
    taskSamples: [],
    cpu: null,
    memory: null,
    finishedAt: 5_000,
  });

  it('renders md and html, and writes one JUnit test case per threshold', () => {
    const path = file('rep.json', JSON.stringify(report));
    const junit = join(dir, 'out', 'junit.xml');
    const md = bench('report', path, '--format', 'md', '--junit', junit);
    expect(md.code).toBe(0);
    expect(md.stdout).toContain('# WebOrdinary Bench: rep');
    const xml = readFileSync(junit, 'utf8');
    expect(xml.match(/<testcase /g)).toHaveLength(2);
    expect(xml).toContain('<failure type="ThresholdBreached"');
    const html = bench('report', path, '--format', 'html', '-o', join(dir, 'rep.html'));
    expect(html.code).toBe(0);
    expect(readFileSync(join(dir, 'rep.html'), 'utf8')).toMatch(/^<!doctype html>/);
    const bad = bench('report', path, '--format', 'pdf');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--format must be text, md or html, got "pdf"');
  });

  it('exits 2 naming a file that is not a report', () => {
    const out = bench('report', join(dir, 'nothing.json'));
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('nothing.json: no such file');
  });
});

describe('bench trend', () => {
  it('builds one page from many reports, marking a credible change where it shows', () => {
    const runs = [1, 2, 3].map((seed) => file(`trend-${seed}.json`, JSON.stringify(modelReport(seed))));
    const slow = file('trend-4.json', JSON.stringify(modelReport(4, slowerStep(DEMO_MODEL, 'claude', 1.5))));
    const page = join(dir, 'trend.html');
    const out = bench('trend', ...runs, slow, '-o', page);
    expect(out.code).toBe(0);
    const html = readFileSync(page, 'utf8');
    expect(html).toContain('trend over 4 runs');
    expect(html).toMatch(/run 4 \(model-4\): claude p50 regression/);
    expect(html).not.toMatch(/run [23] \(model-[23]\): \w+ p\d+ regression/);
    expect(html).not.toMatch(/<script/);
    const json = JSON.parse(bench('trend', ...runs, '--format', 'json').stdout) as { runs: unknown[] };
    expect(json.runs).toHaveLength(3);
  }, 60_000);
});

describe('bench compare', () => {
  it('names a bad option value', () => {
    const base = file('base2.json', JSON.stringify(report2()));
    const out = bench('compare', base, base, '--tolerance', 'lots');
    expect(out.code).toBe(2);
    expect(out.stderr).toContain('--tolerance must be a share such as 10% or 0.1, got "lots"');
    const format = bench('compare', base, base, '--format', 'xml');
    expect(format.code).toBe(2);
    expect(format.stderr).toContain('--format must be text, md or json, got "xml"');
  });

  it('warns when the two reports come from different profiles', () => {
    const a = file('p1.json', JSON.stringify(report2()));
    const b = file('p2.json', JSON.stringify({ ...report2(), profile: 'other' }));
    const out = bench('compare', a, b);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain('⚠ different profiles: local-all vs other');
  });
});

function report2() {
  return modelReport(9);
}
