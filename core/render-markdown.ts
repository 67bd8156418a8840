/** The report as GitHub-flavoured Markdown: the same figures as the terminal report, as tables. */

import { bottlenecks } from './bottlenecks.js';
import { costComparisonLine, costComparisonTable } from './render-cost-comparison.js';
import { limitSummary, limitTable, limitTitle } from './render-limit.js';
import {
  artifactLines,
  firstOnUserLine,
  formatElapsed,
  formatTime,
  negativeNotes,
  phasesTable,
  reportCaveats,
  resourcesTable,
  SHARE_NOTE,
  scenarioTitle,
  sessionsLine,
  stageNote,
  statsTable,
  type Table,
  targetChangesTable,
  thresholdsTable,
  topErrors,
  valuesTable,
} from './render-text.js';
import { bottleneckTable, costLine, costTable, SHARE_DEFINITION } from './render-verdicts.js';
import type { AggregateReport, Report } from './report-model.js';

/** Escapes text for a Markdown table cell or line: no raw HTML, no column breaks, no line breaks. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/([\\`*_[\]|#])/g, '\\$1')
    .replace(/\r?\n/g, ' ');
}

function markdownTable(table: Table): string[] {
  const row = (cells: readonly string[]): string => `| ${cells.map(escapeMarkdown).join(' | ')} |`;
  const rule = `|${table.numeric.map((n) => (n ? ' ---: ' : ' --- ')).join('|')}|`;
  return [row(table.header), rule, ...table.rows.map(row)];
}

export function renderMarkdown(report: Report): string {
  const verdict = report.verdict === 'pass' ? '✅ PASS' : '❌ FAIL';
  const verdicts = bottlenecks(report);
  const out: string[] = [
    `# WebOrdinary Bench: ${escapeMarkdown(report.profile)}`,
    '',
    ...(report.partial
      ? [
          `> ⚠️ **Partial report**: the run stopped early (${escapeMarkdown(report.partial.reason)}); only what was recorded by then is here.`,
          '',
        ]
      : []),
    `**Verdict: ${verdict}** · run ${escapeMarkdown(report.runId)} · ${formatTime(report.startedAt)} → ${formatTime(report.finishedAt)} (${formatElapsed(report.finishedAt - report.startedAt)})`,
    ...reportCaveats(report).map((note) => `\n> **${escapeMarkdown(note)}**`),
    '',
    `${escapeMarkdown(stageNote(report))} ` +
      '`total` is the last stage minus the scheduled start; percentiles are nearest-rank over raw values.',
  ];
  const block = (title: string, figures: AggregateReport, scenario: string | null): void => {
    out.push(
      '',
      `## ${escapeMarkdown(title)}`,
      '',
      `Sessions: ${sessionsLine(figures.sessions, figures.successRate)}`,
    );
    const firstOnUser = scenario === null ? null : firstOnUserLine(report, scenario);
    if (firstOnUser) out.push('', `Pool: ${firstOnUser}.`);
    const errors = topErrors(report, scenario);
    if (errors.length > 0) {
      out.push('', ...errors.map(({ reason, count }) => `- ${count}× ${escapeMarkdown(reason)}`));
    }
    out.push('', ...markdownTable(statsTable(figures, report.stageNames)));
    const captured = valuesTable(report, figures);
    if (captured) out.push('', ...markdownTable(captured));
    const negatives = negativeNotes(report, scenario);
    if (negatives.length > 0) out.push('', ...negatives.map((n) => `- ${escapeMarkdown(n)}`));
  };
  if (verdicts.length > 0) {
    out.push(
      '',
      '## Bottlenecks',
      '',
      ...verdicts.map((v) => `- **${escapeMarkdown(v.scenario)}**: ${escapeMarkdown(v.text)}`),
    );
  }
  for (const limit of report.limits ?? []) {
    out.push('', `## ${escapeMarkdown(limitTitle(limit))}`, '', escapeMarkdown(limitSummary(limit)));
    out.push('', ...markdownTable(limitTable(limit)));
  }
  if (report.cost) out.push('', `**Cost**: ${escapeMarkdown(costLine(report.cost))}`);
  report.scenarios.forEach((scenario, i) => {
    block(scenarioTitle(scenario), scenario, scenario.name);
    const verdictTable = verdicts[i] ? bottleneckTable(verdicts[i]) : null;
    if (verdictTable) {
      out.push(
        '',
        '### Stages: share of the total, change against unloaded sessions',
        '',
        ...markdownTable(verdictTable),
      );
      out.push('', escapeMarkdown(SHARE_DEFINITION));
    }
    const phases = phasesTable(scenario, report.stageNames);
    if (phases) {
      out.push(
        '',
        '### Cold vs warm',
        '',
        `Share = (cold p50 − warm p50) of the stage / (cold p50 − warm p50) of total. ${escapeMarkdown(SHARE_NOTE)}`,
      );
      out.push('', ...markdownTable(phases));
    }
  });
  if (report.scenarios.length > 1) block('All sessions', report.overall, null);
  if (report.resources) {
    const { cluster, service } = report.resources;
    out.push('', `## Resources (${escapeMarkdown(`${cluster}/${service}`)})`, '');
    const table = resourcesTable(report.resources);
    out.push(...(table.rows.length > 0 ? markdownTable(table) : ['No samples.']));
  }
  const changes = targetChangesTable(report);
  if (changes) out.push('', '## Target changes', '', ...markdownTable(changes));
  const artifacts = artifactLines(report);
  if (artifacts.length > 0)
    out.push('', '## Left in the target', '', ...artifacts.slice(2).map((l) => `- ${l.trim()}`));
  if (report.thresholds.length > 0) {
    const passed = report.thresholds.filter((t) => t.ok).length;
    out.push('', `## Thresholds: ${passed} of ${report.thresholds.length} passed`, '');
    out.push(...markdownTable(thresholdsTable(report)));
  }
  if (report.cost) {
    out.push(
      '',
      '## Cost',
      '',
      escapeMarkdown(costLine(report.cost)),
      '',
      ...markdownTable(costTable(report.cost)),
    );
    const comparison = costComparisonTable(report.cost);
    if (comparison)
      out.push('', escapeMarkdown(costComparisonLine(report.cost) ?? ''), '', ...markdownTable(comparison));
  }
  return `${out.join('\n')}\n`;
}
