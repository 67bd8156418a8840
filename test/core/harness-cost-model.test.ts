import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { ABSENT, type AslGraph, walk } from '../../core/asl-walk.js';
import { predictHarnessCost, type WorkflowShape } from '../../core/harness-cost-model.js';
import { priceUsage } from '../../core/harness-usage.js';
import { PRICE_TABLE, PRICES } from '../../core/prices.js';
import { parseProfile } from '../../core/validate-profile.js';
import { renderDefinition } from '../../local/render-definition.js';

const DEMO = JSON.parse(readFileSync('profiles/local-demo.json', 'utf8'));

function profile(scenarios: unknown[], trigger: Record<string, unknown> = {}) {
  return parseProfile({
    ...DEMO,
    target: { ...DEMO.target, trigger: { ...DEMO.target.trigger, ...trigger } },
    scenarios,
  });
}

describe('walk', () => {
  const graph: AslGraph = {
    StartAt: 'Send',
    States: {
      Send: {
        Type: 'Task',
        Resource: 'arn:aws:states:::lambda:invoke',
        Parameters: { FunctionName: 'f' },
        Next: 'Later?',
      },
      'Later?': {
        Type: 'Choice',
        Choices: [{ Variable: '$.retryAt', IsString: true, Next: 'Wait' }],
        Default: 'Done',
      },
      Wait: { Type: 'Wait', Next: 'Send' },
      Done: { Type: 'Succeed' },
    },
  };
  const functionOf = () => 'f';

  it('follows the Choice rules against the facts, visit by visit', () => {
    const twice = walk(graph, { functionOf, facts: { '$.retryAt': (visit) => (visit < 2 ? 'soon' : null) } });
    expect(twice.states).toEqual([
      'Send',
      'Later?',
      'Wait',
      'Send',
      'Later?',
      'Wait',
      'Send',
      'Later?',
      'Done',
    ]);
    expect(twice.lambda).toEqual({ f: 3 });
    const absent = walk(graph, { functionOf, facts: { '$.retryAt': () => ABSENT } });
    expect(absent.states).toEqual(['Send', 'Later?', 'Done']);
  });

  it('refuses a Choice on a variable the facts do not know, and a loop that never ends', () => {
    expect(() => walk(graph, { functionOf, facts: {} })).toThrow(
      /tests \$\.retryAt, which the cost model does not know/,
    );
    expect(() => walk(graph, { functionOf, facts: { '$.retryAt': () => 'always' }, maxSteps: 50 })).toThrow(
      /did not end within 50 states/,
    );
  });
});

describe('predictHarnessCost', () => {
  let shape: WorkflowShape;
  beforeAll(() => {
    const rendered = renderDefinition();
    shape = {
      definition: rendered.deployed as unknown as AslGraph,
      handlerOf: rendered.handlerOf,
      memoryMiB: rendered.memoryMiB,
    };
  });

  it('prices every quantity at the one dated table, and sums its lines', () => {
    const prediction = predictHarnessCost(profile([{ type: 'burst', name: 'b', sessions: 100 }]), shape);
    expect(prediction).toMatchObject({ region: 'us-east-1', pricesAsOf: PRICE_TABLE.asOf, currency: 'USD' });
    expect(prediction.total).toBeCloseTo(
      prediction.items.reduce((sum, i) => sum + i.amount, 0),
      12,
    );
    expect(prediction.items).toEqual(priceUsage(prediction.usage, shape.memoryMiB));
    const ses = prediction.items.find((i) => i.service === 'SES');
    expect(ses).toMatchObject({ quantity: 100, unitPrice: PRICES.sesPerEmail });
    expect(prediction.perThousandSessions).toBeCloseTo((prediction.total / 100) * 1_000, 12);
  });

  it('grows linearly with the sessions of an unpaced burst (the observer aside)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3_000 }), fc.integer({ min: 1, max: 3_000 }), (a, b) => {
        // An s3-eml trigger is not paced; the observer's passes depend on the session timeout only.
        const s3 = { type: 's3-eml', bucket: 'intake', prefix: 'in/' };
        const eml = (n: number) =>
          parseProfile({
            ...DEMO,
            target: {
              ...DEMO.target,
              trigger: {
                ...s3,
                from: DEMO.target.trigger.from,
                to: DEMO.target.trigger.to,
                subject: DEMO.target.trigger.subject,
                body: DEMO.target.trigger.body,
              },
            },
            scenarios: [{ type: 'burst', name: 'b', sessions: n }],
          });
        const one = predictHarnessCost(eml(1), shape);
        const pa = predictHarnessCost(eml(a), shape);
        const pb = predictHarnessCost(eml(b), shape);
        const perSession = (pa.usage.transitions - one.usage.transitions) / (a - 1 || 1);
        if (a > 1) expect(perSession).toBe(5);
        expect(pb.usage.transitions - pa.usage.transitions).toBe(5 * (b - a));
        expect(pb.usage.lambda.trigger?.invocations).toBe(b);
        expect(pb.usage.s3Puts - pa.usage.s3Puts).toBe(b - a);
      }),
      { numRuns: 25 },
    );
  });

  it('costs more with slower pacing: every session past the margin takes the send-slot loop', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 13 }), fc.integer({ min: 30, max: 2_000 }), (rate, sessions) => {
        const burst = [{ type: 'burst', name: 'b', sessions }];
        const slow = predictHarnessCost(profile(burst, { maxSendRate: rate }), shape);
        const fast = predictHarnessCost(profile(burst, { maxSendRate: 14 }), shape);
        expect(slow.scenarios[0]?.pacedSessions).toBeGreaterThan(fast.scenarios[0]?.pacedSessions ?? 0);
        expect(slow.usage.transitions).toBeGreaterThan(fast.usage.transitions);
        expect(slow.total).toBeGreaterThan(fast.total);
      }),
      { numRuns: 20 },
    );
  });

  it("assumes sessions last as long as the profile's total threshold allows, else their timeout", () => {
    const withThreshold = predictHarnessCost(profile([{ type: 'burst', name: 'b', sessions: 20 }]), shape);
    const without = predictHarnessCost(
      parseProfile({ ...DEMO, thresholds: [], scenarios: [{ type: 'burst', name: 'b', sessions: 20 }] }),
      shape,
    );
    // local-demo: p(95) < 30s, interval 1 s, timeout 60 s; window = 2 s lead + 20/14 s pacing + the session.
    expect(withThreshold.scenarios[0]?.observerPasses).toBe(Math.ceil(2 + 20 / 14 + 30) + 1);
    expect(without.scenarios[0]?.observerPasses).toBe(Math.ceil(2 + 20 / 14 + 60) + 1);
  });

  it('holds the target of $0.50 per 1,000 sessions for a burst of 1,000 and of 10,000', () => {
    for (const sessions of [1_000, 10_000]) {
      const prediction = predictHarnessCost(profile([{ type: 'burst', name: 'b', sessions }]), shape);
      expect(prediction.perThousandSessions).toBeLessThan(0.5);
    }
  });
});
