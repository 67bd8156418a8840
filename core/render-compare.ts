import type { Comparison, ComparisonRow } from './compare.js';
import {
  alignTable,
  formatDuration,
  formatPercent,
  formatTime,
  type Paint,
  type Table,
} from './render-text.js';

/** The comparison as a terminal table per scenario: p50 and p95 before and now, the change, and regressions flagged. */
export function renderComparison(comparison: Comparison, options: { color?: boolean } = {}): string {
  const paint: Paint = options.color ? (code, text) => `\x1b[${code}m${text}\x1b[0m` : (_code, text) => text;
  const { baseline, current } = comparison;
  const out = [
    `${paint('1', 'WebOrdinary Bench comparison')} · ${baseline.profile} → ${current.profile}`,
    `baseline ${baseline.runId} (${formatTime(baseline.startedAt)}) → current ${current.runId} (${formatTime(current.startedAt)})`,
  ];
  const scenarios = [...new Set(comparison.rows.map((r) => r.scenario))];
  for (const scenario of scenarios) {
    const rows = comparison.rows.filter((r) => r.scenario === scenario);
    out.push('', paint('1', scenario === 'all' ? 'All sessions' : `Scenario ${scenario}`));
    const success = rows.find((r) => r.metric === 'success');
    if (success) {
      const flag = success.regression ? paint('31', '  ▲ regression') : '';
      out.push(`  success ${formatPercent(success.baseline)} → ${formatPercent(success.current)}${flag}`);
    }
    out.push(...alignTable(durationTable(rows), paint));
  }
  if (comparison.unmatched.length > 0) out.push('', `Only in one report: ${comparison.unmatched.join(', ')}`);
  const verdict =
    comparison.regressions === 0
      ? paint('32', 'no regression')
      : paint('31', `${comparison.regressions} regression${comparison.regressions > 1 ? 's' : ''}`);
  out.push('', `Result: ${verdict}`);
  return `${out.join('\n')}\n`;
}

function durationTable(rows: readonly ComparisonRow[]): Table {
  const metrics = [...new Set(rows.filter((r) => r.stat !== 'rate').map((r) => r.metric))];
  const header = ['metric', 'p50 before', 'p50 now', 'change', 'p95 before', 'p95 now', 'change', ''];
  const body = metrics.flatMap((metric) => {
    const p50 = rows.find((r) => r.metric === metric && r.stat === 'p50');
    const p95 = rows.find((r) => r.metric === metric && r.stat === 'p95');
    if (p50?.baseline == null && p50?.current == null && p95?.baseline == null && p95?.current == null)
      return [];
    const regressed = Boolean(p50?.regression || p95?.regression);
    return [[metric, ...cells(p50), ...cells(p95), regressed ? '▲ regression' : '']];
  });
  return { header, rows: body, numeric: header.map((_, i) => i > 0 && i < 7) };
}

function cells(row: ComparisonRow | undefined): string[] {
  if (!row) return ['–', '–', '–'];
  const change =
    row.delta === null
      ? '–'
      : `${row.delta >= 0 ? '+' : '−'}${formatDuration(Math.abs(row.delta))}${
          row.baseline
            ? ` (${row.delta >= 0 ? '+' : '−'}${Math.abs((row.delta / row.baseline) * 100).toFixed(0)}%)`
            : ''
        }`;
  return [formatDuration(row.baseline), formatDuration(row.current), change];
}
