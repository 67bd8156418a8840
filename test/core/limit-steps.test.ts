import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  expandLimit,
  findRunScenario,
  limitLoads,
  previousStep,
  runScenarios,
} from '../../core/limit-steps.js';
import { type LimitScenario, MAX_LIMIT_STEPS, requiredStages } from '../../core/profile.js';
import { planRun } from '../../core/session-plan.js';
import { validateProfile } from '../../core/validate-profile.js';
import { profile, profileInput } from '../fixtures/profile.js';

const PASS = [{ metric: 'total', condition: 'p(95) < 30s' }];

function limit(steps: LimitScenario['steps'], extra: Partial<LimitScenario> = {}): LimitScenario {
  return { type: 'limit', name: 'find', steps, pass: PASS, ...extra };
}

describe('limitLoads', () => {
  it.each([
    { what: 'a list', steps: { burst: [5, 10, 20, 40] }, loads: [5, 10, 20, 40], unit: 'sessions' },
    {
      what: 'a range that reaches its ceiling',
      steps: { burst: { start: 5, step: 5, ceiling: 20 } },
      loads: [5, 10, 15, 20],
      unit: 'sessions',
    },
    {
      what: 'a range that stops short of its ceiling',
      steps: { burst: { start: 2, step: 4, ceiling: 12 } },
      loads: [2, 6, 10],
      unit: 'sessions',
    },
    {
      what: 'a fractional rate range (no drift past the ceiling)',
      steps: { ratePerMinute: { start: 0.1, step: 0.1, ceiling: 0.3 }, durationMinutes: 1 },
      loads: [0.1, 0.2, 0.3],
      unit: 'perMinute',
    },
    {
      what: 'a rate list',
      steps: { ratePerMinute: [6, 12], durationMinutes: 2 },
      loads: [6, 12],
      unit: 'perMinute',
    },
  ] as const)('expands $what', ({ steps, loads, unit }) => {
    expect(limitLoads(limit(steps as LimitScenario['steps']))).toEqual({ loads, unit });
  });

  it('keeps a range increasing, from start, within the ceiling, and stops only where the next step would pass it', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000 }),
        fc.integer({ min: 1, max: 500 }),
        fc.integer({ min: 0, max: 5_000 }),
        (start, step, span) => {
          const ceiling = start + span;
          const { loads } = limitLoads(limit({ burst: { start, step, ceiling } }));
          expect(loads[0]).toBe(start);
          for (let i = 1; i < loads.length; i++) expect(loads[i]! - loads[i - 1]!).toBe(step);
          expect(loads.at(-1)!).toBeLessThanOrEqual(ceiling);
          if (loads.length <= MAX_LIMIT_STEPS) expect(loads.at(-1)! + step).toBeGreaterThan(ceiling);
        },
      ),
    );
  });
});

describe('expandLimit', () => {
  it('makes one burst scenario per step, named <name>-step<N>, carrying the limit and its pass conditions', () => {
    const steps = expandLimit(limit({ burst: [5, 10] }, { sessionTimeoutSeconds: 90, stages: ['pickup'] }));
    expect(steps).toEqual([
      {
        type: 'burst',
        name: 'find-step1',
        sessions: 5,
        sessionTimeoutSeconds: 90,
        stages: ['pickup'],
        limit: { scenario: 'find', step: 1, steps: 2, load: 5, unit: 'sessions', pass: PASS },
      },
      {
        type: 'burst',
        name: 'find-step2',
        sessions: 10,
        sessionTimeoutSeconds: 90,
        stages: ['pickup'],
        limit: { scenario: 'find', step: 2, steps: 2, load: 10, unit: 'sessions', pass: PASS },
      },
    ]);
    expect(previousStep(steps[0]!)).toBeUndefined();
    expect(previousStep(steps[1]!)).toBe('find-step1');
  });

  it('makes sustained steps for rates, each for the scenario duration', () => {
    const [first] = expandLimit(limit({ ratePerMinute: [30], durationMinutes: 2 }));
    expect(first).toMatchObject({
      type: 'sustained',
      name: 'find-step1',
      ratePerMinute: 30,
      durationMinutes: 2,
    });
  });
});

