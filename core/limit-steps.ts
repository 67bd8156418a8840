import {
  type LimitScenario,
  MAX_LIMIT_STEPS,
  type Profile,
  type Scenario,
  type StepCondition,
  scenarioName,
  stepName,
} from './profile.js';

/**
 * A limit scenario runs as ordered step scenarios, each an ordinary burst (or
 * sustained rate) named `<name>-step<N>`. Prepare plans every step's sessions;
 * Start scenario skips a step when the step before it failed its conditions
 * or was skipped itself (lambdas/shared/limit-gate.ts), so the run stops at
 * the first failing step or at the ceiling.
 */

/** What a step scenario knows of the limit scenario it belongs to. */
export interface LimitStep {
  /** The limit scenario's name. */
  readonly scenario: string;
  /** 1-based position of the step. */
  readonly step: number;
  readonly steps: number;
  /** The step's load: burst size, or arrivals per minute. */
  readonly load: number;
  readonly unit: LimitUnit;
  readonly pass: readonly StepCondition[];
}

export type LimitUnit = 'sessions' | 'perMinute';

type PlainScenario = Exclude<Scenario, LimitScenario>;
/** A scenario as the run executes it: a profile scenario, or one step of a limit scenario. */
export type RunScenario = PlainScenario & { readonly limit?: LimitStep };

/** The loads a limit scenario steps through, in order (a range ends at its ceiling, included when reached exactly). */
export function limitLoads(scenario: LimitScenario): { loads: number[]; unit: LimitUnit } {
  const unit: LimitUnit = 'burst' in scenario.steps ? 'sessions' : 'perMinute';
  const spec = 'burst' in scenario.steps ? scenario.steps.burst : scenario.steps.ratePerMinute;
  if (Array.isArray(spec)) return { loads: [...spec], unit };
  const loads: number[] = [];
  // Counting steps rather than adding keeps a fractional rate from drifting past its ceiling.
  for (let i = 0; i <= MAX_LIMIT_STEPS; i++) {
    const load = roundLoad(spec.start + i * spec.step);
    if (load > spec.ceiling + 1e-9) break;
    loads.push(load);
  }
  return { loads, unit };
}

function roundLoad(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/** The limit scenario's steps as the scenarios the run executes. */
export function expandLimit(scenario: LimitScenario): RunScenario[] {
  const name = scenarioName(scenario);
  const { loads, unit } = limitLoads(scenario);
  const base = {
    ...(scenario.sessionTimeoutSeconds !== undefined
      ? { sessionTimeoutSeconds: scenario.sessionTimeoutSeconds }
      : {}),
    ...(scenario.stages !== undefined ? { stages: scenario.stages } : {}),
  };
  return loads.map((load, i) => {
    const limit: LimitStep = {
      scenario: name,
      step: i + 1,
      steps: loads.length,
      load,
      unit,
      pass: scenario.pass,
    };
    const stepped = { ...base, name: stepName(name, i + 1), limit };
    return 'burst' in scenario.steps
      ? { type: 'burst' as const, ...stepped, sessions: load }
      : {
          type: 'sustained' as const,
          ...stepped,
          ratePerMinute: load,
          durationMinutes: scenario.steps.durationMinutes,
        };
  });
}

/** The profile's scenarios in run order, each limit scenario replaced by its steps. */
export function runScenarios(profile: Pick<Profile, 'scenarios'>): RunScenario[] {
  return profile.scenarios.flatMap((s) => (s.type === 'limit' ? expandLimit(s) : [s]));
}

/** The run scenario of that name (a profile scenario or a limit step). */
export function findRunScenario(profile: Pick<Profile, 'scenarios'>, name: string): RunScenario | undefined {
  return runScenarios(profile).find((s) => scenarioName(s) === name);
}

/** The step before this one in its limit scenario, or undefined for a first step or a plain scenario. */
export function previousStep(scenario: RunScenario): string | undefined {
  const { limit } = scenario;
  return limit && limit.step > 1 ? stepName(limit.scenario, limit.step - 1) : undefined;
}
