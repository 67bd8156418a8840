import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareReports } from '../../core/compare.js';
import { DEMO_MODEL, modelReport, slowerStep } from '../support/model-report.js';

/**
 * What compare must get right on runs of profiles/local-all.json drawn from
 * the simulator's demo model: two runs of the same target with different
 * seeds are not a regression (at least 19 pairs in 20), and a target whose
 * `claude` step is 30 % slower is one, named.
 */
describe('bench compare on same-profile runs', () => {
  it('finds no credible regression between runs that differ only by seed, in at least 19 of 20 pairs', () => {
    const regressed: string[] = [];
    for (let pair = 0; pair < 20; pair += 1) {
      const result = compareReports(modelReport(1_000 + 2 * pair), modelReport(1_001 + 2 * pair));
      if (result.regressions > 0)
        regressed.push(
          `pair ${pair}: ${result.rows
            .filter((r) => r.regression)
            .map((r) => `${r.scenario} ${r.metric} ${r.stat}`)
            .join(', ')}`,
        );
    }
    expect(regressed.length, regressed.join('\n')).toBeLessThanOrEqual(1);
  });

  it('names claude, and only what claude moves, when claude is 30 % slower, for every seed', () => {
    const slow = slowerStep(DEMO_MODEL, 'claude', 1.3);
    for (let seed = 0; seed < 10; seed += 1) {
      const result = compareReports(modelReport(500 + seed), modelReport(600 + seed, slow));
      const regressed = new Set(result.rows.filter((r) => r.regression).map((r) => r.metric));
      expect(regressed.has('claude'), `seed ${seed}`).toBe(true);
      // claude's time is inside total (and in the S3 milestone `live`, measured from the send); nothing else.
      expect(
        [...regressed].filter((m) => !['claude', 'total', 'live'].includes(m)),
        `seed ${seed}`,
      ).toEqual([]);
      const claude = result.rows.find((r) => r.metric === 'claude' && r.regression && r.stat === 'p50')!;
      expect(claude.relative!).toBeGreaterThan(0.1);
      expect(claude.p!).toBeLessThan(0.05);
    }
  });

  it('exits 0 for a same-profile pair and 99 naming claude for the slower one, through the CLI', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-credible-'));
    const write = (name: string, report: unknown) => {
      const path = join(dir, name);
      writeFileSync(path, JSON.stringify(report));
      return path;
    };
    const base = write('base.json', modelReport(1));
    const same = write('same.json', modelReport(2));
    const slow = write('slow.json', modelReport(3, slowerStep(DEMO_MODEL, 'claude', 1.3)));
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['bin/bench.js', 'compare', ...args], {
        encoding: 'utf8',
        timeout: 60_000,
      });
    expect(run(base, same).status).toBe(0);
    const out = run(base, slow);
    expect(out.status).toBe(99);
    expect(out.stdout).toMatch(/▲ regression: \w+ claude p50 .*\(\+\d+%\); rank test/);
    const md = run(base, slow, '--format', 'md');
    expect(md.stdout).toContain('claude');
    expect(md.stdout).toMatch(/^### WebOrdinary Bench comparison/m);
    const json = JSON.parse(run(base, slow, '--format', 'json').stdout) as { regressions: number };
    expect(json.regressions).toBeGreaterThan(0);
  }, 120_000);
});
