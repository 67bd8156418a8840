import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../core/render-html.js';
import { renderMarkdown } from '../../core/render-markdown.js';
import { renderText } from '../../core/render-text.js';
import { buildReport } from '../../core/report.js';
import type { Report, TargetChange } from '../../core/report-model.js';
import { pipelineProfile } from '../fixtures/profile.js';

const CHANGES: TargetChange[] = [
  {
    kind: 'ecsDesiredCount',
    resource: 'edit-cluster/edit-service',
    scenario: 'coldWarm',
    before: 4,
    after: 1,
    restored: true,
  },
  {
    kind: 'ecsDesiredCount',
    resource: 'edit-cluster/edit-service',
    scenario: 'again',
    before: 4,
    after: 2,
    restored: false,
  },
];

function report(targetChanges?: TargetChange[]): Report {
  return buildReport({
    run: {
      runId: 'run-1',
      startedAt: 1_000_000,
      profile: pipelineProfile(['received'], {
        name: 'changes',
        scenarios: [{ type: 'coldWarm', cold: 1, warm: 0 }],
      }),
    },
    sessions: [],
    taskSamples: [],
    cpu: null,
    memory: null,
    finishedAt: 1_060_000,
    ...(targetChanges ? { targetChanges } : {}),
  });
}

describe('targetChanges in the report', () => {
  it('carries each change as recorded, and none when the run changed nothing', () => {
    expect(report(CHANGES).targetChanges).toEqual(CHANGES);
    expect(report().targetChanges).toEqual([]);
  });

  it('shows each change and whether it was set back in text, Markdown and HTML', () => {
    const text = renderText(report(CHANGES));
    expect(text).toContain('Target changes');
    expect(text).toMatch(/✓\s+ECS desired count\s+edit-cluster\/edit-service\s+coldWarm\s+4\s+1\s+yes/);
    expect(text).toMatch(
      /✗\s+ECS desired count\s+edit-cluster\/edit-service\s+again\s+4\s+2\s+NO: see bench restore/,
    );
    expect(renderMarkdown(report(CHANGES))).toContain('## Target changes');
    expect(renderHtml(report(CHANGES))).toContain('<h2>Target changes</h2>');
  });

  it('leaves the section out when nothing changed, also for a report.json written before the field existed', () => {
    const { targetChanges: _none, ...old } = report();
    for (const r of [report(), old as Report]) {
      expect(renderText(r)).not.toContain('Target changes');
      expect(renderMarkdown(r)).not.toContain('Target changes');
      expect(renderHtml(r)).not.toContain('Target changes');
    }
  });
});
