import { describe, expect, it } from 'vitest';
import { bottlenecks, MIN_N, workspaceNote } from '../../core/bottlenecks.js';
import { renderHtml } from '../../core/render-html.js';
import { renderMarkdown } from '../../core/render-markdown.js';
import { renderText } from '../../core/render-text.js';
import type { SessionReport } from '../../core/report-model.js';
import { DEMO_MODEL, LOCAL_ALL, modelReport, slowerStep } from '../support/model-report.js';

const verdictOf = (report: ReturnType<typeof modelReport>, scenario: string) =>
  bottlenecks(report).find((v) => v.scenario === scenario)!;

describe('bottlenecks', () => {
  it('names no stage when the loaded scenarios draw from the same target as the unloaded sessions', () => {
    for (let seed = 0; seed < 10; seed += 1) {
      const report = modelReport(seed);
      for (const scenario of ['burst', 'sustained']) {
        const verdict = verdictOf(report, scenario);
        expect(verdict.slower, `seed ${seed} ${scenario}`).toEqual([]);
        expect(verdict.bottleneck).toBeNull();
        expect(verdict.text).toMatch(
          new RegExp(`^No stage is credibly slower under ${scenario} than unloaded \\(n 20 vs 4\\)`),
        );
      }
    }
  });

  it('names the stage that slows under load, with its ratio, n and interval, and not the others', () => {
    const slowBuild = slowerStep(DEMO_MODEL, 'build', 4);
    for (let seed = 0; seed < 10; seed += 1) {
      const report = modelReport(seed, DEMO_MODEL, LOCAL_ALL, (s) =>
        s === 'burst' ? slowBuild : DEMO_MODEL,
      );
      const burst = verdictOf(report, 'burst');
      expect(burst.bottleneck, `seed ${seed}`).toBe('build');
      expect(burst.slower).toEqual(['build']);
      expect(burst.text).toMatch(/^Bottleneck under burst: build, p50 ×\d(\.\d)? \(n 20 vs 4\)/);
      const build = burst.changes.find((c) => c.stage === 'build')!;
      expect(build.ratio!).toBeGreaterThan(2.5);
      expect(build.p!).toBeLessThan(0.05);
      expect(verdictOf(report, 'sustained').bottleneck).toBeNull();
    }
  });

  it('says what a slower first stage means: the wait before the target picks the job up', () => {
    const slowPickup = slowerStep(DEMO_MODEL, 'pickup', 20);
    const report = modelReport(6, DEMO_MODEL, LOCAL_ALL, (s) =>
      s === 'sustained' ? slowPickup : DEMO_MODEL,
    );
    expect(verdictOf(report, 'sustained').text).toMatch(
      /^Bottleneck under sustained: pickup, p50 ×\d+(\.\d+)? \(n 20 vs 4\)( while \w+ ×[\d.]+)? \(sessions wait for the target to pick them up: capacity or queueing\)\./,
    );
  });

  it('does not judge a coldWarm scenario whose two cold sessions are fewer than the rank test needs', () => {
    const verdict = verdictOf(modelReport(3), 'coldWarm');
    // Two cold sessions are fewer than a rank test needs: the verdict says so instead of shouting.
    expect(verdict.text).toMatch(/^Too few sessions to judge \(n 2 vs 4 unloaded; 4 a side needed\)/);
    expect(MIN_N).toBe(4);
  });

  it('gives every stage a share of the total at p50 and p95, and leaves S3 milestones out', () => {
    const verdict = verdictOf(modelReport(1), 'burst');
    expect(verdict.shares.map((s) => s.stage)).toEqual([
      'pickup',
      'thread',
      'claude',
      'build',
      'sync',
      'push',
      'done',
    ]);
    const claude = verdict.shares.find((s) => s.stage === 'claude')!;
    expect(claude.p50!).toBeGreaterThan(0.2);
    expect(claude.p50!).toBeLessThan(0.6);
    expect(claude.n).toBe(20);
  });

  it('appears in the text, Markdown and HTML reports', () => {
    const slowBuild = slowerStep(DEMO_MODEL, 'build', 4);
    const report = modelReport(2, DEMO_MODEL, LOCAL_ALL, (s) => (s === 'burst' ? slowBuild : DEMO_MODEL));
    const text = renderText(report);
    expect(text).toContain('verdict: Bottleneck under burst: build');
    // The shares at p50 and p95, as the Markdown and HTML tables give them.
    const burst = verdictOf(report, 'burst');
    const build = burst.shares.find((s) => s.stage === 'build')!;
    expect(text).toContain(`build ${Math.round(build.p50! * 100)}/${Math.round(build.p95! * 100)} %`);
    expect(text).toMatch(/share of total p50\/p95: pickup \d+\/\d+ %, thread/);
    expect(renderMarkdown(report)).toContain('**burst**: Bottleneck under burst: build');
    expect(renderHtml(report)).toContain('◀ bottleneck');
  });

  it('says when the two sides differ in sessions that set up their user’s workspace, and only then', () => {
    const sessions = (n: number, first: number, firstOnUser = true): SessionReport[] =>
      Array.from({ length: n }, (_, i) => ({ firstOnUser: firstOnUser && i < first }) as SessionReport);
    expect(workspaceNote(sessions(20, 18), sessions(4, 0))).toBe(
      ' Note: 18 of 20 session(s) here were first on their user (they set up its workspace) against 0 of 4 unloaded; a stage that sets up the workspace is slower for that alone.',
    );
    expect(workspaceNote(sessions(20, 10), sessions(4, 2))).toBe('');
    // No user pool: nothing is known of workspaces, nothing is said.
    const noPool = Array.from({ length: 4 }, () => ({}) as SessionReport);
    expect(workspaceNote(noPool, noPool)).toBe('');
  });
});
