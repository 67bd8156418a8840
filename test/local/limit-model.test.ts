import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { explainLimits } from '../../core/limit-explain.js';
import { limitLoads } from '../../core/limit-steps.js';
import { parseCondition } from '../../core/thresholds.js';
import { parseProfile } from '../../core/validate-profile.js';
import { parseTargetModel } from '../../local/simulator/model.js';
import { impliedLimit, queuedJobMinMs, soloJobMaxMs } from '../support/limit-model.js';

const MODEL = parseTargetModel(JSON.parse(readFileSync('local/models/webordinary-limit.json', 'utf8')));
const PROFILE = parseProfile(JSON.parse(readFileSync('profiles/local-limit.json', 'utf8')));

describe('the fixed-pool limit model', () => {
  it('separates one job from a queued one, so its threshold implies the largest burst <= the pool as the limit', () => {
    const scenario = PROFILE.scenarios[0]!;
    if (scenario.type !== 'limit') throw new Error('expected a limit scenario');
    const threshold = parseCondition(scenario.pass.find((p) => p.metric === 'total')!.condition).value;
    expect(impliedLimit(MODEL, limitLoads(scenario).loads, threshold, 3_000)).toEqual({
      containers: 5,
      soloMaxMs: soloJobMaxMs(MODEL),
      queuedMinMs: queuedJobMinMs(MODEL),
      limit: 5,
    });
    expect(soloJobMaxMs(MODEL)).toBe(7_254);
    expect(queuedJobMinMs(MODEL)).toBe(12_260);
  });

  it('implies nothing when the threshold does not separate the two, or the pool can grow', () => {
    expect(() => impliedLimit(MODEL, [3, 6], 9_000, 3_000)).toThrow('does not separate one job');
    expect(() => impliedLimit(MODEL, [3, 6], 12_500, 3_000)).toThrow('does not separate one job');
    const scaling = {
      ...MODEL,
      ecs: { ...MODEL.ecs, scaleFromZero: { afterMs: 1_000, desiredCount: 10 } },
    };
    expect(() => impliedLimit(scaling, [3, 6], 10_500, 3_000)).toThrow('must not scale');
  });

  it('has no limit when even the first burst is larger than the pool', () => {
    expect(impliedLimit(MODEL, [6, 8], 10_500, 3_000).limit).toBeNull();
  });
});

describe('explainLimits', () => {
  it('lists the steps, their sessions, the conditions and the worst-case duration', () => {
    expect(explainLimits(PROFILE)).toEqual([
      'limit scenario limit: 4 step(s) of bursts, run in order until one fails',
      '  step 1 (limit-step1): a burst of 3 sessions',
      '  step 2 (limit-step2): a burst of 5 sessions',
      '  step 3 (limit-step3): a burst of 6 sessions',
      '  step 4 (limit-step4): a burst of 8 sessions',
      '  each step passes with success rate >= 100% and total p(95) < 10.5s; the limit is the highest step that passes',
      '  at most 22 sessions and 2m 04s if every step runs (each session sent in its SES slot and run to its timeout)',
    ]);
  });
});
