import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { profileJsonSchema } from '../../core/json-schema.js';
import { runScenarios } from '../../core/limit-steps.js';
import { observerWindowMs } from '../../core/observer-window.js';
import {
  estimateHistoryEvents,
  HISTORY_EVENT_LIMIT,
  observerNextPass,
  observerPasses,
  sendRateNotes,
} from '../../core/run-limits.js';
import { validateProfile } from '../../core/validate-profile.js';
import { EDIT_GROUP, profileInput } from '../fixtures/profile.js';

function problems(input: unknown): string[] {
  const result = validateProfile(input);
  return result.ok ? [] : result.problems;
}

describe('validateProfile', () => {
  it('accepts a complete profile and fills defaults', () => {
    const result = validateProfile(profileInput());
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.profile.target.sessionTimeoutSeconds).toBe(600);
    expect(result.profile.target.observe).toEqual({
      mode: 'push',
      intervalSeconds: 5,
      pollWindowSeconds: 60,
      settleSeconds: 10,
    });
    expect(result.profile.publish.namespace).toBe('WebOrdinary/Performance');
  });

  it.each([
    [
      'a burst of no sessions',
      { scenarios: [{ type: 'burst', sessions: 0 }] },
      'scenarios[0].sessions: must be >= 1, got 0',
    ],
    [
      'an unknown scenario type',
      { scenarios: [{ type: 'soak', sessions: 1 }] },
      'scenarios[0].type: must be one of "stages", "burst", "sustained", "coldWarm", "resources", "limit", got "soak"',
    ],
    [
      'a negative rate',
      { scenarios: [{ type: 'sustained', ratePerMinute: -5, durationMinutes: 2 }] },
      'scenarios[0].ratePerMinute: must be > 0, got -5',
    ],
    [
      'an unknown field',
      { scenarios: [{ type: 'burst', sessions: 2, size: 3 }] },
      'scenarios[0]: unknown field "size"',
    ],
    ['no scenarios', { scenarios: [] }, 'scenarios: must have >= 1 item(s), got 0'],
    [
      'a threshold on a missing stage',
      { thresholds: [{ metric: 'deploy', condition: 'p(95) < 30s' }] },
      'thresholds[0].metric: no stage or metric named "deploy"',
    ],
    [
      'a threshold on a missing scenario',
      { thresholds: [{ metric: 'total', scenario: 'soak', condition: 'p(95) < 180s' }] },
      'thresholds[0].scenario: no scenario named "soak"',
    ],
    [
      'a threshold that does not parse',
      { thresholds: [{ metric: 'total', condition: 'p95 < 3' }] },
      'thresholds[0].condition: cannot parse "p95 < 3"',
    ],
    [
      'a rate on a duration',
      { thresholds: [{ metric: 'total', condition: 'rate > 95%' }] },
      'thresholds[0].condition: rate applies only to metric "success"',
    ],
    [
      'two scenarios with one name',
      {
        scenarios: [
          { type: 'burst', sessions: 1 },
          { type: 'burst', sessions: 2 },
        ],
      },
      'scenarios[1].name: "burst" is used twice',
    ],
  ])('rejects %s', (_label, overrides, expected) => {
    const found = problems(profileInput(overrides as never));
    expect(
      found.some((p) => p.startsWith(expected)),
      `${found.join('\n')}`,
    ).toBe(true);
  });

  it('lists every problem, not just the first', () => {
    const found = problems(
      profileInput({
        scenarios: [{ type: 'burst', sessions: 0 }],
        thresholds: [{ metric: 'nope', condition: 'avg <' }],
      }),
    );
    expect(found).toHaveLength(1); // the schema fails first; cross-field checks need a parsed profile
    const crossField = problems(profileInput({ thresholds: [{ metric: 'nope', condition: 'avg <' }] }));
    expect(crossField).toHaveLength(2);
  });

  it('rejects a key whose variables of varying length stand side by side, and accepts them apart', () => {
    const withKey = (key: string) => {
      const input = profileInput();
      input.target.key = key;
      return problems(input);
    };
    expect(withKey('{scenario}{scenario}{sessionId}')).toEqual([
      'target.key: {scenario} and {scenario} stand next to each other; both vary in length, so put a literal character between them',
    ]);
    expect(withKey('{index}{userId}')).toEqual([
      expect.stringMatching(/^target.key: \{index\} and \{userId\}/),
    ]);
    expect(withKey('{scenario}-{sessionId}')).toEqual([]);
    expect(withKey('{token}{index}')).toEqual([]); // a token has a fixed length
  });

  it('rejects a stream stage with no keyed stage before it on its log group', () => {
    const input = profileInput();
    input.target.stages = [
      { name: 'build', log: { group: '/ecs/x', pattern: 'built', correlation: 'stream' } },
    ];
    expect(problems(input)[0]).toMatch(
      /^target.stages\[0\].log.correlation: "stream" needs an earlier stage/,
    );
  });

  it('rejects a rejection line on a log group whose streams are not correlated', () => {
    const input = profileInput();
    input.target.rejections = [{ group: '/ecs/other', pattern: 'Already processing a message' }];
    expect(problems(input)).toEqual([
      'target.rejections[0].group: a rejection rejects the job just picked up on its log stream, but /ecs/other has no stage with correlation "stream"',
    ]);
    input.target.rejections = [
      { group: EDIT_GROUP, pattern: 'Already processing a message', reason: 'Dropped!' },
    ];
    expect(problems(input)).toEqual([
      'target.rejections[0].reason: must be lower-case letters, digits and -, starting with a letter, got "Dropped!"',
    ]);
  });

  it('rejects a contains check when the email carries no token', () => {
    const input = profileInput();
    input.target.trigger = { ...input.target.trigger, body: 'no token here' };
    expect(problems(input)).toContainEqual(expect.stringMatching(/^target.stages\[2\].s3.check: "contains"/));
  });

  it('rejects template variables that do not exist', () => {
    const input = profileInput();
    input.target.trigger = { ...input.target.trigger, to: '{user}@amelia.webordinary.com' };
    expect(problems(input)[0]).toMatch(/^target.trigger.to: may use only/);
  });

  it('accepts a burst of 10,000 (its sessions are child executions) and says what SES pacing implies', () => {
    const input = profileInput({ scenarios: [{ type: 'burst', sessions: 10_000 }] });
    expect(problems(input)).toEqual([]);
    const profile = validateProfile(input);
    if (!profile.ok) throw new Error('expected a valid profile');
    expect(sendRateNotes(profile.profile)).toEqual([
      expect.stringMatching(/^burst: 10,000 emails at 14\/s take 12 min \(SES's default MaxSendRate/),
    ]);
    expect(estimateHistoryEvents(profile.profile).total).toBeLessThan(HISTORY_EVENT_LIMIT);
  });

  it('refuses a run whose parent history could outgrow one execution, naming the scenario sizes', () => {
    // Sequential cold sessions stay in the parent's history: each may drain for 120 checks.
    const found = problems(profileInput({ scenarios: [{ type: 'coldWarm', cold: 10, warm: 0 }] }));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(
      /^scenarios: the run could write up to \d+ execution history events \(coldWarm \d+\), over Step Functions' 25000/,
    );
  });

  it('spaces out the passes of an observer that must follow a long paced run, within the history', () => {
    // 10,000 emails at 1/s: the observer follows the sessions for about 3 hours.
    const slow = profileInput({ scenarios: [{ type: 'burst', sessions: 10_000 }] });
    slow.target.trigger = { ...slow.target.trigger, maxSendRate: 1 } as never;
    const result = validateProfile(slow);
    if (!result.ok) throw new Error(result.problems.join('; '));
    const { profile } = result;
    const scenario = runScenarios(profile)[0]!;
    const interval = profile.target.observe.intervalSeconds;
    const passes = observerPasses(profile, scenario);
    expect(estimateHistoryEvents(profile).total).toBeLessThanOrEqual(HISTORY_EVENT_LIMIT);
    // Simulate the loop to the hard deadline: it stops when its passes are spent, never later.
    const { hardMs } = observerWindowMs(profile, scenario);
    expect(hardMs).toBeGreaterThan(10_000_000);
    let elapsed = 0;
    let pass = 0;
    const waits: number[] = [];
    for (;;) {
      pass += 1;
      const next = observerNextPass(profile, scenario, pass, hardMs - elapsed);
      if (next.budgetSpent || elapsed > hardMs) break;
      waits.push(next.waitSeconds);
      elapsed += next.waitSeconds * 1000;
    }
    expect(pass).toBeLessThanOrEqual(passes);
    expect(elapsed).toBeGreaterThanOrEqual(hardMs - waits.at(-1)! * 1000);
    expect(Math.min(...waits)).toBeGreaterThan(interval);
    // A short window keeps the profile's interval.
    expect(observerNextPass(profile, scenario, 1, 10_000).waitSeconds).toBe(interval);
  });

  it('requires ECS for coldWarm and resources', () => {
    const input = profileInput({
      scenarios: [{ type: 'coldWarm', cold: 1, warm: 1 }, { type: 'resources' }],
    });
    delete input.target.ecs;
    expect(problems(input)).toEqual([
      'scenarios[0]: a coldWarm scenario needs target.ecs (cluster and service)',
      'scenarios[1]: a resources scenario needs target.ecs (cluster and service)',
    ]);
  });
});

describe('profiles/', () => {
  it.each(readdirSync('profiles').filter((f) => f.endsWith('.json')))('%s is valid', (file) => {
    expect(problems(JSON.parse(readFileSync(`profiles/${file}`, 'utf8')))).toEqual([]);
  });
});

describe('schema/profile.schema.json', () => {
  it('is the schema the code exports (run `npm run schema` after changing core/profile.ts)', () => {
    expect(JSON.parse(readFileSync('schema/profile.schema.json', 'utf8'))).toEqual(profileJsonSchema());
  });
});
