import type { Comparison, ComparisonRow } from './compare.js';
import { escapeMarkdown } from './render-markdown.js';
import {
  alignTable,
  formatDuration,
  formatPercent,
  formatTime,
  type Paint,
  type Table,
} from './render-text.js';

/**
 * A comparison for people: the credible changes first (which figure, by how
 * much, how sure), then each scenario's p50 / p95 side by side, with the
 * verdict of every figure (▲ regression, ▼ improvement, = same, ? too little
 * data). Text for a terminal, Markdown for a CI comment; JSON is the
 * Comparison object itself.
 */

export function renderComparison(comparison: Comparison, options: { color?: boolean } = {}): string {
  const paint: Paint = options.color ? (code, text) => `\x1b[${code}m${text}\x1b[0m` : (_code, text) => text;
  const { baseline, current } = comparison;
  const out = [
    `${paint('1', 'WebOrdinary Bench comparison')} · ${baseline.profile} → ${current.profile}`,
    `baseline ${baseline.runId} (${formatTime(baseline.startedAt)}) → current ${current.runId} (${formatTime(current.startedAt)})`,
    ...comparison.warnings.map((w) => paint('33', `⚠ ${w}`)),
    '',
    paint('1', 'Credible changes'),
    ...changeLines(comparison).map((line) => `  ${line}`),
  ];
  for (const scenario of scenariosOf(comparison)) {
    const rows = comparison.rows.filter((r) => r.scenario === scenario);
    out.push('', paint('1', scenario === 'all' ? 'All sessions' : `Scenario ${scenario}`));
    const success = rows.find((r) => r.metric === 'success');
    if (success)
      out.push(
        `  success ${formatPercent(success.baseline)} → ${formatPercent(success.current)} ${mark(success)}`,
      );
    out.push(...alignTable(durationTable(rows), paint));
  }
  if (comparison.unmatched.length > 0) out.push('', `Only in one report: ${comparison.unmatched.join(', ')}`);
  out.push('', `${legend()}`, `Result: ${result(comparison, paint)}`);
  return `${out.join('\n')}\n`;
}

export function renderComparisonMarkdown(comparison: Comparison): string {
  const { baseline, current } = comparison;
  const out = [
    `### WebOrdinary Bench comparison: ${escapeMarkdown(baseline.profile)} → ${escapeMarkdown(current.profile)}`,
    '',
    `**${result(comparison, (_c, t) => t)}** · baseline \`${baseline.runId}\` (${formatTime(baseline.startedAt)}) → current \`${current.runId}\` (${formatTime(current.startedAt)})`,
    ...comparison.warnings.map((w) => `\n> ⚠️ ${escapeMarkdown(w)}`),
    '',
    ...changeLines(comparison).map((line) => `- ${escapeMarkdown(line)}`),
  ];
  for (const scenario of scenariosOf(comparison)) {
    const rows = comparison.rows.filter((r) => r.scenario === scenario);
    const table = durationTable(rows);
    out.push('', `#### ${scenario === 'all' ? 'All sessions' : `Scenario ${escapeMarkdown(scenario)}`}`, '');
    const success = rows.find((r) => r.metric === 'success');
    if (success)
      out.push(
        `Success ${formatPercent(success.baseline)} → ${formatPercent(success.current)} ${mark(success)}`,
        '',
      );
    out.push(
      `| ${table.header.map(escapeMarkdown).join(' | ')} |`,
      `|${table.numeric.map((n) => (n ? ' ---: ' : ' --- ')).join('|')}|`,
      ...table.rows.map((row) => `| ${row.map(escapeMarkdown).join(' | ')} |`),
    );
  }
  if (comparison.unmatched.length > 0)
    out.push('', `Only in one report: ${comparison.unmatched.map(escapeMarkdown).join(', ')}`);
  out.push('', escapeMarkdown(legend()));
  return `${out.join('\n')}\n`;
}

/** One sentence per credible change, regressions first: which figure, by how much, how sure. */
export function changeLines(comparison: Comparison): string[] {
  const credible = comparison.rows
    .filter((r) => r.verdict === 'regression' || r.verdict === 'improvement')
    .sort((a, b) => (a.verdict === b.verdict ? 0 : a.verdict === 'regression' ? -1 : 1));
  if (credible.length === 0) {
    const thin = comparison.rows.filter((r) => r.verdict === 'insufficient').length;
    return [
      `none: no figure changed by more than chance and the tolerance${thin > 0 ? ` (${thin} figure(s) had too few sessions to judge)` : ''}`,
    ];
  }
  return credible.map(
    (r) =>
      `${r.verdict === 'regression' ? '▲ regression' : '▼ improvement'}: ${r.scenario === 'all' ? 'all sessions' : r.scenario} ${r.metric} ${r.stat} ${value(r, r.baseline)} → ${value(r, r.current)}, ${change(r)}; ${r.evidence}`,
  );
}

function scenariosOf(comparison: Comparison): string[] {
  return [...new Set(comparison.rows.map((r) => r.scenario))];
}

function result(comparison: Comparison, paint: Paint): string {
  const parts = [
    comparison.regressions === 0
      ? paint('32', 'no credible regression')
      : paint('31', `${comparison.regressions} credible regression${comparison.regressions > 1 ? 's' : ''}`),
  ];
  if (comparison.improvements > 0)
    parts.push(`${comparison.improvements} improvement${comparison.improvements > 1 ? 's' : ''}`);
  return parts.join(', ');
}

function legend(): string {
  return '▲ credible regression · ▼ credible improvement · = no credible change · ? too few sessions to judge';
}

function mark(row: ComparisonRow | undefined): string {
  if (!row) return '';
  return { regression: '▲', improvement: '▼', same: '=', insufficient: '?' }[row.verdict];
}

function durationTable(rows: readonly ComparisonRow[]): Table {
  const metrics = [...new Set(rows.filter((r) => r.stat !== 'rate').map((r) => r.metric))];
  const header = [
    'metric',
    'n',
    'p50 before',
    'p50 now',
    'change',
    '',
    'p95 before',
    'p95 now',
    'change',
    '',
  ];
  const body = metrics.map((metric) => {
    const p50 = rows.find((r) => r.metric === metric && r.stat === 'p50');
    const p95 = rows.find((r) => r.metric === metric && r.stat === 'p95');
    const n = p50 ? `${p50.n.baseline}/${p50.n.current}` : '–';
    return [metric, n, ...cells(p50), ...cells(p95)];
  });
  return { header, rows: body, numeric: header.map((_, i) => i > 0 && i !== 5 && i !== 9) };
}

function cells(row: ComparisonRow | undefined): string[] {
  if (!row) return ['–', '–', '–', ''];
  return [
    formatDuration(row.baseline),
    formatDuration(row.current),
    row.delta === null ? '–' : change(row),
    mark(row),
  ];
}

function value(row: ComparisonRow, v: number | null): string {
  return row.stat === 'rate' ? formatPercent(v) : formatDuration(v);
}

function change(row: ComparisonRow): string {
  if (row.delta === null) return '–';
  const sign = row.delta >= 0 ? '+' : '−';
  if (row.stat === 'rate') return `${sign}${(Math.abs(row.delta) * 100).toFixed(1)} points`;
  const rel = row.relative !== null ? ` (${sign}${Math.abs(row.relative * 100).toFixed(0)}%)` : '';
  return `${sign}${formatDuration(Math.abs(row.delta))}${rel}`;
}
