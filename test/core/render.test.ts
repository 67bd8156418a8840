import { describe, expect, it } from 'vitest';
import type { Profile } from '../../core/profile.js';
import type { SessionRecord } from '../../core/records.js';
import { renderHtml } from '../../core/render-html.js';
import { escapeMarkdown, renderMarkdown } from '../../core/render-markdown.js';
import { formatDuration, formatElapsed, renderText, summaryLine, topErrors } from '../../core/render-text.js';
import { buildReport } from '../../core/report.js';
import type { Report } from '../../core/report-model.js';
import { pipelineProfile } from '../fixtures/profile.js';

const EVIL = '<script>alert("x")</script>';

function profile(thresholds: Profile['thresholds']): Profile {
  return pipelineProfile(['received', 'deployed'], {
    name: 'render-test',
    scenarios: [
      { type: 'burst', sessions: 4 },
      { type: 'coldWarm', cold: 1, warm: 1 },
      { type: 'resources' },
    ],
    thresholds,
  });
}

function session(
  i: number,
  scenario: string,
  segments: [number, number] | null,
  extra: Partial<SessionRecord> = {},
): SessionRecord {
  const sentAt = 1_000_000 + i * 1_000;
  return {
    runId: EVIL,
    sessionId: `session-${i}`,
    scenario,
    scenarioType: scenario === 'burst' ? 'burst' : 'coldWarm',
    index: i,
    userId: `bench-${i}`,
    token: `t${i}`,
    key: `bench-${i}`,
    scheduledAt: sentAt - 20,
    sentAt,
    stages: segments ? { received: sentAt + segments[0], deployed: sentAt + segments[0] + segments[1] } : {},
    status: segments ? 'ok' : 'failed',
    ...extra,
  };
}

function report(): Report {
  return buildReport({
    run: {
      runId: EVIL,
      startedAt: 1_000_000,
      profile: profile([
        { metric: 'total', condition: 'p(95) < 60s' },
        { metric: 'success', scenario: 'burst', condition: 'rate > 95%' },
      ]),
    },
    sessions: [
      session(0, 'burst', [250, 1_500]),
      session(1, 'burst', [300, 1_600]),
      session(2, 'burst', [350, 1_700]),
      session(3, 'burst', null, { error: EVIL }),
      session(4, 'coldWarm', [42_000, 1_500], { phase: 'cold' }),
      session(5, 'coldWarm', [2_000, 1_500], { phase: 'warm' }),
    ],
    taskSamples: [
      { at: 1_000_000, running: 1, desired: 2, pending: 1 },
      { at: 1_005_000, running: 2, desired: 2, pending: 0 },
    ],
    cpu: {
      name: 'CPUUtilization',
      unit: 'Percent',
      points: [
        { at: 1_000_000, value: 12.5 },
        { at: 1_060_000, value: 47.25 },
      ],
    },
    memory: null,
    finishedAt: 1_000_000 + 754_000,
  });
}

