import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ProfileInput } from '../../core/profile.js';
import type { Report } from '../../core/report-model.js';
import { parseProfile } from '../../core/validate-profile.js';
import { type LocalRun, runLocal } from '../../local/runner/local-run.js';
import { stageDifferences } from '../support/ground-truth.js';

const MODEL = 'test/fixtures/models/webordinary-fixed.json';
const { ecs } = JSON.parse(readFileSync(MODEL, 'utf8')) as {
  ecs: { coldStartMs: number; scaleFromZero: { afterMs: number } };
};
const COLD_START_MS = ecs.coldStartMs;
/** With `scaleUp: external` the target's own scaling reacts to the waiting work after this long. */
const SCALE_FROM_ZERO_MS = ecs.scaleFromZero.afterMs;

/** The demo profile's target against a fixed-latency model, with every scenario type and one failing threshold. */
function allScenarios(): ProfileInput {
  const demo = JSON.parse(readFileSync('profiles/local-demo.json', 'utf8')) as ProfileInput;
  return {
    ...demo,
    name: 'e2e-all',
    scenarios: [
      { type: 'stages' },
      { type: 'coldWarm', cold: 2, warm: 2, scaleUp: 'bench', desiredCount: 2, warmGapSeconds: 1 },
      { type: 'coldWarm', name: 'coldExternal', cold: 1, warm: 0, scaleUp: 'external' },
      { type: 'sustained', ratePerMinute: 30, durationMinutes: 0.2 },
      { type: 'burst', sessions: 4 },
      { type: 'resources', periodSeconds: 1 },
    ],
    thresholds: [
      { metric: 'success', condition: 'rate > 95%' },
      { metric: 'total', scenario: 'burst', condition: 'max < 1ms' },
    ],
    local: { model: MODEL, seed: 5, sesMaxSendRate: 50 },
  };
}

const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

describe('a run of every scenario type through the local runner', () => {
  let run: LocalRun;
  let report: Report;
  beforeAll(async () => {
    run = await runLocal({ profile: allScenarios() });
    report = run.report!;
  }, 240_000);

  it('reports every scenario, every session ok, and matches the ground truth within 5 ms', () => {
    expect(report.scenarios.map((s) => [s.name, s.sessions.planned, s.sessions.ok])).toEqual([
      ['stages', 1, 1],
      ['coldWarm', 4, 4],
      ['coldExternal', 1, 1],
      ['sustained', 6, 6],
      ['burst', 4, 4],
    ]);
    const off = stageDifferences(parseProfile(allScenarios()), run.sessions, run.groundTruth).filter(
      (d) => d.measured === undefined || d.truth === undefined || Math.abs(d.measured - d.truth) > 5,
    );
    expect(off).toEqual([]);
  });

  it('shows cold sessions slower than warm ones by the cold-start delay, within 5 %', () => {
    const totals = (phase: 'cold' | 'warm') =>
      run.sessions
        .filter((s) => s.scenario === 'coldWarm' && s.phase === phase)
        .map((s) => s.stages.done! - s.scheduledAt!);
    const penalty = mean(totals('cold')) - mean(totals('warm'));
    expect(Math.abs(penalty - COLD_START_MS) / COLD_START_MS).toBeLessThan(0.05);
    const coldTruth = run.groundTruth.filter((t) => t.coldStart);
    expect(coldTruth.length).toBeGreaterThanOrEqual(2);
    expect(report.scenarios[1]?.phases?.coldStartShare.pickup).toBeGreaterThan(0.9);
  });

  it('waits for the target own scaling when scaleUp is external', () => {
    const warm = mean(
      run.sessions.filter((s) => s.phase === 'warm').map((s) => s.stages.done! - s.scheduledAt!),
    );
    const external = run.sessions.find((s) => s.scenario === 'coldExternal')!;
    const penalty = external.stages.done! - external.scheduledAt! - warm;
    const expected = COLD_START_MS + SCALE_FROM_ZERO_MS;
    expect(Math.abs(penalty - expected) / expected).toBeLessThan(0.05);
  });

  it('starts sustained sessions on their schedule (open model)', () => {
    const sustained = run.sessions
      .filter((s) => s.scenario === 'sustained')
      .sort((a, b) => a.index - b.index);
    const gaps = sustained.slice(1).map((s, i) => s.scheduledAt! - sustained[i]!.scheduledAt!);
    expect(gaps).toEqual([2000, 2000, 2000, 2000, 2000]);
    for (const s of sustained) expect(s.sentAt! - s.scheduledAt!).toBeLessThan(500);
  });

  it('samples resources from the local CloudWatch and ECS while load runs', () => {
    const { resources } = report;
    expect(resources?.cpu?.points.length).toBeGreaterThan(5);
    expect(resources?.memory?.points.every((p) => p.value > 0 && p.value <= 100)).toBe(true);
    const running = resources?.tasks?.samples.map((s) => s.running) ?? [];
    expect(Math.min(...running)).toBe(0); // the cold phase scaled the service to zero
    expect(Math.max(...running)).toBeGreaterThanOrEqual(2);
  });

  it('fails the execution with ThresholdsBreached and reports each threshold verdict', () => {
    expect(run.execution).toMatchObject({ status: 'FAILED', error: 'ThresholdsBreached' });
    expect(report.verdict).toBe('fail');
    expect(report.thresholds.map((t) => t.ok)).toEqual([true, false]);
  });
});