describe('a profile with a limit scenario', () => {
  const p = profile({
    scenarios: [
      { type: 'stages' },
      { type: 'limit', name: 'find', stages: ['pickup', 'build'], steps: { burst: [2, 3] }, pass: PASS },
    ],
  });

  it('runs the limit scenario as its steps, in order, after the scenarios before it', () => {
    expect(runScenarios(p).map((s) => s.name ?? s.type)).toEqual(['stages', 'find-step1', 'find-step2']);
    expect(findRunScenario(p, 'find-step2')).toMatchObject({ type: 'burst', sessions: 3 });
    expect(findRunScenario(p, 'find')).toBeUndefined();
  });

  it('plans every step’s sessions, each with its own user', () => {
    const plan = planRun('run-l', p);
    expect(plan.map((s) => s.scenario)).toEqual([
      'stages',
      'find-step1',
      'find-step1',
      'find-step2',
      'find-step2',
      'find-step2',
    ]);
    expect(new Set(plan.map((s) => s.userId)).size).toBe(plan.length);
    expect(plan.filter((s) => s.scenario.startsWith('find')).every((s) => s.scenarioType === 'burst')).toBe(
      true,
    );
  });

  it('gives each step the stages its limit scenario requires', () => {
    expect(requiredStages(p, 'find-step2')).toEqual(['pickup', 'build']);
    expect(requiredStages(p, 'stages')).toEqual(['pickup', 'build', 'live', 'done']);
  });
});

describe('validating a limit scenario', () => {
  const problems = (scenario: unknown, extra: Record<string, unknown> = {}) => {
    const result = validateProfile({ ...profileInput({ scenarios: [scenario as never] }), ...extra });
    return result.ok ? [] : result.problems;
  };

  it.each([
    [
      'decreasing steps',
      { type: 'limit', steps: { burst: [5, 3] }, pass: PASS },
      'scenarios[0].steps.burst[1]: steps must increase, got 3 after 5',
    ],
    [
      'a ceiling below the start',
      { type: 'limit', steps: { burst: { start: 10, step: 5, ceiling: 5 } }, pass: PASS },
      'scenarios[0].steps.burst.ceiling: must be >= start (10), got 5',
    ],
    [
      'a range of too many steps',
      { type: 'limit', steps: { burst: { start: 1, step: 1, ceiling: 100 } }, pass: PASS },
      'scenarios[0].steps.burst: start 1, step 1, ceiling 100 make 100 steps; at most 20 (raise step or lower ceiling)',
    ],
    [
      'a rate without its duration',
      { type: 'limit', steps: { ratePerMinute: [1, 2] }, pass: PASS },
      'scenarios[0].steps.durationMinutes: is required (number)',
    ],
    [
      'no pass condition',
      { type: 'limit', steps: { burst: [1] }, pass: [] },
      'scenarios[0].pass: must have >= 1 item(s), got 0',
    ],
    [
      'an unknown metric',
      { type: 'limit', steps: { burst: [1] }, pass: [{ metric: 'totl', condition: 'p(95) < 1s' }] },
      'scenarios[0].pass[0].metric: no stage or metric named "totl"',
    ],
    [
      'a rate on a duration metric',
      { type: 'limit', steps: { burst: [1] }, pass: [{ metric: 'total', condition: 'rate > 5%' }] },
      'scenarios[0].pass[0].condition: rate applies only to metric "success", not "total"',
    ],
    [
      'an unparsable condition',
      { type: 'limit', steps: { burst: [1] }, pass: [{ metric: 'total', condition: 'fast' }] },
      'scenarios[0].pass[0].condition: cannot parse "fast"',
    ],
    [
      'a name too long for its step names',
      { type: 'limit', name: `l${'x'.repeat(60)}`, steps: { burst: [1, 2] }, pass: PASS },
      'scenarios[0].name: its step scenarios are named',
    ],
  ])('refuses %s, naming the field', (_, scenario, expected) => {
    expect(problems(scenario).join('\n')).toContain(expected);
  });

  it('refuses a step name another scenario already has, and a threshold scoped to the limit scenario', () => {
    const result = validateProfile(
      profileInput({
        scenarios: [
          { type: 'limit', name: 'find', steps: { burst: [1, 2] }, pass: PASS },
          { type: 'burst', name: 'find-step2', sessions: 1 },
        ],
        thresholds: [{ metric: 'total', scenario: 'find', condition: 'p(95) < 9s' }],
      }),
    );
    expect(result.ok ? [] : result.problems).toEqual([
      'scenarios[0].name: step 2 runs as scenario "find-step2", which another scenario is named; rename one of them',
      'thresholds[0].scenario: "find" is a limit scenario; each of its steps is judged by its own pass conditions (scenarios[0].pass), and its result is the limit it finds',
    ]);
  });

  it('accepts list and range forms', () => {
    expect(
      problems({ type: 'limit', steps: { burst: { start: 5, step: 5, ceiling: 40 } }, pass: PASS }),
    ).toEqual([]);
    expect(
      problems({
        type: 'limit',
        steps: { ratePerMinute: [6, 12, 24], durationMinutes: 1 },
        pass: [{ metric: 'success', condition: 'rate >= 95%' }],
      }),
    ).toEqual([]);
  });
});
