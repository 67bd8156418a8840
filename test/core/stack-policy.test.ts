import { describe, expect, it } from 'vitest';
import { admitRun } from '../../core/run-admission.js';
import { globMatch, identityCovers, type StackPolicy, stackPolicyProblems } from '../../core/stack-policy.js';
import { profile } from '../fixtures/profile.js';

const POLICY: StackPolicy = {
  logGroups: ['/ecs/webordinary/edit'],
  intake: { bucket: 'webordinary-ses-emails', prefix: 'emails/' },
  siteBuckets: ['edit.*.webordinary.com'],
  ses: { identities: ['webordinary.com'], recipientDomains: ['*.webordinary.com'] },
  ecs: { cluster: 'webordinary-edit-cluster', service: 'webordinary-edit-service', maxDesiredCount: 10 },
  metricsNamespace: 'WebOrdinary/Performance',
  maxConcurrentRuns: 1,
  dailySendBudget: 100,
};

describe('stackPolicyProblems', () => {
  it('accepts a profile inside the stack', () => {
    expect(stackPolicyProblems(profile(), POLICY)).toEqual([]);
  });

  it('names every field that reaches outside', () => {
    const p = profile({ publish: { cloudwatch: true, namespace: 'AWS/Billing' } });
    const problems = stackPolicyProblems(
      {
        ...p,
        target: {
          ...p.target,
          trigger: { ...p.target.trigger, from: 'x@evil.example', to: '{userId}@evil.example' },
        },
      },
      { ...POLICY, logGroups: ['/other'], siteBuckets: ['site-*'] },
    );
    expect(problems.map((p) => p.split(':')[0])).toEqual([
      'target.stages[0].log.group',
      'target.stages[1].log.group',
      'target.stages[2].s3.bucket',
      'target.stages[3].log.group',
      'target.trigger.from',
      'target.trigger.to',
      'publish.namespace',
    ]);
  });

  it('checks the s3-eml trigger against the intake bucket and prefix', () => {
    const p = profile();
    const eml = (bucket: string, prefix: string) =>
      stackPolicyProblems(
        {
          ...p,
          target: {
            ...p.target,
            trigger: {
              type: 's3-eml',
              bucket,
              prefix,
              from: 'a@b.example',
              to: 'x@amelia.webordinary.com',
              subject: 's',
              body: '{token}',
            },
          },
        },
        POLICY,
      );
    expect(eml('webordinary-ses-emails', 'emails/bench/')).toEqual([]);
    expect(eml('other', 'emails/')).toEqual([expect.stringMatching(/^target.trigger.bucket: /)]);
    expect(eml('webordinary-ses-emails', 'inbox/')).toEqual([
      expect.stringMatching(/^target.trigger.prefix: /),
    ]);
  });

  it("refuses another ECS cluster or service, and a desired count over the stack's bound", () => {
    const p = profile({
      scenarios: [
        { type: 'coldWarm', name: 'small', cold: 1, warm: 1, desiredCount: 10 },
        { type: 'coldWarm', name: 'big', cold: 1, warm: 1, desiredCount: 11 },
      ],
    });
    expect(stackPolicyProblems(p, POLICY)).toEqual([
      "scenarios[1].desiredCount: 11 is over this stack's limit of 10 (CDK context maxDesiredCount)",
    ]);
    const foreign = { ...p, target: { ...p.target, ecs: { cluster: 'billing', service: 'api' } } };
    expect(stackPolicyProblems(foreign, POLICY).map((problem) => problem.split(':')[0])).toEqual([
      'target.ecs.cluster',
      'target.ecs.service',
      'scenarios[1].desiredCount',
    ]);
    const { ecs: _none, ...noEcs } = p.target;
    expect(stackPolicyProblems({ ...profile(), target: noEcs }, POLICY)).toEqual([]);
  });

  it('ignores the namespace when nothing is published', () => {
    expect(
      stackPolicyProblems(profile({ publish: { cloudwatch: false, namespace: 'X/Y' } }), POLICY),
    ).toEqual([]);
  });
});

describe('globMatch and identityCovers', () => {
  it('match * as any run of characters, and nothing else specially', () => {
    const cases: [string, string, boolean][] = [
      ['edit.*.webordinary.com', 'edit.amelia.webordinary.com', true],
      ['edit.*.webordinary.com', 'edit.webordinary.com', false],
      ['*.webordinary.com', 'bench.webordinary.com', true],
      ['*.webordinary.com', 'webordinary.com.evil.example', false],
      ['a*b*c', 'abc', true],
      ['a*b*c', 'acb', false],
      ['a.c', 'abc', false],
    ];
    for (const [pattern, text, expected] of cases)
      expect([pattern, text, globMatch(pattern, text)]).toEqual([pattern, text, expected]);
    expect(identityCovers('webordinary.com', 'bench@webordinary.com')).toBe(true);
    expect(identityCovers('webordinary.com', 'bench@evil-webordinary.com')).toBe(false);
    expect(identityCovers('bench@webordinary.com', 'other@webordinary.com')).toBe(false);
  });
});

describe('admitRun', () => {
  const slot = (until: number, exclusive = true) => ({ until, exclusive });
  it('admits the first run, refuses a second, and admits it once the first is stale', () => {
    const first = admitRun({}, { runId: 'a', slot: slot(1_000), maxConcurrentRuns: 1 }, 0);
    expect(first.admitted).toBe(true);
    const held = first.admitted ? first.slots : {};
    expect(admitRun(held, { runId: 'b', slot: slot(2_000), maxConcurrentRuns: 1 }, 500)).toMatchObject({
      admitted: false,
      reason: expect.stringContaining('run a is active'),
    });
    expect(admitRun(held, { runId: 'b', slot: slot(2_000), maxConcurrentRuns: 1 }, 1_000)).toEqual({
      admitted: true,
      slots: { b: slot(2_000) },
    });
  });

  it('shares the target only between runs that opted in, up to the stack limit', () => {
    const shared = { a: slot(9_000, false) };
    expect(admitRun(shared, { runId: 'b', slot: slot(9_000, false), maxConcurrentRuns: 2 }, 0).admitted).toBe(
      true,
    );
    expect(admitRun(shared, { runId: 'b', slot: slot(9_000, true), maxConcurrentRuns: 2 }, 0).admitted).toBe(
      false,
    );
    const two = { a: slot(9_000, false), b: slot(9_000, false) };
    expect(admitRun(two, { runId: 'c', slot: slot(9_000, false), maxConcurrentRuns: 2 }, 0)).toMatchObject({
      admitted: false,
      reason: expect.stringContaining('maxConcurrentRuns 2'),
    });
    expect(
      admitRun({ a: slot(9_000, true) }, { runId: 'b', slot: slot(9_000, false), maxConcurrentRuns: 5 }, 0)
        .admitted,
    ).toBe(false);
  });

  it('admits a retried Prepare of a run that holds its slot', () => {
    expect(
      admitRun({ a: slot(9_000) }, { runId: 'a', slot: slot(9_000), maxConcurrentRuns: 1 }, 0).admitted,
    ).toBe(true);
  });
});
