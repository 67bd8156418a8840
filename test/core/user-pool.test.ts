import { describe, expect, it } from 'vitest';
import type { ProfileInput } from '../../core/profile.js';
import { provisionPlan } from '../../core/provision-plan.js';
import { poolUsers } from '../../core/user-pool.js';
import { validateProfile } from '../../core/validate-profile.js';
import { profileInput } from '../fixtures/profile.js';

const INPUT_QUEUE = {
  name: 'webordinary-input-{projectId}-{userId}.fifo',
  attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true', VisibilityTimeout: '3600' },
};

/** The fixture with target fields replaced; its burst of 2 fits the smallest pool below. */
function withTarget(extra: Record<string, unknown>): ProfileInput {
  const base = profileInput({ scenarios: [{ type: 'burst', sessions: 2 }] });
  return { ...base, target: { ...base.target, ...extra } as ProfileInput['target'] };
}

function problems(input: unknown): string[] {
  const result = validateProfile(input);
  return result.ok ? [] : result.problems;
}

function parsed(input: unknown) {
  const result = validateProfile(input);
  if (!result.ok) throw new Error(result.problems.join('\n'));
  return result.profile;
}

describe('poolUsers', () => {
  it.each([
    [{ prefix: 'bench', count: 3 }, ['bench-1', 'bench-2', 'bench-3']],
    [{ users: ['scott', 'amy'] }, ['scott', 'amy']],
  ])('names the users of %j', (userPool, users) => {
    expect(poolUsers(parsed(withTarget({ userPool })).target)).toEqual(users);
  });

  it('has no users without a pool', () => {
    expect(poolUsers(parsed(profileInput()).target)).toEqual([]);
  });
});

describe('provisionPlan', () => {
  it('expands every queue for every pool user', () => {
    const profile = parsed(
      withTarget({
        userPool: { prefix: 'bench', count: 2 },
        provision: {
          projectId: 'bench',
          queues: [INPUT_QUEUE, { name: 'webordinary-interrupts-{projectId}-{userId}' }],
        },
      }),
    );
    expect(provisionPlan(profile.target).map((q) => [q.userId, q.name, q.attributes])).toEqual([
      ['bench-1', 'webordinary-input-bench-bench-1.fifo', INPUT_QUEUE.attributes],
      ['bench-1', 'webordinary-interrupts-bench-bench-1', {}],
      ['bench-2', 'webordinary-input-bench-bench-2.fifo', INPUT_QUEUE.attributes],
      ['bench-2', 'webordinary-interrupts-bench-bench-2', {}],
    ]);
  });
});

describe('validateProfile with a user pool', () => {
  it.each([
    [
      'an upper-case user',
      { userPool: { users: ['Scott'] } },
      'target.userPool.users[0]: must be 1 to 32 lower-case letters, digits and -',
    ],
    ['a user with a dot', { userPool: { users: ['a.b'] } }, 'target.userPool.users[0]: must be'],
    [
      'a user listed twice',
      { userPool: { users: ['a', 'b', 'a'] } },
      'target.userPool.users[2]: "a" is listed twice',
    ],
    ['an empty pool', { userPool: { prefix: 'bench', count: 0 } }, 'target.userPool'],
    [
      'provisioning without a pool',
      { provision: { projectId: 'bench', queues: [INPUT_QUEUE] } },
      'target.provision: needs target.userPool',
    ],
    [
      'an unknown template variable',
      { userPool: { users: ['a'] }, provision: { projectId: 'bench', queues: [{ name: 'q-{user}' }] } },
      'target.provision.queues[0].name: may use only {projectId} and {userId}',
    ],
    [
      'a FIFO name without FifoQueue',
      {
        userPool: { users: ['a'] },
        provision: { projectId: 'bench', queues: [{ name: 'q-{userId}.fifo' }] },
      },
      'target.provision.queues[0].attributes.FifoQueue: a queue name ending in .fifo needs FifoQueue "true"',
    ],
    [
      'a queue name that every user shares',
      {
        userPool: { users: ['a', 'b'] },
        provision: { projectId: 'bench', queues: [{ name: 'q-{projectId}' }] },
      },
      'target.provision.queues[0].name: user a (queues[0]) and user b both get the queue "q-bench"',
    ],
    [
      'a queue name too long once expanded',
      {
        userPool: { users: ['a'.repeat(32)] },
        provision: {
          projectId: 'p'.repeat(32),
          queues: [{ name: 'webordinary-input-{projectId}-{userId}' }],
        },
      },
      'is not a valid SQS queue name',
    ],
    [
      'a failure reason with a space',
      { failures: [{ group: '/g', pattern: 'x', reason: 'build failed' }] },
      'target.failures[0].reason: must be lower-case letters, digits and -',
    ],
  ])('rejects %s, naming the field', (_what, extra, expected) => {
    expect(problems(withTarget(extra)).join('\n')).toContain(expected);
  });

  it('gives a failure line the reason "failed" unless it names one', () => {
    const profile = parsed(
      withTarget({
        failures: [
          { group: '/g', pattern: 'x' },
          { group: '/g', pattern: 'y', reason: 'build' },
        ],
      }),
    );
    expect(profile.target.failures.map((f) => f.reason)).toEqual(['failed', 'build']);
  });
});

describe('a pool checked against peak concurrency', () => {
  it('refuses a pool smaller than the sessions a scenario can have in flight at once', () => {
    const input = {
      ...withTarget({ userPool: { prefix: 'bench', count: 3 } }),
      scenarios: [
        { type: 'burst', sessions: 4 },
        { type: 'sustained', ratePerMinute: 60, durationMinutes: 10, sessionTimeoutSeconds: 2 },
      ],
    };
    expect(problems(input)).toEqual([
      'target.userPool: 3 user(s), but scenario burst can have 4 sessions in flight at once, and each needs a user of its own (the same user on another thread interrupts the running job); make the pool at least 4',
    ]);
    // A sustained rate needs the arrivals within one session timeout: 60/min for 2 s is 2.
    expect(problems({ ...input, scenarios: [input.scenarios[1]] })).toEqual([]);
  });
});
