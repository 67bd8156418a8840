/**
 * The terminal report, and the figures every rendering shares (units, the
 * rows of each table), so that text, Markdown and HTML always say the same.
 */
import { bottlenecks } from './bottlenecks.js';
import { formatDuration, formatElapsed, formatPercent, formatTime } from './format.js';
import { costComparisonLine } from './render-cost-comparison.js';
import { limitSummary, limitTable, limitTitle } from './render-limit.js';
import { costLine, shareLine } from './render-verdicts.js';
import type {
  AggregateReport,
  Report,
  ResourcesReport,
  ScenarioReport,
  SessionCounts,
  Summary,
  ThresholdReport,
} from './report-model.js';

export { formatDuration, formatElapsed, formatPercent, formatTime } from './format.js';

export interface Table {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
  /** Per column: numbers are right-aligned. */
  readonly numeric: readonly boolean[];
}

const NONE = '–';

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

/** ` (dropped 2, build 1)`: failures by the reason their line gave, most first; empty when no line gave one. */
export function failedByText(failedBy: Readonly<Record<string, number>> | undefined): string {
  const entries = Object.entries(failedBy ?? {}).sort(([a, x], [b, y]) => y - x || (a < b ? -1 : 1));
  if (entries.every(([reason]) => reason === 'other')) return '';
  return ` (${entries.map(([reason, n]) => `${reason} ${n}`).join(', ')})`;
}

export function sessionsLine(counts: SessionCounts, successRate: number): string {
  return [
    `${counts.planned} planned`,
    `${counts.ok} ok`,
    `${counts.failed} failed${failedByText(counts.failedBy)}`,
    `${counts.timedOut} timed out`,
    ...(counts.unfinished > 0 ? [`${counts.unfinished} unfinished`] : []),
    `success ${formatPercent(successRate)}`,
  ].join(' · ');
}

/**
 * `first on user: 2 of 5 (cold 2 of 2, warm 0 of 3); the others reused a set-up user`: with a
 * user pool, how many of the scenario's sessions were the run's first on their user (the ones
 * that may have paid for setting up its workspace). Null without a pool.
 */
export function firstOnUserLine(report: Report, scenario: string | null): string | null {
  const leased = report.sessions.filter(
    (s) => (scenario === null || s.scenario === scenario) && s.firstOnUser !== undefined,
  );
  if (leased.length === 0) return null;
  const count = (sessions: readonly { readonly firstOnUser?: boolean }[]) =>
    `${sessions.filter((s) => s.firstOnUser).length} of ${sessions.length}`;
  const phases = (['cold', 'warm'] as const)
    .map((phase) => ({ phase, sessions: leased.filter((s) => s.phase === phase) }))
    .filter(({ sessions }) => sessions.length > 0);
  const byPhase =
    phases.length > 0
      ? ` (${phases.map(({ phase, sessions }) => `${phase} ${count(sessions)}`).join(', ')})`
      : '';
  return `first on user: ${count(leased)}${byPhase}; the others reused a user set up earlier in the run`;
}

