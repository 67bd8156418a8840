import { describe, expect, it } from 'vitest';
import { historyEventModel, WORST_CASE } from '../../core/history-events.js';

const NONE = { retries: false, failedObservations: 0, drainChecks: 0 };

describe('historyEventModel', () => {
  it.each([
    // ExecutionStarted, Prepare (5), scenario Map (4), settle wait, report (5), restored?, verdict, end, ExecutionSucceeded.
    ['run', 1 + 5 + 4 + 2 + 5 + 3 * 2 + 1],
    // Iteration (2), Start scenario (5), type choice.
    ['scenario', 2 + 5 + 2],
    // Parallel (5), cold/warm choice, Distributed Map (6), changed?, failed?, end.
    ['load', 5 + 2 + 6 + 3 * 2],
    // Trigger (5), slot choice, slot wait, trigger again (5), choice, callback (6: TaskSubmitted), record (5).
    ['warmSession', 2 + 2 + (5 + 2 + 2 + 5 + 2 + 6 + 5)],
    ['coldSession', 2 + 5 + 2 + 5 + 2 + 2 + 5 + (5 + 2 + 2 + 5 + 2 + 6 + 5)],
    ['observer', 2 + 2],
    ['observation', 5 + 2 + 2],
  ] as const)('counts %s as %i events when nothing is retried', (part, events) => {
    expect(historyEventModel(NONE)[part]).toBe(events);
  });

  it('counts every retry in the worst case: 3 events per retried attempt', () => {
    const worst = historyEventModel(WORST_CASE);
    const lambda = 5 + 3 * 12;
    const trigger = lambda + 3 * 12;
    const callback = 6 + 3 * 12;
    expect(worst.warmSession).toBe(2 + 2 + (trigger + 2 + 2 + trigger + 2 + callback + lambda));
    expect(worst.observation).toBe(lambda + 3 * 3 + 2 + 2);
    // 30 failed passes: Observe with its retries, note, choice, wait.
    expect(worst.observer).toBe(2 + 30 * (lambda + 3 * 3 + 3 * 2) + 2);
    const ecs = 5 + 3 * 5;
    const drain = 120 * (ecs + 3 * 2);
    expect(worst.coldSession - worst.warmSession).toBe(ecs + 2 + drain + ecs + 2 + 2 + ecs - 2);
  });
});
