import { stageChanges } from './bottlenecks.js';
import type { LimitUnit } from './limit-steps.js';
import { runScenarios } from './limit-steps.js';
import { percentile, sortValues } from './percentiles.js';
import type { Profile, StepCondition } from './profile.js';
import type { SessionReport, StageInfo, ThresholdReport } from './report-model.js';
import { metricValues } from './report-values.js';
import { evaluateThreshold } from './threshold-verdict.js';

/**
 * A limit scenario's result (report.json `limits`): every step's figures and
 * verdict, the measured limit (the highest load such that it and every step
 * before it passed), and the stage that degraded most from the first step to
 * the step that broke. All computed from the sessions in report.json.
 */
export interface LimitReport {
  readonly scenario: string;
  readonly unit: LimitUnit;
  readonly pass: readonly StepCondition[];
  /** The highest passing load; null when the first step failed (or none ran). */
  readonly limit: number | null;
  /** `failure`: a step failed; `ceiling`: every step passed; `incomplete`: a step neither passed nor failed (not run, or no sessions yet). */
  readonly stoppedBy: 'failure' | 'ceiling' | 'incomplete';
  /** The step that failed first (1-based), or null. */
  readonly brokeAt: number | null;
  /** The stage that degraded most from the first step to the breaking step (or the last one run). */
  readonly degraded: DegradedStage | null;
  readonly steps: readonly LimitStepReport[];
}

export interface LimitStepReport {
  readonly step: number;
  /** The step's scenario name (`<limit>-step<N>`). */
  readonly name: string;
  readonly load: number;
  /** `notRun`: skipped because an earlier step failed (its sessions were never sent). */
  readonly verdict: 'pass' | 'fail' | 'notRun';
  readonly planned: number;
  readonly ok: number;
  /** ok / planned; null when not run. */
  readonly successRate: number | null;
  readonly total: { readonly n: number; readonly p50: number | null; readonly p95: number | null };
  /** Each pass condition checked against the step's sessions (empty when not run). */
  readonly checks: readonly ThresholdReport[];
}

export interface DegradedStage {
  readonly stage: string;
  readonly fromStep: number;
  readonly toStep: number;
  readonly from: StageFigures;
  readonly to: StageFigures;
  /** to.p95 - from.p95 (ms): what the rankings are by. */
  readonly addedP95: number;
  /** to.p95 / from.p95; null when from.p95 is not positive. */
  readonly ratioP95: number | null;
  /** The p50 change is credible (rank test, Holm-adjusted, as core/bottlenecks.ts judges a bottleneck). */
  readonly credible: boolean;
}

export interface StageFigures {
  readonly n: number;
  readonly p50: number | null;
  readonly p95: number | null;
}

export interface StepJudgement {
  readonly ok: boolean;
  readonly checks: readonly ThresholdReport[];
}

/** Judges one step's sessions by the limit scenario's pass conditions; no data fails, as for thresholds. */
export function judgeStep(
  name: string,
  pass: readonly StepCondition[],
  sessions: readonly SessionReport[],
): StepJudgement {
  const ok = sessions.filter((s) => s.status === 'ok').length;
  const checks = pass.map((condition) =>
    evaluateThreshold(
      { ...condition, scenario: name },
      { values: (metric) => metricValues(sessions, metric), ok, planned: sessions.length },
    ),
  );
  return { ok: checks.every((c) => c.ok), checks };
}

