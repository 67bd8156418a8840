import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function bench(...args: string[]) {
  const out = spawnSync(process.execPath, ['bin/bench.js', ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: out.status, stdout: out.stdout, stderr: out.stderr };
}

describe('bench validate: the predicted harness cost', () => {
  it('prints the total, the cost per 1,000 sessions against the target and the main contributors', () => {
    const out = bench('validate', 'profiles/webordinary-nightly.json', 'profiles/local-ticketing.json');
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(
      /webordinary-nightly\.json is valid[\s\S]*harness cost \(predicted\): \$0\.\d+ for 49 session\(s\), \$0\.\d+ per 1,000 sessions \(target under \$0\.50: (holds|over)\)/,
    );
    expect(out.stdout).toMatch(/main: Step Functions state transitions \$0\.\d+ \(\d+ %, [\d,]+\)/);
    expect(out.stdout).toContain('us-east-1 list prices of');
    // Poll mode: FilterLogEvents is counted, and the ticketing profile sends no email.
    expect(out.stdout).toMatch(/local-ticketing\.json is valid[\s\S]*for 6 session\(s\)/);
  }, 120_000);

  it('leaves the cost out with --no-cost', () => {
    const out = bench('validate', '--no-cost', 'profiles/local-demo.json');
    expect(out.code).toBe(0);
    expect(out.stdout).not.toContain('harness cost');
  }, 60_000);
});
