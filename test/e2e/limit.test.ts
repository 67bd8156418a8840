import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { limitLoads } from '../../core/limit-steps.js';
import { parseCondition } from '../../core/thresholds.js';
import { parseProfile } from '../../core/validate-profile.js';
import { runLocal } from '../../local/runner/local-run.js';
import { loadTargetModel } from '../../local/simulator/model.js';
import { impliedLimit } from '../support/limit-model.js';

/** Room left for the harness's lateness (SES pacing, a busy machine) on the passing side. */
const LATENESS_ALLOWANCE_MS = 3_000;

describe('a limit run through the local runner', () => {
  it('finds the limit the fixed container pool implies, stops stepping there, and reports the rest as not run', async () => {
    const input = JSON.parse(readFileSync('profiles/local-limit.json', 'utf8'));
    const profile = parseProfile(input);
    const scenario = profile.scenarios[0]!;
    if (scenario.type !== 'limit') throw new Error('profiles/local-limit.json must hold a limit scenario');
    const total = scenario.pass.find((p) => p.metric === 'total')!;
    const { loads } = limitLoads(scenario);
    const model = await loadTargetModel('local/models/webordinary-limit.json');
    const implied = impliedLimit(model, loads, parseCondition(total.condition).value, LATENESS_ALLOWANCE_MS);
    expect(implied.limit).toBe(5);

    const run = await runLocal({ profile: input, baseDir: 'profiles' });
    expect(run.execution).toMatchObject({ status: 'SUCCEEDED' });
    const limit = run.report?.limits?.[0];
    expect(limit?.limit).toBe(implied.limit);
    expect(limit?.stoppedBy).toBe('failure');
    // The first step over the pool breaks; every step after it is not run, and none of its sessions was sent.
    const breaking = loads.findIndex((load) => load > implied.containers) + 1;
    expect(limit?.brokeAt).toBe(breaking);
    expect(limit?.steps.map((s) => s.verdict)).toEqual(
      loads.map((_, i) => (i + 1 < breaking ? 'pass' : i + 1 === breaking ? 'fail' : 'notRun')),
    );
    const notRun = limit!.steps.filter((s) => s.verdict === 'notRun').map((s) => s.name);
    const skipped = run.sessions.filter((s) => notRun.includes(s.scenario));
    expect(skipped.length).toBe(loads.slice(breaking).reduce((a, b) => a + b, 0));
    expect(skipped.every((s) => s.status === 'skipped' && s.sentAt === undefined)).toBe(true);
    expect(run.groundTruth).toHaveLength(loads.slice(0, breaking).reduce((a, b) => a + b, 0));
    // Waiting for a container shows in the first stage (pickup holds the wait for a free container).
    expect(limit?.degraded?.stage).toBe('pickup');
    // The report's table and the skipped steps' absence from every figure.
    expect(run.report?.scenarios.map((s) => s.name)).not.toContain(notRun[0]);
    expect(run.report?.overall.sessions.planned).toBe(run.groundTruth.length);
  });
});
