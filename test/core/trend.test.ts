import { describe, expect, it } from 'vitest';
import { renderTrendHtml } from '../../core/render-trend.js';
import { buildTrend } from '../../core/trend.js';
import { DEMO_MODEL, modelReport, slowerStep } from '../support/model-report.js';

describe('buildTrend', () => {
  const slow = slowerStep(DEMO_MODEL, 'claude', 1.5);
  // Given out of order: the trend sorts runs by start.
  const reports = [modelReport(13, slow), modelReport(11), modelReport(12), modelReport(14, slow)];

  it('orders runs by start, gives p50 / p95 per stage and scenario, and marks the change where it shows', () => {
    const trend = buildTrend(reports);
    expect(trend.runs.map((r) => r.runId)).toEqual(['model-11', 'model-12', 'model-13', 'model-14']);
    const claude = trend.series.find((s) => s.scenario === 'burst' && s.metric === 'claude')!;
    expect(claude.points).toHaveLength(4);
    expect(claude.points.every((p) => p !== null && p.n === 20 && p.p95 >= p.p50)).toBe(true);
    // The slowdown shows at run 3 (index 2), compared with run 2; not between equal runs.
    const changes = trend.series.flatMap((s) =>
      s.changes.map((c) => [s.scenario, s.metric, c.run, c.direction]),
    );
    expect(
      changes.some(
        ([, metric, run, direction]) => metric === 'claude' && run === 2 && direction === 'regression',
      ),
    ).toBe(true);
    expect(changes.filter(([, , run]) => run !== 2)).toEqual([]);
    expect(trend.warnings).toEqual([]);
  });

  it('warns when the runs come from different profiles, and renders one page without a script', () => {
    const other = { ...modelReport(15), profile: 'other' };
    const trend = buildTrend([...reports, other]);
    expect(trend.warnings).toEqual(['runs of 2 different profiles: local-all, other']);
    const html = renderTrendHtml(trend);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toContain('<script');
    expect(html).toContain('class="mark change"');
  });
});
