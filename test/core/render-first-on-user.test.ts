import { describe, expect, it } from 'vitest';
import type { SessionRecord } from '../../core/records.js';
import { renderHtml } from '../../core/render-html.js';
import { renderMarkdown } from '../../core/render-markdown.js';
import { firstOnUserLine, renderText } from '../../core/render-text.js';
import { buildReport } from '../../core/report.js';
import type { Report } from '../../core/report-model.js';
import { pipelineProfile } from '../fixtures/profile.js';

function session(i: number, scenario: string, extra: Partial<SessionRecord>): SessionRecord {
  const sentAt = 1_000_000 + i * 1_000;
  return {
    runId: 'run-1',
    sessionId: `s-${i}`,
    scenario,
    scenarioType: scenario === 'burst' ? 'burst' : 'coldWarm',
    index: i,
    userId: `pool-${i % 3}`,
    token: `t${i}`,
    key: `pool-${i % 3}`,
    scheduledAt: sentAt,
    sentAt,
    stages: { received: sentAt + 100 },
    status: 'ok',
    ...extra,
  };
}

function report(pool: boolean): Report {
  const first = (value: boolean) => (pool ? { firstOnUser: value } : {});
  return buildReport({
    run: {
      runId: 'run-1',
      startedAt: 1_000_000,
      profile: pipelineProfile(['received'], {
        name: 'pool',
        scenarios: [
          { type: 'coldWarm', cold: 2, warm: 3 },
          { type: 'burst', sessions: 3 },
        ],
      }),
    },
    sessions: [
      session(0, 'coldWarm', { phase: 'cold', ...first(true) }),
      session(1, 'coldWarm', { phase: 'cold', ...first(true) }),
      session(2, 'coldWarm', { phase: 'warm', ...first(false) }),
      session(3, 'coldWarm', { phase: 'warm', ...first(false) }),
      session(4, 'coldWarm', { phase: 'warm', ...first(true) }),
      session(5, 'burst', first(false)),
      session(6, 'burst', first(false)),
      session(7, 'burst', first(false)),
    ],
    taskSamples: [],
    cpu: null,
    memory: null,
    finishedAt: 1_100_000,
  });
}

const COLD_WARM =
  'first on user: 3 of 5 (cold 2 of 2, warm 1 of 3); the others reused a user set up earlier in the run';
const BURST = 'first on user: 0 of 3; the others reused a user set up earlier in the run';

describe('which sessions were first on their user', () => {
  it('counts them per scenario, per phase for coldWarm', () => {
    expect(firstOnUserLine(report(true), 'coldWarm')).toBe(COLD_WARM);
    expect(firstOnUserLine(report(true), 'burst')).toBe(BURST);
  });

  it('shows the count under each scenario in text, Markdown and HTML', () => {
    const text = renderText(report(true));
    expect(text).toContain(`  ${COLD_WARM}`);
    expect(text).toContain(`  ${BURST}`);
    const md = renderMarkdown(report(true));
    expect(md).toContain(`Pool: ${COLD_WARM}.`);
    expect(md).toContain(`Pool: ${BURST}.`);
    const html = renderHtml(report(true));
    expect(html).toContain(`<p>Pool: ${COLD_WARM}.</p>`);
    expect(html).toContain(`<p>Pool: ${BURST}.</p>`);
  });

  it('says nothing without a user pool', () => {
    expect(firstOnUserLine(report(false), 'coldWarm')).toBeNull();
    for (const out of [renderText(report(false)), renderMarkdown(report(false)), renderHtml(report(false))])
      expect(out).not.toContain('first on user');
  });
});
