import { describe, expect, it } from 'vitest';
import { type LeftChange, restoreOrder, unrestoredCause } from '../../core/unrestored-changes.js';

const change = (over: Partial<LeftChange> = {}): LeftChange => ({
  kind: 'ecsDesiredCount',
  resource: 'cluster/svc',
  scenario: 'coldWarm',
  before: 4,
  after: 0,
  restored: false,
  ...over,
});

describe('restoreOrder', () => {
  it('puts the newest change first and leaves its input alone', () => {
    const changes = [{ recordedAt: 1 }, { recordedAt: 3 }, { recordedAt: 2 }];
    expect(restoreOrder(changes).map((c) => c.recordedAt)).toEqual([3, 2, 1]);
    expect(changes.map((c) => c.recordedAt)).toEqual([1, 3, 2]);
  });
});

describe('unrestoredCause', () => {
  it.each([
    [
      'the caught error of its attempt',
      change(),
      [
        {
          resource: 'cluster/svc',
          scenario: 'coldWarm',
          error: { Error: 'Ecs.AccessDeniedException', Cause: 'denied' },
        },
      ],
      'could not be set back to 4: Ecs.AccessDeniedException: denied',
    ],
    [
      'that no attempt failed (it was set back but not marked)',
      change(),
      [{}],
      'could not be set back to 4: it is still recorded as not restored',
    ],
    [
      "another scenario's error does not count",
      change(),
      [{ resource: 'cluster/svc', scenario: 'other', error: { Error: 'X' } }],
      'it is still recorded as not restored',
    ],
    [
      'a kind it cannot set back',
      change({ kind: 'other' as LeftChange['kind'] }),
      [],
      'a change of kind other cannot be set back automatically',
    ],
  ])('names %s', (_what, left, attempts, expected) => {
    const cause = unrestoredCause('run-1', [left], attempts);
    expect(cause).toContain('run run-1 left 1 change(s) on the target: ');
    expect(cause).toContain(`of cluster/svc (scenario ${left.scenario}) `);
    expect(cause).toContain(expected);
  });
});
