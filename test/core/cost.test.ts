import { describe, expect, it } from 'vitest';
import { estimateCost } from '../../core/cost.js';
import { PRICES } from '../../core/prices.js';
import { LOCAL_ALL, modelReport } from '../support/model-report.js';

describe('estimateCost', () => {
  const report = modelReport(5);

  it("counts the run's own work at the dated price table and states that the target's cost was not captured", () => {
    const cost = report.cost!;
    expect(cost).toMatchObject({
      currency: 'USD',
      region: PRICES.region,
      pricesAsOf: PRICES.asOf,
      target: null,
    });
    const emails = cost.harness.items.find((i) => i.service === 'SES')!;
    expect(emails.quantity).toBe(46);
    expect(emails.amount).toBeCloseTo(46 * 0.0001, 10);
    expect(cost.harness.total).toBeCloseTo(
      cost.harness.items.reduce((sum, i) => sum + i.amount, 0),
      12,
    );
    expect(cost.total).toBe(cost.harness.total);
    for (const item of cost.harness.items)
      expect(item.amount).toBeCloseTo(item.quantity * item.unitPrice, 12);
  });

  it('grows with the sessions a run sends', () => {
    const half = estimateCost({
      profile: LOCAL_ALL,
      sessions: report.sessions.slice(0, 23),
      startedAt: report.startedAt,
      finishedAt: report.finishedAt,
      metricRequests: 1,
      metricsRead: 0,
      target: null,
    });
    expect(half.harness.total).toBeLessThan(report.cost!.harness.total);
  });

  it("adds the target's captured cost when there is one", () => {
    const cost = estimateCost({
      profile: LOCAL_ALL,
      sessions: report.sessions,
      startedAt: report.startedAt,
      finishedAt: report.finishedAt,
      metricRequests: 1,
      metricsRead: 0,
      target: { total: 2.5, source: 'claudeCost', sessions: 46 },
    });
    expect(cost.total).toBeCloseTo(cost.harness.total + 2.5, 12);
  });
});