/** The limit reports of a run: `sessions` are the report's (skipped ones left out), `skipped` counts each step's skipped sessions. */
export function limitReports(
  profile: Pick<Profile, 'scenarios'>,
  sessions: readonly SessionReport[],
  skipped: ReadonlyMap<string, number>,
  stageInfo: readonly StageInfo[],
): LimitReport[] {
  const byLimit = new Map<string, ReturnType<typeof runScenarios>>();
  for (const scenario of runScenarios(profile)) {
    if (!scenario.limit) continue;
    byLimit.set(scenario.limit.scenario, [...(byLimit.get(scenario.limit.scenario) ?? []), scenario]);
  }
  const stages = stageInfo.filter((s) => s.measuredFrom === 'previous').map((s) => s.name);
  return [...byLimit].map(([name, steps]) => {
    const first = steps[0]?.limit;
    const ownOf = (step: string) => sessions.filter((s) => s.scenario === step);
    const reports = steps.map((scenario): LimitStepReport => {
      const step = scenario.limit!;
      const stepName = scenario.name ?? '';
      const own = ownOf(stepName);
      const total = sortValues(metricValues(own, 'total'));
      const figures = {
        step: step.step,
        name: stepName,
        load: step.load,
        total: {
          n: total.length,
          p50: total.length > 0 ? percentile(total, 50) : null,
          p95: total.length > 0 ? percentile(total, 95) : null,
        },
      };
      // Skipped, or never started (a run cut short before it): not run, never a failure.
      const notRun = own.every((s) => s.status === 'planned') || (skipped.get(stepName) ?? 0) > 0;
      if (notRun) {
        return {
          ...figures,
          verdict: 'notRun',
          planned: own.length + (skipped.get(stepName) ?? 0),
          ok: 0,
          successRate: null,
          checks: [],
        };
      }
      const judged = judgeStep(stepName, step.pass, own);
      const ok = own.filter((s) => s.status === 'ok').length;
      return {
        ...figures,
        verdict: judged.ok ? 'pass' : 'fail',
        planned: own.length,
        ok,
        successRate: ok / own.length,
        checks: judged.checks,
      };
    });
    const firstNotPass = reports.find((r) => r.verdict !== 'pass');
    const passed = firstNotPass ? reports.slice(0, reports.indexOf(firstNotPass)) : reports;
    const broke = reports.find((r) => r.verdict === 'fail');
    const lastRun = [...reports].reverse().find((r) => r.verdict !== 'notRun');
    const target = broke ?? lastRun;
    return {
      scenario: name,
      unit: first?.unit ?? 'sessions',
      pass: first?.pass ?? [],
      limit: passed.at(-1)?.load ?? null,
      stoppedBy: firstNotPass ? (firstNotPass.verdict === 'fail' ? 'failure' : 'incomplete') : 'ceiling',
      brokeAt: broke?.step ?? null,
      degraded:
        reports[0] && target && target.step > 1 && reports[0].verdict !== 'notRun'
          ? degradedStage(ownOf(reports[0].name), ownOf(target.name), stages, reports[0].step, target.step)
          : null,
      steps: reports,
    };
  });
}

/** The stage whose p95 grew most (ms) from the first step to the breaking one; null when no stage has figures on both. */
export function degradedStage(
  from: readonly SessionReport[],
  to: readonly SessionReport[],
  stages: readonly string[],
  fromStep: number,
  toStep: number,
): DegradedStage | null {
  const changes = stageChanges(from, to, stages);
  const figures = (sessions: readonly SessionReport[], stage: string): StageFigures => {
    const values = sortValues(metricValues(sessions, stage));
    return {
      n: values.length,
      p50: values.length > 0 ? percentile(values, 50) : null,
      p95: values.length > 0 ? percentile(values, 95) : null,
    };
  };
  let best: DegradedStage | null = null;
  for (const stage of stages) {
    const a = figures(from, stage);
    const b = figures(to, stage);
    if (a.p95 === null || b.p95 === null) continue;
    const addedP95 = b.p95 - a.p95;
    if (best && addedP95 <= best.addedP95) continue;
    best = {
      stage,
      fromStep,
      toStep,
      from: a,
      to: b,
      addedP95,
      ratioP95: a.p95 > 0 ? b.p95 / a.p95 : null,
      credible: changes.find((c) => c.stage === stage)?.slower ?? false,
    };
  }
  return best;
}