describe('formatDuration', () => {
  it.each([
    [null, '–'],
    [0, '0 ms'],
    [-0.2, '0 ms'],
    [999.4, '999 ms'],
    [999.6, '1.00 s'],
    [1_234, '1.23 s'],
    [-1_500, '-1.50 s'],
    [12_345, '12.3 s'],
    [185_000, '185.0 s'],
  ])('formats %s ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});

describe('formatElapsed', () => {
  it.each([
    [42_500, '42.5 s'],
    [754_000, '12m 34s'],
    [3_723_000, '1h 02m 03s'],
  ])('formats %i ms as %s', (ms, text) => {
    expect(formatElapsed(ms)).toBe(text);
  });
});

describe('renderText', () => {
  it('shows the header, session counts, stage figures, phases, resources and thresholds', () => {
    const text = renderText(report());
    expect(text).toContain('profile render-test');
    expect(text).toContain('(12m 34s) · verdict FAIL');
    expect(text).toContain('4 planned · 3 ok · 1 failed · 0 timed out · success 75.0%');
    expect(text).toMatch(/received\s+3\s+250 ms\s+300 ms\s+350 ms\s+350 ms\s+350 ms\s+350 ms\s+300 ms/);
    expect(text).toMatch(/total\s+3\s+1.77 s\s+1.92 s/);
    expect(text).toMatch(/received\s+1\s+42.0 s\s+42.0 s\s+1\s+2.00 s\s+2.00 s\s+100%/);
    expect(text).toMatch(/CPUUtilization\s+Percent\s+29.9\s+47.3\s+2$/m);
    expect(text).toMatch(/running tasks\s+Count\s+1.5\s+2.0\s+2/);
    expect(text).toMatch(/✓\s+total\s+all sessions\s+p\(95\) < 60s\s+43.5 s\s+5/);
    expect(text).toMatch(/✗\s+success\s+burst\s+rate > 95%\s+75.0%\s+4/);
    expect(text).toContain(`1× failed: ${EVIL}`);
  });

  it('aligns the columns of a table', () => {
    const lines = renderText(report()).split('\n');
    const header = lines.find((l) => l.includes('stage') && l.includes('mean'))!;
    const total = lines.find((l) => l.trimStart().startsWith('total') && l.includes('1.77 s'))!;
    expect(total.indexOf('1.77 s') + '1.77 s'.length).toBe(header.indexOf('min') + 'min'.length);
  });

  it('uses ANSI colour only when asked', () => {
    expect(renderText(report())).not.toContain('\x1b[');
    expect(renderText(report(), { color: true })).toContain('\x1b[1;31mFAIL\x1b[0m');
  });
});

describe('topErrors', () => {
  it('groups reasons on one printable line, most frequent first', () => {
    const base = report();
    const failed = base.sessions.find((s) => s.status === 'failed')!;
    const sessions = [
      ...base.sessions,
      {
        ...failed,
        sessionId: 'a',
        status: 'timedOut' as const,
        error: 'States.Timeout\x1b[31m\nafter 600 s',
      },
      {
        ...failed,
        sessionId: 'b',
        status: 'timedOut' as const,
        error: 'States.Timeout\x1b[31m\nafter 600 s',
      },
    ];
    expect(topErrors({ ...base, sessions }, 'burst')).toEqual([
      { reason: 'timedOut: States.Timeout[31m after 600 s', count: 2 },
      { reason: `failed: ${EVIL}`, count: 1 },
    ]);
  });
});

describe('summaryLine', () => {
  it('names each breached threshold with its actual value', () => {
    expect(summaryLine(report())).toBe(
      'FAIL: 1 of 2 threshold(s) breached: success rate > 95% [burst] got 75.0%; 5 of 6 sessions ok',
    );
  });
});

describe('renderMarkdown', () => {
  it('renders the figures as GitHub tables', () => {
    const md = renderMarkdown(report());
    expect(md).toContain('**Verdict: ❌ FAIL**');
    expect(md).toContain('| received | 3 | 250 ms | 300 ms | 350 ms | 350 ms | 350 ms | 350 ms | 300 ms |');
    expect(md).toContain(
      '| stage | cold n | cold p50 | cold p95 | warm n | warm p50 | warm p95 | cold-start share |',
    );
    expect(md).toContain('| ✗ | success | burst | rate &gt; 95% | 75.0% | 4 |');
    expect(md).toMatch(/\| --- \| ---: \|/);
  });

  it('escapes raw HTML and column breaks', () => {
    expect(renderMarkdown(report())).not.toContain('<script>');
    expect(escapeMarkdown('a|b <i>')).toBe('a\\|b &lt;i&gt;');
  });
});

describe('renderHtml', () => {
  it('is one self-contained document with the figures, charts and thresholds', () => {
    const html = renderHtml(report());
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<td class="n">1.92 s</td>');
    expect(html).toContain('<span class="badge fail">FAIL</span>');
    expect(html).toContain('Latency distribution');
    expect(html).toContain('aria-label="Session timeline"');
    expect(html).toContain('aria-label="CPUUtilization (Percent) over the run"');
    expect(html).toContain('aria-label="Sessions in flight (line) and completed per time bucket (bars)"');
    expect(html).toContain('aria-label="Cumulative distribution of each stage"');
    expect(html).toContain('aria-label="total by session start');
    expect(html.match(/<svg /g)?.length).toBeGreaterThanOrEqual(12);
    expect(html).not.toContain('<script');
    expect(html).not.toMatch(/\s(src|href)=/);
  });

  it('escapes every text from the report', () => {
    const html = renderHtml(report());
    expect(html).not.toContain('<script');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
  });

  it('draws an S3 milestone from the send as a marker, never as a segment, and the next log stage from the previous log stage', () => {
    const milestoneProfile = pipelineProfile(['received', 'built', 'deployed'], {
      name: 'milestones',
      scenarios: [{ type: 'burst', sessions: 1 }],
    });
    const target = {
      ...milestoneProfile.target,
      stages: [
        milestoneProfile.target.stages[0]!,
        { name: 'live', s3: { bucket: 'b', key: '{userId}', check: 'contains' as const } },
        milestoneProfile.target.stages[1]!,
      ],
    };
    const sentAt = 1_000_500;
    const built = buildReport({
      run: { runId: 'm', startedAt: 1_000_000, profile: { ...milestoneProfile, target } },
      sessions: [
        {
          ...session(0, 'burst', null),
          sentAt,
          scheduledAt: sentAt,
          // S3 has whole seconds: `live` (1_002_000) lands after `built` (1_001_800) though it was written first.
          stages: { received: sentAt + 300, live: 1_002_000, built: sentAt + 1_300 },
          status: 'ok',
        },
      ],
      taskSamples: [],
      cpu: null,
      memory: null,
      finishedAt: 1_010_000,
    });
    const html = renderHtml(built);
    const timeline = html.slice(html.indexOf('aria-label="Session timeline"'));
    // built is a 1.00 s bar from received, not a 200 ms sliver after the S3 time.
    expect(timeline).toContain('session-0 built 1.00 s</title>');
    expect(timeline).toContain('class="mark milestone"');
    expect(timeline).toContain('session-0 live 1.50 s after the send (S3 time, whole seconds)');
    expect(timeline).not.toMatch(/<rect[^>]*><title>session-0 live/);
  });

  it('marks negative values and shares from few sessions for what they are', () => {
    const negative = buildReport({
      run: { runId: 'n', startedAt: 1_000_000, profile: profile([]) },
      sessions: [session(0, 'burst', [250, -40]), session(1, 'burst', [300, 1_600])],
      taskSamples: [],
      cpu: null,
      memory: null,
      finishedAt: 1_010_000,
    });
    const text = renderText(negative);
    expect(text).toContain('-40 ms ⚠');
    expect(text).toContain(
      "⚠ deployed: 1 of 2 values negative (lowest -40 ms): its marker is timestamped before the previous stage's",
    );
    expect(renderHtml(negative)).toContain('class="mark negative"');
    // report(): cold and warm have one session each: the share is marked.
    expect(renderText(report())).toMatch(/\d+% ⚠ n 1\/1/);
    expect(renderMarkdown(report())).toContain('fewer than 5 sessions in a phase');
  });

  it('states the cost and marks a partial report', () => {
    const partial = { ...report(), partial: { reason: 'interrupted (SIGINT)' } };
    expect(renderText(partial)).toContain('PARTIAL: the run stopped early (interrupted (SIGINT))');
    expect(renderMarkdown(partial)).toContain('**Partial report**');
    expect(renderHtml(partial)).toContain('<span class="badge partial">PARTIAL</span>');
    expect(renderText(report())).toMatch(
      /Cost: \$0\.\d+ in all: harness \$0\.\d+ \(estimate, us-east-1 list prices of \d{4}-\d\d-\d\d\); target not captured/,
    );
  });

  it('samples the timeline of a large scenario and says so', () => {
    const big = { ...report() };
    const sessions = Array.from({ length: 500 }, (_, i) => ({ ...big.sessions[0]!, sessionId: `many-${i}` }));
    const html = renderHtml({ ...big, sessions });
    expect(html).toContain('Showing 80 of 500 sessions');
  });
});

describe('failures by reason in the sessions line', () => {
  it('names the reasons their lines gave, most first, and nothing when no line gave one', async () => {
    const { sessionsLine } = await import('../../core/render-text.js');
    const counts = { planned: 5, ok: 1, timedOut: 0, unfinished: 0 };
    expect(sessionsLine({ ...counts, failed: 4, failedBy: { build: 1, dropped: 2, other: 1 } }, 0.2)).toBe(
      '5 planned · 1 ok · 4 failed (dropped 2, build 1, other 1) · 0 timed out · success 20.0%',
    );
    expect(sessionsLine({ ...counts, failed: 4, failedBy: { other: 4 } }, 0.2)).toBe(
      '5 planned · 1 ok · 4 failed · 0 timed out · success 20.0%',
    );
  });
});

describe('a report with caveats', () => {
  /** A run without sessions, for the caveats to be added to. */
  const emptyReport = async () => {
    const { buildReport } = await import('../../core/report.js');
    const { profile } = await import('../fixtures/profile.js');
    return buildReport({
      run: { runId: 'r', profile: profile(), startedAt: 0 },
      sessions: [],
      taskSamples: [],
      cpu: null,
      memory: null,
      finishedAt: 1_000,
    });
  };

  it('says in its verdict that it is partial and which log batches were lost', async () => {
    const { renderText } = await import('../../core/render-text.js');
    const { renderMarkdown } = await import('../../core/render-markdown.js');
    const base = await emptyReport();
    const report = {
      ...base,
      partial: { reason: 'DynamoDB (dynalite) stopped answering' },
      lostBatches: [
        {
          logGroup: '/ecs/webordinary/edit',
          logStream: 'edit/task-1',
          firstAt: 0,
          lastAt: 10,
          events: 3,
          reason: 'Error: throttled',
        },
      ],
    };
    const text = renderText(report);
    expect(text).toMatch(
      /Verdict: \w+\n {2}PARTIAL report: DynamoDB \(dynalite\) stopped answering\n {2}1 log batch\(es\) lost/,
    );
    expect(text).toContain('/ecs/webordinary/edit edit/task-1 (3 events');
    expect(renderMarkdown(report)).toContain('PARTIAL report');
    expect(renderText(base)).not.toMatch(/PARTIAL|lost/);
  });

  it('says in the HTML report which log batches were lost, as text and markdown do', async () => {
    const { renderHtml } = await import('../../core/render-html.js');
    const { renderMarkdown } = await import('../../core/render-markdown.js');
    const base = await emptyReport();
    const lost = {
      logGroup: '/ecs/webordinary/edit',
      logStream: 'edit/<task-1>',
      firstAt: 0,
      lastAt: 10,
      events: 3,
      reason: 'Error: throttled',
    };
    const html = renderHtml({ ...base, lostBatches: [lost] });
    expect(html).toMatch(/<p class="banner">1 log batch\(es\) lost, stage times may be missing: /);
    expect(html).toContain('/ecs/webordinary/edit edit/&lt;task-1&gt; (3 events');
    expect(renderMarkdown({ ...base, lostBatches: [lost] })).toContain('1 log batch(es) lost');
    expect(renderHtml(base)).not.toContain('lost');
  });
});
