/**
 * Reports made cheaply from the simulator's own target model, without a
 * local run: every session of a profile's plan draws its step latencies from
 * the model (the simulator's distributions and seeded random numbers), and
 * buildReport turns the records into report.json as the report handler does.
 * What matters for statistics (the distributions, the sample sizes, the
 * stage chain, S3's whole seconds) is as in a local run; queueing under load
 * is not simulated.
 */
import { readFileSync } from 'node:fs';
import type { Profile } from '../../core/profile.js';
import type { SessionRecord } from '../../core/records.js';
import { buildReport } from '../../core/report.js';
import type { Report } from '../../core/report-model.js';
import { planRun } from '../../core/session-plan.js';
import { parseProfile } from '../../core/validate-profile.js';
import { sampleMs } from '../../local/simulator/distribution.js';
import { parseTargetModel, type TargetModel } from '../../local/simulator/model.js';
import { createRng } from '../../local/simulator/rng.js';

export const LOCAL_ALL: Profile = parseProfile(JSON.parse(readFileSync('profiles/local-all.json', 'utf8')));
export const DEMO_MODEL: TargetModel = parseTargetModel(
  JSON.parse(readFileSync('local/models/webordinary-demo.json', 'utf8')),
);

/** The model with one step's latency distribution scaled by `factor` (a target that got slower there). */
export function slowerStep(model: TargetModel, step: string, factor: number): TargetModel {
  const scale = (d: TargetModel['steps'][number]['latencyMs']) =>
    typeof d === 'number'
      ? d * factor
      : Object.fromEntries(Object.entries(d).map(([k, v]) => [k, (v as number) * factor]));
  return {
    ...model,
    steps: model.steps.map((s) =>
      s.name === step ? { ...s, latencyMs: scale(s.latencyMs) as typeof s.latencyMs } : s,
    ),
  };
}

/**
 * A report of `profile` (default local-all) drawn from `model`; `modelOf`
 * may give some scenarios a different model (a stage that slows under load).
 */
export function modelReport(
  seed: number,
  model: TargetModel = DEMO_MODEL,
  profile: Profile = LOCAL_ALL,
  modelOf: (scenario: string) => TargetModel = () => model,
): Report {
  const rng = createRng(seed);
  const runId = `model-${seed}`;
  const startedAt = Date.UTC(2026, 10, 1) + seed * 86_400_000;
  const stageNames = new Set(profile.target.stages.map((s) => s.name));
  const s3Stages = profile.target.stages.filter((s) => 's3' in s).map((s) => s.name);
  let cursor = startedAt;
  let scenarioStart = startedAt;
  let lastScenario = '';
  const sessions: SessionRecord[] = planRun(runId, profile).map((planned) => {
    if (planned.scenario !== lastScenario) {
      scenarioStart = cursor + 1_000;
      lastScenario = planned.scenario;
    }
    const model = modelOf(planned.scenario);
    // Sequential coldWarm sessions start when the one before is done.
    const scheduledAt = planned.offsetMs !== undefined ? scenarioStart + planned.offsetMs : cursor + 500;
    const sentAt = scheduledAt + sampleMs({ min: 0, max: 40 }, rng);
    let at = sentAt + sampleMs(model.intake.delayMs, rng);
    if (planned.phase === 'cold') at += sampleMs(model.ecs.coldStartMs, rng);
    const stages: Record<string, number> = {};
    for (const step of model.steps) {
      at += sampleMs(step.latencyMs, rng);
      if (stageNames.has(step.name)) stages[step.name] = at;
      if (step.name === model.site?.step)
        for (const s3 of s3Stages) stages[s3] = Math.floor(at / 1_000) * 1_000;
    }
    cursor = Math.max(cursor, at);
    return {
      runId,
      sessionId: planned.sessionId,
      scenario: planned.scenario,
      scenarioType: planned.scenarioType,
      index: planned.index,
      ...(planned.phase ? { phase: planned.phase } : {}),
      userId: planned.userId,
      token: planned.token,
      key: planned.key,
      scheduledAt,
      sentAt,
      stages,
      status: 'ok' as const,
    };
  });
  return buildReport({
    run: { runId, profile, startedAt },
    sessions,
    taskSamples: [],
    cpu: null,
    memory: null,
    finishedAt: cursor + 1_000,
  });
}
