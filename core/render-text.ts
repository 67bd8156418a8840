/**
 * The terminal report, and the figures every rendering shares (units, the
 * rows of each table), so that text, Markdown and HTML always say the same.
 */
import type {
  AggregateReport,
  Report,
  ResourcesReport,
  ScenarioReport,
  SessionCounts,
  Summary,
  ThresholdReport,
} from './report-model.js';

export interface Table {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** Per column: numbers are right-aligned. */
  readonly numeric: readonly boolean[];
}

const NONE = '–';

/** ms below 1 s (whole ms), else seconds with 2 decimals below 10 s and 1 above. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return NONE;
  const rounded = Math.round(ms);
  if (Math.abs(rounded) < 1_000) return `${rounded === 0 ? 0 : rounded} ms`;
  const seconds = ms / 1_000;
  return `${seconds.toFixed(Math.abs(seconds) < 10 ? 2 : 1)} s`;
}

/** A fraction as a percentage with one decimal. */
export function formatPercent(fraction: number | null | undefined): string {
  return fraction === null || fraction === undefined ? NONE : `${(fraction * 100).toFixed(1)}%`;
}

/** Epoch ms as UTC, to the second. */
export function formatTime(epochMs: number): string {
  return new Date(epochMs)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z');
}

/** A run's length: `42.5 s`, `12m 03s`, `1h 02m 03s`. */
export function formatElapsed(ms: number): string {
  if (ms < 60_000) return formatDuration(ms);
  const total = Math.round(ms / 1_000);
  const h = Math.floor(total / 3_600);
  const m = Math.floor((total % 3_600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}h ${String(m).padStart(2, '0')}m ${s}s` : `${m}m ${s}s`;
}

export function formatThresholdActual(threshold: ThresholdReport): string {
  if (threshold.actual === null) return 'no data';
  return threshold.metric === 'success' ? formatPercent(threshold.actual) : formatDuration(threshold.actual);
}

/** "Scenario burst", or "Scenario smoke (burst)" when the name is not the type. */
export function scenarioTitle(scenario: { readonly name: string; readonly type: string }): string {
  return scenario.name === scenario.type
    ? `Scenario ${scenario.name}`
    : `Scenario ${scenario.name} (${scenario.type})`;
}

export function sessionsLine(counts: SessionCounts, successRate: number): string {
  return [
    `${counts.planned} planned`,
    `${counts.ok} ok`,
    `${counts.failed} failed`,
    `${counts.timedOut} timed out`,
    ...(counts.unfinished > 0 ? [`${counts.unfinished} unfinished`] : []),
    `success ${formatPercent(successRate)}`,
  ].join(' · ');
}

function summaryCells(summary: Summary | null): string[] {
  if (!summary) return ['0', NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE];
  const interval = summary.p95Interval
    ? `${formatDuration(summary.p95Interval.low)} … ${formatDuration(summary.p95Interval.high)}`
    : NONE;
  const { count, min, p50, p90, p95, p99, max, mean } = summary;
  return [String(count), ...[min, p50, p90, p95, p99, max, mean].map(formatDuration), interval];
}

/** Stages, total and lateness of a scenario (or of the run) with n, min … max, mean and p95's 95 % interval. */
export function statsTable(figures: AggregateReport, stageNames: readonly string[]): Table {
  const header = ['stage', 'n', 'min', 'p50', 'p90', 'p95', 'p99', 'max', 'mean', 'p95 95% CI'];
  const rows = [
    ...stageNames.map((name) => [name, ...summaryCells(figures.stages[name] ?? null)]),
    ['total', ...summaryCells(figures.total)],
    ['lateness', ...summaryCells(figures.lateness)],
  ];
  // The interval needs n >= 72; a column of dashes on every small run is noise.
  const intervals = rows.some((row) => row.at(-1) !== NONE);
  return intervals
    ? { header, rows, numeric: header.map((_, i) => i > 0) }
    : {
        header: header.slice(0, -1),
        rows: rows.map((row) => row.slice(0, -1)),
        numeric: header.slice(0, -1).map((_, i) => i > 0),
      };
}

/** What the stage figures measure, naming the S3 stages, whose reference and resolution differ. */
export function stageNote(report: Report): string {
  const s3 = (report.stageInfo ?? []).filter((s) => s.source === 's3').map((s) => s.name);
  const base = 'Each stage: time since the previous stage (the first: since the email was sent).';
  return s3.length === 0
    ? base
    : `${base} S3 stage${s3.length > 1 ? 's' : ''} ${s3.join(', ')}: time since the email was sent, to S3's whole-second resolution.`;
}

/** Cold and warm p50 / p95 of each stage side by side, with each stage's share of the cold-start penalty. */
export function phasesTable(scenario: ScenarioReport, stageNames: readonly string[]): Table | null {
  const { phases } = scenario;
  if (!phases) return null;
  const header = [
    'stage',
    'cold n',
    'cold p50',
    'cold p95',
    'warm n',
    'warm p50',
    'warm p95',
    'cold-start share',
  ];
  const cells = (summary: Summary | null | undefined): string[] => [
    String(summary?.count ?? 0),
    formatDuration(summary?.p50),
    formatDuration(summary?.p95),
  ];
  const share = (value: number | null | undefined): string =>
    value === null || value === undefined ? NONE : `${Math.round(value * 100)}%`;
  const rows = [
    ...stageNames.map((name) => [
      name,
      ...cells(phases.cold.stages[name]),
      ...cells(phases.warm.stages[name]),
      share(phases.coldStartShare[name]),
    ]),
    ['total', ...cells(phases.cold.total), ...cells(phases.warm.total), ''],
  ];
  return { header, rows, numeric: header.map((_, i) => i > 0) };
}

export function thresholdsTable(report: Report): Table {
  const header = ['', 'metric', 'scenario', 'condition', 'actual', 'n'];
  const rows = report.thresholds.map((t) => [
    t.ok ? '✓' : '✗',
    t.metric,
    t.scenario ?? 'all sessions',
    t.error ? `${t.condition} (${t.error})` : t.condition,
    formatThresholdActual(t),
    String(t.count),
  ]);
  return { header, rows, numeric: [false, false, false, false, true, true] };
}

export function resourcesTable(resources: ResourcesReport): Table {
  const header = ['series', 'unit', 'average', 'max', 'points'];
  const number = (value: number): string => value.toFixed(1);
  const rows: string[][] = [];
  for (const series of [resources.cpu, resources.memory]) {
    if (series) {
      rows.push([
        series.name,
        series.unit,
        number(series.average),
        number(series.max),
        String(series.points.length),
      ]);
    }
  }
  if (resources.tasks) {
    const { average, max, samples } = resources.tasks;
    rows.push(['running tasks', 'Count', number(average), number(max), String(samples.length)]);
  }
  return { header, rows, numeric: [false, false, true, true, true] };
}

/** The most frequent reasons sessions of a scenario did not finish ok, most frequent first. */
export function topErrors(
  report: Report,
  scenario: string | null,
  limit = 5,
): { reason: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const session of report.sessions) {
    if (session.status === 'ok' || (scenario !== null && session.scenario !== scenario)) continue;
    const reason = `${session.status}: ${oneLine(session.error ?? 'no error recorded')}`;
    counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  return [...counts]
    .map(([reason, count]) => ({ reason, count }))
    .sort((a, b) => b.count - a.count || a.reason.localeCompare(b.reason))
    .slice(0, limit);
}

/** One line of printable text: whitespace runs become one space, control characters (escape codes) go. */
function oneLine(text: string): string {
  const printable = [...text.replace(/\s+/g, ' ')].filter((c) => c >= ' ' && c !== '\u007f').join('');
  const flat = printable.trim();
  return flat.length > 120 ? `${flat.slice(0, 117)}...` : flat;
}

/** One line for the state machine's Fail cause and the CLI's exit message. */
export function summaryLine(report: Report): string {
  const failed = report.thresholds.filter((t) => !t.ok);
  const { planned, ok } = report.overall.sessions;
  const lost = report.lostBatches?.length ?? 0;
  const sessions = `${ok} of ${planned} sessions ok${lost > 0 ? `; ${lost} log batch(es) lost` : ''}${report.partial ? '; PARTIAL' : ''}`;
  if (failed.length === 0) {
    return `PASS: ${report.thresholds.length} threshold(s) passed; ${sessions}`;
  }
  const breaches = failed
    .map(
      (t) =>
        `${t.metric} ${t.condition}${t.scenario ? ` [${t.scenario}]` : ''} got ${formatThresholdActual(t)}`,
    )
    .join('; ');
  return `FAIL: ${failed.length} of ${report.thresholds.length} threshold(s) breached: ${breaches}; ${sessions}`;
}

export type Paint = (code: string, text: string) => string;

export function alignTable(table: Table, paint: Paint, indent = '  '): string[] {
  const widths = table.header.map((h, i) =>
    Math.max(h.length, ...table.rows.map((r) => (r[i] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    indent +
    cells
      .map((cell, i) => (table.numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [paint('2', line(table.header)), ...table.rows.map(line)];
}

export function renderText(report: Report, options: { color?: boolean } = {}): string {
  const paint: Paint = options.color ? (code, text) => `\x1b[${code}m${text}\x1b[0m` : (_code, text) => text;
  const verdict = report.verdict === 'pass' ? paint('1;32', 'PASS') : paint('1;31', 'FAIL');
  const out: string[] = [
    `${paint('1', 'WebOrdinary Bench')} · profile ${report.profile} · run ${report.runId}`,
    `${formatTime(report.startedAt)} → ${formatTime(report.finishedAt)} (${formatElapsed(report.finishedAt - report.startedAt)}) · verdict ${verdict}`,
    paint('2', stageNote(report)),
  ];
  const block = (title: string, figures: AggregateReport, scenario: string | null): void => {
    out.push('', paint('1', title), `  sessions: ${sessionsLine(figures.sessions, figures.successRate)}`);
    for (const { reason, count } of topErrors(report, scenario)) out.push(`  ${count}× ${reason}`);
    out.push(...alignTable(statsTable(figures, report.stageNames), paint));
  };
  for (const scenario of report.scenarios) {
    block(scenarioTitle(scenario), scenario, scenario.name);
    const phases = phasesTable(scenario, report.stageNames);
    if (phases)
      out.push('', '  cold vs warm (share = stage p50 gap / total p50 gap)', ...alignTable(phases, paint));
  }
  if (report.scenarios.length > 1) block('All sessions', report.overall, null);
  if (report.resources) {
    const { cluster, service } = report.resources;
    out.push('', paint('1', `Resources (${cluster}/${service})`));
    const table = resourcesTable(report.resources);
    out.push(...(table.rows.length > 0 ? alignTable(table, paint) : ['  no samples']));
  }
  if (report.thresholds.length > 0) {
    const passed = report.thresholds.filter((t) => t.ok).length;
    out.push('', paint('1', `Thresholds: ${passed} of ${report.thresholds.length} passed`));
    const lines = alignTable(thresholdsTable(report), paint);
    out.push(
      lines[0]!,
      ...lines.slice(1).map((line, i) => paint(report.thresholds[i]?.ok ? '32' : '31', line)),
    );
  }
  out.push(
    '',
    `Verdict: ${verdict}${reportCaveats(report)
      .map((n) => `\n  ${n}`)
      .join('')}`,
  );
  return `${out.join('\n')}\n`;
}

/** What the verdict cannot vouch for: a partial run, log batches the collector lost. */
export function reportCaveats(report: Report): string[] {
  const notes: string[] = [];
  if (report.partial) notes.push(`PARTIAL report: ${report.partial.reason}`);
  const lost = report.lostBatches ?? [];
  if (lost.length > 0) {
    const named = lost
      .slice(0, 5)
      .map((b) => `${b.logGroup} ${b.logStream} (${b.events} events, ${formatTime(b.firstAt)}: ${b.reason})`);
    notes.push(
      `${lost.length} log batch(es) lost, stage times may be missing: ${named.join('; ')}${lost.length > 5 ? '; ...' : ''}`,
    );
  }
  return notes;
}