function summaryCells(summary: Summary | null): string[] {
  if (!summary) return ['0', NONE, NONE, NONE, NONE, NONE, NONE, NONE, NONE];
  const interval = summary.p95Interval
    ? `${formatDuration(summary.p95Interval.low)} … ${formatDuration(summary.p95Interval.high)}`
    : NONE;
  const { count, min, p50, p90, p95, p99, max, mean } = summary;
  // A negative figure is marked: it measures clock disagreement or S3's whole seconds, not a duration (see the notes).
  const cell = (v: number): string => (v < 0 ? `${formatDuration(v)} ⚠` : formatDuration(v));
  return [String(count), ...[min, p50, p90, p95, p99, max, mean].map(cell), interval];
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

/** Captured values (`log.capture`) of a scenario or the run: one row per metric, in its own unit. */
export function valuesTable(report: Report, figures: AggregateReport): Table | null {
  const captures = report.captures ?? [];
  if (captures.length === 0 || !figures.values) return null;
  const header = ['captured', 'unit', 'n', 'min', 'p50', 'p95', 'max', 'mean', 'sum'];
  const rows = captures.map(({ metric, unit }) => {
    const summary = figures.values?.[metric] ?? null;
    const cell = (v: number) => formatValue(v, unit);
    if (!summary) return [metric, unit, '0', NONE, NONE, NONE, NONE, NONE, NONE];
    const { count, min, p50, p95, max, mean } = summary;
    return [metric, unit, String(count), ...[min, p50, p95, max, mean, mean * count].map(cell)];
  });
  return { header, rows, numeric: header.map((_, i) => i > 1) };
}

/** A captured value in its unit: durations as durations, dollars with cents to four places. */
function formatValue(value: number, unit: string): string {
  if (unit === 'ms') return formatDuration(value);
  if (unit === 's') return formatDuration(value * 1000);
  if (unit === 'usd') return `$${value.toFixed(4)}`;
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

/** What the stage figures measure, naming the S3 stages, whose reference and resolution differ. */
export function stageNote(report: Report): string {
  const s3 = (report.stageInfo ?? []).filter((s) => s.source === 's3').map((s) => s.name);
  const base = 'Each stage: time since the previous stage (the first: since the email was sent).';
  return s3.length === 0
    ? base
    : `${base} S3 stage${s3.length > 1 ? 's' : ''} ${s3.join(', ')}: time since the email was sent, to S3's whole-second resolution.`;
}

/** Below this many sessions in a phase, a cold-start share is marked: noise alone can push it past 100 % or below 0. */
export const SMALL_N = 5;

/** What the ⚠ beside a cold-start share means. */
export const SHARE_NOTE = `⚠ n cold/warm: fewer than ${SMALL_N} sessions in a phase; a share from so few is noise and can exceed 100 % or be negative.`;

/**
 * Notes on negative values in a scenario (or the run, for null): why a stage
 * can measure below zero, with how many and the lowest. Empty when none.
 */
export function negativeNotes(report: Report, scenario: string | null): string[] {
  const sessions =
    scenario === null ? report.sessions : report.sessions.filter((s) => s.scenario === scenario);
  const notes: string[] = [];
  for (const info of report.stageInfo ?? []) {
    const values = sessions.flatMap((s) =>
      Object.hasOwn(s.segments, info.name) ? [s.segments[info.name]!] : [],
    );
    const negative = values.filter((v) => v < 0);
    if (negative.length === 0) continue;
    const why =
      info.source === 's3'
        ? "S3's LastModified has whole seconds, so an object written within a second of the send can carry a time before it"
        : "its marker is timestamped before the previous stage's (two emitters' clocks disagree)";
    notes.push(
      `⚠ ${info.name}: ${negative.length} of ${values.length} values negative (lowest ${formatDuration(Math.min(...negative))}): ${why}.`,
    );
  }
  return notes;
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
  const share = (value: number | null | undefined, cold = 0, warm = 0): string => {
    if (value === null || value === undefined) return NONE;
    const text = `${Math.round(value * 100)}%`;
    return Math.min(cold, warm) < SMALL_N ? `${text} ⚠ n ${cold}/${warm}` : text;
  };
  const rows = [
    ...stageNames.map((name) => [
      name,
      ...cells(phases.cold.stages[name]),
      ...cells(phases.warm.stages[name]),
      share(
        phases.coldStartShare[name],
        phases.cold.stages[name]?.count ?? 0,
        phases.warm.stages[name]?.count ?? 0,
      ),
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

/** What the run changed on the target and whether it set it back; null when it changed nothing. */
export function targetChangesTable(report: Report): Table | null {
  // Reports written before targetChanges existed have none.
  const changes = report.targetChanges ?? [];
  if (changes.length === 0) return null;
  const header = ['', 'change', 'resource', 'scenario', 'before', 'set to', 'restored'];
  const rows = changes.map((c) => [
    c.restored ? '✓' : '✗',
    c.kind === 'ecsDesiredCount' ? 'ECS desired count' : c.kind,
    c.resource,
    c.scenario,
    String(c.before),
    String(c.after),
    c.restored ? 'yes' : 'NO: see bench restore',
  ]);
  return { header, rows, numeric: [false, false, false, false, true, true, false] };
}

/** What the sessions left in the target, one line per kind (a few names shown), for cleaning up. */
export function artifactLines(report: Report): string[] {
  const artifacts = report.artifacts ?? [];
  if (artifacts.length === 0) return [];
  return [
    '',
    'Left in the target (clean up after the run):',
    ...artifacts.map(
      ({ kind, names }) =>
        `  ${kind} ×${names.length}: ${names.slice(0, 3).join(', ')}${names.length > 3 ? `, … (all in report.json)` : ''}`,
    ),
  ];
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
  if (report.partial)
    out.push(
      paint(
        '1;33',
        `PARTIAL: the run stopped early (${report.partial.reason}); this holds only what was recorded by then.`,
      ),
    );
  const verdicts = bottlenecks(report);
  const block = (title: string, figures: AggregateReport, scenario: string | null): void => {
    out.push('', paint('1', title), `  sessions: ${sessionsLine(figures.sessions, figures.successRate)}`);
    const firstOnUser = scenario === null ? null : firstOnUserLine(report, scenario);
    if (firstOnUser) out.push(`  ${firstOnUser}`);
    for (const { reason, count } of topErrors(report, scenario)) out.push(`  ${count}× ${reason}`);
    out.push(...alignTable(statsTable(figures, report.stageNames), paint));
    const captured = valuesTable(report, figures);
    if (captured) out.push(...alignTable(captured, paint));
    for (const note of negativeNotes(report, scenario)) out.push(paint('33', `  ${note}`));
  };
  report.scenarios.forEach((scenario, i) => {
    block(scenarioTitle(scenario), scenario, scenario.name);
    const verdict = verdicts[i];
    if (verdict) {
      out.push(`  ${paint('1', 'verdict:')} ${verdict.text}`);
      const shares = shareLine(verdict);
      if (shares) out.push(paint('2', `  ${shares}`));
    }
    const phases = phasesTable(scenario, report.stageNames);
    if (phases) {
      out.push('', '  cold vs warm (share = stage p50 gap / total p50 gap)', ...alignTable(phases, paint));
      if (phases.rows.some((row) => row.at(-1)?.includes('⚠'))) out.push(paint('2', `  ${SHARE_NOTE}`));
    }
  });
  if (report.scenarios.length > 1) block('All sessions', report.overall, null);
  if (report.resources) {
    const { cluster, service } = report.resources;
    out.push('', paint('1', `Resources (${cluster}/${service})`));
    const table = resourcesTable(report.resources);
    out.push(...(table.rows.length > 0 ? alignTable(table, paint) : ['  no samples']));
  }
  const changes = targetChangesTable(report);
  if (changes) out.push('', paint('1', 'Target changes'), ...alignTable(changes, paint));
  for (const line of artifactLines(report)) out.push(line);
  for (const limit of report.limits ?? []) {
    out.push('', paint('1', limitTitle(limit)), `  ${limitSummary(limit)}`);
    const lines = alignTable(limitTable(limit), paint);
    const colour = { pass: '32', fail: '31', notRun: '2' } as const;
    out.push(lines[0]!, ...lines.slice(1).map((line, i) => paint(colour[limit.steps[i]!.verdict], line)));
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
  if (report.cost) out.push('', `Cost: ${costLine(report.cost)}`);
  const harness = report.cost ? costComparisonLine(report.cost) : null;
  if (harness) out.push(harness);
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
  const lost = lostBatchesCaveat(report);
  if (lost) notes.push(lost);
  return notes;
}

/** The log batches the collector lost during the run, the first five named; null when none were. */
export function lostBatchesCaveat(report: Report): string | null {
  const lost = report.lostBatches ?? [];
  if (lost.length === 0) return null;
  const named = lost
    .slice(0, 5)
    .map((b) => `${b.logGroup} ${b.logStream} (${b.events} events, ${formatTime(b.firstAt)}: ${b.reason})`);
  return `${lost.length} log batch(es) lost, stage times may be missing: ${named.join('; ')}${lost.length > 5 ? '; ...' : ''}`;
}
