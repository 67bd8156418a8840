import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ProfileInput } from '../../core/profile.js';
import { estimateHistoryEvents } from '../../core/run-limits.js';
import { parseProfile } from '../../core/validate-profile.js';
import { type LocalRun, runLocal } from '../../local/runner/local-run.js';

/** A retry adds TaskScheduled, TaskStarted, TaskFailed to the history. */
const RETRY_EVENTS = 3;
/** How far above a run's own count its bound (its passes, drain checks and failed passes, no retries) may be. */
const TAKEN_FACTOR = 1.2;

function profile(name: string, scenarios: unknown[]): ProfileInput {
  const demo = JSON.parse(readFileSync('profiles/local-demo.json', 'utf8')) as ProfileInput;
  return {
    ...demo,
    name,
    target: { ...demo.target, sessionTimeoutSeconds: 30 },
    scenarios: scenarios as ProfileInput['scenarios'],
    thresholds: [],
    local: { model: 'test/fixtures/models/webordinary-fixed.json', seed: 5, sesMaxSendRate: 50 },
  };
}

const COLD_WARM = {
  type: 'coldWarm',
  name: 'coldWarm',
  cold: 1,
  warm: 1,
  warmGapSeconds: 0,
  desiredCount: 2,
};

/**
 * The parent's history as AWS would record it, against the worst-case estimate
 * validation uses and against the estimate of this run as it went (its own
 * observer passes, drain checks and failed passes; retries apart).
 */
function figures(input: ProfileInput, run: LocalRun) {
  const parsed = parseProfile(input);
  const { entered } = run.parentHistory;
  const taken = estimateHistoryEvents(parsed, {
    allowance: {
      retries: false,
      failedObservations: entered['Note failed observation'] ?? 0,
      drainChecks: entered['Wait for tasks to stop'] ?? 0,
    },
    observerPasses: entered['Observe sessions'] ?? 0,
  }).total;
  const { byType } = run.parentHistory;
  const retries = (byType.TaskScheduled ?? 0) - (byType.TaskStateEntered ?? 0);
  const result = {
    measured: run.parentHistory.total,
    estimate: estimateHistoryEvents(parsed).total,
    taken,
    retries,
  };
  process.stdout.write(`${input.name}: ${JSON.stringify(result)}\n`);
  return result;
}

describe('the execution history estimate against real local executions', () => {
  it('is an upper bound of the parent history of coldWarm, sustained, burst and limit scenarios, their children left out', async () => {
    const input = profile('e2e-history', [
      COLD_WARM,
      { type: 'sustained', name: 'sustained', ratePerMinute: 30, durationMinutes: 0.1 },
      { type: 'burst', name: 'burst', sessions: 3 },
      // Its first step cannot pass (no session is that fast), so the second is skipped.
      {
        type: 'limit',
        name: 'limit',
        steps: { burst: [2, 3] },
        pass: [{ metric: 'total', condition: 'p(95) < 1ms' }],
      },
    ]);
    const run = await runLocal({ profile: input });
    expect(run.execution.status).toBe('SUCCEEDED');
    const statuses = run.sessions.map((s) => s.status);
    expect(statuses.filter((s) => s === 'ok')).toHaveLength(1 + 1 + 3 + 3 + 2);
    expect(statuses.filter((s) => s === 'skipped')).toHaveLength(3);

    const { measured, estimate, taken } = figures(input, run);
    expect(measured).toBeLessThanOrEqual(estimate);
    expect(measured).toBeLessThanOrEqual(taken);
    expect(taken).toBeLessThanOrEqual(measured * TAKEN_FACTOR);

    const { entered } = run.parentHistory;
    // The inline cold and warm sessions are the parent's; the load sessions are child executions.
    expect(entered['Send cold trigger']).toBe(1);
    expect(entered['Send warm trigger']).toBe(1);
    expect(entered['Send trigger']).toBeUndefined();
    expect(entered['Wait until scheduled start']).toBeUndefined();
    expect(entered['Run each session (items read)']).toBe(3);
    expect(entered['Step skipped: the step before it did not pass']).toBe(1);
    expect(run.parentHistory.byType).toMatchObject({
      MapRunStarted: 3,
      MapRunSucceeded: 3,
      TaskSubmitted: 2,
    });
  }, 120_000);

  it('counts a retry taken in the parent: ECS throttles the scale to zero', async () => {
    const input = profile('e2e-history-retry', [COLD_WARM]);
    const run = await runLocal({
      profile: input,
      // The SDK tries each call 3 times; the fourth call is the state's retry, which succeeds.
      onLocalAws: (aws) => aws.endpoint.ecs.throttleUpdates(3),
    });
    expect(run.execution.status).toBe('SUCCEEDED');
    expect(run.sessions.map((s) => s.status)).toEqual(['ok', 'ok']);

    const { measured, estimate, taken, retries } = figures(input, run);
    expect(retries).toBe(1);
    expect(run.parentHistory.byType.TaskFailed).toBe(1);
    expect(measured).toBeLessThanOrEqual(estimate);
    expect(measured).toBeLessThanOrEqual(taken + retries * RETRY_EVENTS);
    expect(taken + retries * RETRY_EVENTS).toBeLessThanOrEqual(measured * TAKEN_FACTOR);
  }, 120_000);
});
