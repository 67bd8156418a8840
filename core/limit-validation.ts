import { limitLoads } from './limit-steps.js';
import { type LimitScenario, MAX_LIMIT_STEPS, type Profile, scenarioName, stepName } from './profile.js';
import { parseCondition, ThresholdError } from './thresholds.js';

/** Names a step scenario may not exceed (the profile's scenario names allow 64 characters). */
const MAX_STEP_NAME = 64;

/**
 * Problems of a limit scenario that the schema alone cannot see: loads that
 * do not increase, a range that yields no step or too many, step names that
 * clash with other scenarios, and `pass` conditions that cannot be judged.
 * `metrics` are the names a condition may use (stages, total, lateness, success, captured values).
 */
export function limitProblems(
  profile: Pick<Profile, 'scenarios' | 'thresholds'>,
  metrics: ReadonlySet<string>,
): string[] {
  const problems: string[] = [];
  const names = new Set(profile.scenarios.map(scenarioName));
  profile.scenarios.forEach((scenario, i) => {
    if (scenario.type !== 'limit') return;
    const where = `scenarios[${i}]`;
    problems.push(...loadProblems(scenario, where));
    const name = scenarioName(scenario);
    const { loads } = limitLoads(scenario);
    const last = stepName(name, Math.max(1, loads.length));
    if (last.length > MAX_STEP_NAME) {
      problems.push(
        `${where}.name: its step scenarios are named "${name}-step<N>", and "${last}" is over ${MAX_STEP_NAME} characters; use a shorter name`,
      );
    }
    loads.forEach((_, j) => {
      const step = stepName(name, j + 1);
      if (names.has(step)) {
        problems.push(
          `${where}.name: step ${j + 1} runs as scenario "${step}", which another scenario is named; rename one of them`,
        );
      }
    });
    scenario.pass.forEach((condition, j) => {
      problems.push(...conditionProblems(`${where}.pass[${j}]`, condition, metrics));
    });
  });
  profile.thresholds.forEach((threshold, i) => {
    const limit = profile.scenarios.find((s) => s.type === 'limit' && scenarioName(s) === threshold.scenario);
    if (limit) {
      problems.push(
        `thresholds[${i}].scenario: "${threshold.scenario}" is a limit scenario; each of its steps is judged by its own pass conditions (scenarios[${profile.scenarios.indexOf(limit)}].pass), and its result is the limit it finds`,
      );
    }
  });
  return problems;
}

function loadProblems(scenario: LimitScenario, where: string): string[] {
  const field = 'burst' in scenario.steps ? 'burst' : 'ratePerMinute';
  const spec = 'burst' in scenario.steps ? scenario.steps.burst : scenario.steps.ratePerMinute;
  const path = `${where}.steps.${field}`;
  if (Array.isArray(spec)) {
    const problems: string[] = [];
    spec.forEach((load, j) => {
      const before = spec[j - 1];
      if (before !== undefined && load <= before)
        problems.push(`${path}[${j}]: steps must increase, got ${load} after ${before}`);
    });
    return problems;
  }
  if (spec.start > spec.ceiling)
    return [`${path}.ceiling: must be >= start (${spec.start}), got ${spec.ceiling}`];
  const count = Math.floor((spec.ceiling - spec.start) / spec.step + 1e-9) + 1;
  if (count > MAX_LIMIT_STEPS) {
    return [
      `${path}: start ${spec.start}, step ${spec.step}, ceiling ${spec.ceiling} make ${count} steps; at most ${MAX_LIMIT_STEPS} (raise step or lower ceiling)`,
    ];
  }
  return [];
}

function conditionProblems(
  where: string,
  { metric, condition }: { metric: string; condition: string },
  metrics: ReadonlySet<string>,
): string[] {
  const problems: string[] = [];
  if (!metrics.has(metric)) {
    problems.push(`${where}.metric: no stage or metric named "${metric}" (${[...metrics].join(', ')})`);
  }
  try {
    const isRate = parseCondition(condition).aggregate.kind === 'rate';
    if (isRate && metric !== 'success')
      problems.push(`${where}.condition: rate applies only to metric "success", not "${metric}"`);
    if (!isRate && metric === 'success')
      problems.push(`${where}.condition: metric "success" takes a rate condition such as "rate >= 95%"`);
  } catch (error) {
    if (!(error instanceof ThresholdError)) throw error;
    problems.push(`${where}.condition: ${error.message}`);
  }
  return problems;
}
