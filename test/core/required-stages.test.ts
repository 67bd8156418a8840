import { describe, expect, it } from 'vitest';
import { requiredStages } from '../../core/profile.js';
import type { SessionRecord } from '../../core/records.js';
import { buildReport } from '../../core/report.js';
import { validateProfile } from '../../core/validate-profile.js';
import { profile, profileInput } from '../fixtures/profile.js';

describe('scenario stages', () => {
  const p = profile({
    scenarios: [{ type: 'stages' }, { type: 'burst', sessions: 1, stages: ['done', 'pickup', 'build'] }],
  });

  it('keeps pipeline order and defaults to every stage', () => {
    expect(requiredStages(p, 'stages')).toEqual(['pickup', 'build', 'live', 'done']);
    expect(requiredStages(p, 'burst')).toEqual(['pickup', 'build', 'done']);
  });

  it('rejects a stage that does not exist', () => {
    const result = validateProfile(
      profileInput({ scenarios: [{ type: 'burst', sessions: 1, stages: ['deploy'] }] }),
    );
    expect(result.ok ? [] : result.problems).toEqual([
      'scenarios[0].stages[0]: no stage named "deploy" (stages: pickup, build, live, done)',
    ]);
  });

  it('times a session over its scenario stages, so a left-out stage is not a gap', () => {
    const session: SessionRecord = {
      runId: 'r',
      sessionId: 'burst-0000',
      scenario: 'burst',
      scenarioType: 'burst',
      index: 0,
      userId: 'u',
      token: 't',
      key: 'u',
      scheduledAt: 0,
      sentAt: 100,
      stages: { pickup: 1_000, build: 3_000, done: 4_500 },
      status: 'ok',
    };
    const report = buildReport({
      run: { runId: 'r', profile: p, startedAt: 0 },
      sessions: [session],
      taskSamples: [],
      cpu: null,
      memory: null,
      finishedAt: 5_000,
    });
    const burst = report.scenarios.find((s) => s.name === 'burst');
    expect(burst?.stages.done?.max).toBe(1_500); // done - build, not a gap for want of live
    expect(burst?.stages.live).toBeNull();
    expect(burst?.total?.max).toBe(4_500);
  });
});
