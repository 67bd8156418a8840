import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readStackPolicy } from '../../bin/commands/validate-stack.js';
import { stackPolicyOf, WEBORDINARY_TARGET } from '../../lib/target-props.js';

const dir = mkdtempSync(join(tmpdir(), 'bench-stack-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, content: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};
const DEFAULT = stackPolicyOf(WEBORDINARY_TARGET);

describe('bench validate --stack', () => {
  it('reads the policy from CDK outputs, cdk.json, a context object or a policy', async () => {
    const custom = { ...DEFAULT, metricsNamespace: 'Other/Bench' };
    expect(
      await readStackPolicy(
        file('outputs.json', { WebOrdinaryBench: { StackPolicy: JSON.stringify(custom), TableName: 't' } }),
      ),
    ).toEqual(custom);
    expect(
      await readStackPolicy(file('cdk.json', { app: 'x', context: { metricsNamespace: 'Other/Bench' } })),
    ).toEqual(custom);
    expect(await readStackPolicy(file('context.json', { metricsNamespace: 'Other/Bench' }))).toEqual(custom);
    expect(await readStackPolicy(file('policy.json', custom))).toEqual(custom);
  });

  it('says what is wrong with a stack file instead of throwing', async () => {
    await expect(readStackPolicy(join(dir, 'absent.json'))).rejects.toThrow(/absent.json: no such file/);
    await expect(readStackPolicy(file('broken.json', '{'))).rejects.toThrow(/not a JSON file/);
    await expect(readStackPolicy(file('list.json', []))).rejects.toThrow(/got an array/);
    await expect(
      readStackPolicy(file('bad-policy.json', { ...DEFAULT, maxConcurrentRuns: 0 })),
    ).rejects.toThrow(/maxConcurrentRuns/);
    await expect(readStackPolicy(file('bad-context.json', { dailySendBudget: 'lots' }))).rejects.toThrow(
      /context dailySendBudget must be an integer/,
    );
  });

  it('exits 0 for the nightly profile against the default stack, 104 naming the field against another', () => {
    const ok = spawnSync(
      process.execPath,
      ['bin/bench.js', 'validate', '--stack', file('d.json', {}), 'profiles/webordinary-nightly.json'],
      {
        encoding: 'utf8',
      },
    );
    expect([ok.status, ok.stdout]).toEqual([0, expect.stringContaining('is valid')]);
    const other = file('other.json', { context: { targetLogGroups: '/ecs/other' } });
    const bad = spawnSync(
      process.execPath,
      ['bin/bench.js', 'validate', '--stack', other, 'profiles/webordinary-nightly.json'],
      {
        encoding: 'utf8',
      },
    );
    expect(bad.status).toBe(104);
    expect(bad.stderr).toContain(
      'target.stages[0].log.group: log group "/ecs/webordinary/edit" is not one the stack allows (/ecs/other)',
    );
    const usage = spawnSync(
      process.execPath,
      ['bin/bench.js', 'validate', '--stack', join(dir, 'nope.json'), 'profiles/webordinary-nightly.json'],
      {
        encoding: 'utf8',
      },
    );
    expect([usage.status, usage.stderr]).toEqual([2, expect.stringContaining('nope.json: no such file')]);
  });
});
