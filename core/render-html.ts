/**
 * The report as one self-contained HTML file: inline CSS and SVG, no scripts,
 * no external assets. Every text that comes from the report is escaped.
 */

import {
  formatDuration,
  formatElapsed,
  formatTime,
  phasesTable,
  resourcesTable,
  scenarioTitle,
  sessionsLine,
  stageNote,
  statsTable,
  type Table,
  targetChangesTable,
  thresholdsTable,
  topErrors,
} from './render-text.js';
import type { AggregateReport, Report, ScenarioReport, SessionReport, Summary } from './report-model.js';

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const COLORS = [
  '#4e79a7',
  '#f28e2b',
  '#59a14f',
  '#e15759',
  '#76b7b2',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
];
const LATE = '#bab0ac';
/** Timelines beyond this many sessions show an even sample of them (the tables hold every session). */
const MAX_TIMELINE_ROWS = 80;
const BINS = 40;

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#222}
h1{margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #ddd}.meta{color:#555}
.badge{padding:.1rem .6rem;border-radius:4px;color:#fff;font-weight:700}.pass{background:#2e7d32}.fail{background:#c62828}
table{border-collapse:collapse;margin:.6rem 0}th,td{padding:.2rem .6rem;border-bottom:1px solid #eee;text-align:left}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}.ok{color:#2e7d32}.bad{color:#c62828}
svg{display:block;margin:.6rem 0;max-width:100%;height:auto}svg text{font:11px system-ui,sans-serif;fill:#444}svg text.bad{fill:#c62828}
.legend span{display:inline-block;margin-right:1rem}.legend i{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:-1px}`;

function htmlTable(table: Table, rowClass: (i: number) => string = () => ''): string {
  const cls = (i: number): string => (table.numeric[i] ? ' class="n"' : '');
  const head = table.header.map((h, i) => `<th${cls(i)}>${escapeHtml(h)}</th>`).join('');
  const rows = table.rows
    .map((row, r) => {
      const cells = row.map((cell, i) => `<td${cls(i)}>${escapeHtml(cell)}</td>`).join('');
      return `<tr${rowClass(r) ? ` class="${rowClass(r)}"` : ''}>${cells}</tr>`;
    })
    .join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`;
}

const num = (value: number): string => (Math.round(value * 10) / 10).toString();
const title = (text: string): string => `<title>${escapeHtml(text)}</title>`;

/** Raw values of each stage and the total for some sessions, as buildReport computed them. */
function rawValues(sessions: readonly SessionReport[], stageNames: readonly string[]): Map<string, number[]> {
  const out = new Map<string, number[]>([...stageNames, 'total'].map((name) => [name, []]));
  for (const session of sessions) {
    for (const [name, value] of Object.entries(session.segments)) out.get(name)?.push(value);
    if (session.total !== null) out.get('total')?.push(session.total);
  }
  return out;
}

/** Per stage (and total), a histogram on a logarithmic time axis with the p50 and p95 marked. */
function distributionChart(
  figures: AggregateReport,
  values: Map<string, number[]>,
  stageNames: readonly string[],
): string {
  const rows = [...stageNames, 'total'];
  const all = [...values.values()].flat().filter((v) => v > 0);
  if (all.length === 0) return '<p class="meta">No durations to chart.</p>';
  const lo = 10 ** Math.floor(Math.log10(all.reduce((a, b) => Math.min(a, b))));
  const hi = Math.max(lo * 10, 10 ** Math.ceil(Math.log10(all.reduce((a, b) => Math.max(a, b)))));
  const [left, width, rowH] = [150, 620, 34];
  const x = (v: number): number =>
    left + (width * (Math.log10(Math.max(v, lo)) - Math.log10(lo))) / Math.log10(hi / lo);
  const height = rows.length * rowH + 30;
  const parts: string[] = [];
  rows.forEach((name, r) => {
    const top = r * rowH + 4;
    const summary: Summary | null = name === 'total' ? figures.total : (figures.stages[name] ?? null);
    const counts = new Array<number>(BINS).fill(0);
    for (const v of values.get(name) ?? []) {
      const bin = Math.floor(((x(v) - left) / width) * BINS);
      counts[Math.min(BINS - 1, Math.max(0, bin))]! += 1;
    }
    const peak = Math.max(1, ...counts);
    parts.push(`<text x="0" y="${top + rowH / 2}">${escapeHtml(name)} (n=${summary?.count ?? 0})</text>`);
    counts.forEach((count, b) => {
      if (count === 0) return;
      const h = ((rowH - 8) * count) / peak;
      const color = COLORS[r % COLORS.length]!;
      parts.push(
        `<rect x="${num(left + (b * width) / BINS)}" y="${num(top + rowH - 6 - h)}" width="${num(width / BINS - 1)}" height="${num(h)}" fill="${color}">${title(`${count} session(s)`)}</rect>`,
      );
    });
    if (summary) {
      for (const [label, v, dash] of [
        ['p50', summary.p50, ''],
        ['p95', summary.p95, ' stroke-dasharray="3 2"'],
      ] as const) {
        parts.push(
          `<line x1="${num(x(v))}" x2="${num(x(v))}" y1="${top}" y2="${top + rowH - 6}" stroke="#222"${dash}>${title(`${label} ${formatDuration(v)}`)}</line>`,
        );
      }
    }
  });
  for (let decade = lo; decade <= hi; decade *= 10) {
    parts.push(
      `<text x="${num(x(decade))}" y="${height - 6}" text-anchor="middle">${formatDuration(decade)}</text>`,
    );
    parts.push(
      `<line x1="${num(x(decade))}" x2="${num(x(decade))}" y1="0" y2="${height - 20}" stroke="#eee"/>`,
    );
  }
  const caption = 'Distribution of each stage (log scale); solid line p50, dashed p95';
  return `<svg viewBox="0 0 ${left + width + 40} ${height}" role="img" aria-label="${caption}">${title(caption)}${parts.join('')}</svg>`;
}

/** One row per session: scheduled → sent (lateness, grey), then each stage segment in its colour. */
function timelineChart(sessions: readonly SessionReport[], stageNames: readonly string[]): string {
  const starts = sessions.map((s) => s.scheduledAt ?? s.sentAt).filter((v): v is number => v !== null);
  if (starts.length === 0) return '<p class="meta">No session was started.</p>';
  const ordered = [...sessions].sort((a, b) => (a.scheduledAt ?? 0) - (b.scheduledAt ?? 0));
  const step = Math.max(1, ordered.length / MAX_TIMELINE_ROWS);
  const shown = Array.from(
    { length: Math.min(ordered.length, MAX_TIMELINE_ROWS) },
    (_, i) => ordered[Math.floor(i * step)]!,
  );
  const t0 = starts.reduce((a, b) => Math.min(a, b));
  const ends = shown.flatMap((s) => [
    s.sentAt ?? t0,
    ...stageNames.map((n) => (Object.hasOwn(s.stages, n) ? s.stages[n]! : t0)),
  ]);
  const span = Math.max(1, ends.reduce((a, b) => Math.max(a, b)) - t0);
  const [left, width, rowH] = [150, 620, 14];
  const x = (t: number): number => left + (width * (t - t0)) / span;
  const parts: string[] = [];
  shown.forEach((s, r) => {
    const y = r * rowH + 2;
    const cls = s.status === 'ok' ? '' : ' class="bad"';
    parts.push(
      `<text x="0" y="${y + 10}"${cls}>${escapeHtml(s.sessionId.slice(0, 22))}${s.status === 'ok' ? '' : ` ${s.status}`}</text>`,
    );
    const bar = (from: number, to: number, color: string, what: string): void => {
      parts.push(
        `<rect x="${num(x(from))}" y="${y}" width="${num(Math.max(1, x(to) - x(from)))}" height="${rowH - 2}" fill="${color}">${title(`${s.sessionId} ${what} ${formatDuration(to - from)}`)}</rect>`,
      );
    };
    if (s.scheduledAt !== null && s.sentAt !== null) bar(s.scheduledAt, s.sentAt, LATE, 'lateness');
    let previous = s.sentAt;
    stageNames.forEach((name, i) => {
      const at = Object.hasOwn(s.stages, name) ? s.stages[name] : undefined;
      if (at !== undefined && previous !== null) bar(previous, at, COLORS[i % COLORS.length]!, name);
      previous = at ?? null;
    });
  });
  const height = shown.length * rowH + 24;
  for (let i = 0; i <= 4; i += 1) {
    parts.push(
      `<text x="${num(left + (width * i) / 4)}" y="${height - 6}" text-anchor="middle">${i === 0 ? '0' : `+${formatElapsed((span * i) / 4)}`}</text>`,
    );
  }
  const legend = [['lateness', LATE], ...stageNames.map((n, i) => [n, COLORS[i % COLORS.length]!])]
    .map(([name, color]) => `<span><i style="background:${color}"></i>${escapeHtml(name!)}</span>`)
    .join('');
  const note =
    ordered.length > shown.length
      ? `<p class="meta">Showing ${shown.length} of ${ordered.length} sessions, evenly sampled by scheduled start.</p>`
      : '';
  return `<div class="legend">${legend}</div>${note}<svg viewBox="0 0 ${left + width + 40} ${height}" role="img" aria-label="Session timeline">${title('Session timeline')}${parts.join('')}</svg>`;
}

/** The smallest 1, 2 or 5 × 10^k at or above value (at least 1): a round top for a value axis. */
function niceCeiling(value: number): number {
  if (value <= 1) return 1;
  const decade = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((m) => m * decade).find((v) => v >= value) ?? 10 * decade;
}

function lineChart(name: string, unit: string, points: readonly { at: number; value: number }[]): string {
  if (points.length === 0) return '';
  const [left, width, height] = [60, 700, 160];
  const t0 = points[0]!.at;
  const span = Math.max(1, points.at(-1)!.at - t0);
  const top = niceCeiling(points.reduce((a, p) => Math.max(a, p.value), 0));
  const path = points.map(
    (p) =>
      `${num(left + (width * (p.at - t0)) / span)},${num(height - 20 - ((height - 40) * p.value) / top)}`,
  );
  return `<svg viewBox="0 0 ${left + width + 40} ${height}" role="img" aria-label="${escapeHtml(name)}">${title(`${name} (${unit})`)}
<text x="${left}" y="12" font-weight="bold">${escapeHtml(`${name} (${unit})`)}</text>
<text x="0" y="24">${num(top)}</text><text x="0" y="${height - 20}">0</text>
<text x="${left}" y="${height - 4}">${escapeHtml(formatTime(t0))}</text><text x="${left + width}" y="${height - 4}" text-anchor="end">+${formatElapsed(span)}</text>
<line x1="${left}" x2="${left + width}" y1="${height - 20}" y2="${height - 20}" stroke="#ccc"/>
<polyline points="${path.join(' ')}" fill="none" stroke="${COLORS[0]}" stroke-width="1.5"/></svg>`;
}

function figuresSection(
  report: Report,
  heading: string,
  figures: AggregateReport,
  scenario: ScenarioReport | null,
): string {
  const sessions = scenario ? report.sessions.filter((s) => s.scenario === scenario.name) : report.sessions;
  const errors = topErrors(report, scenario?.name ?? null)
    .map(({ reason, count }) => `<li>${count}× ${escapeHtml(reason)}</li>`)
    .join('');
  const phases = scenario ? phasesTable(scenario, report.stageNames) : null;
  return [
    `<section><h2>${escapeHtml(heading)}</h2>`,
    `<p>Sessions: ${escapeHtml(sessionsLine(figures.sessions, figures.successRate))}</p>`,
    errors ? `<ul class="bad">${errors}</ul>` : '',
    htmlTable(statsTable(figures, report.stageNames)),
    phases
      ? `<h3>Cold vs warm</h3><p class="meta">Share = stage's (cold p50 − warm p50) / total's (cold p50 − warm p50).</p>${htmlTable(phases)}`
      : '',
    `<h3>Latency distribution</h3>${distributionChart(figures, rawValues(sessions, report.stageNames), report.stageNames)}`,
    scenario ? `<h3>Timeline</h3>${timelineChart(sessions, report.stageNames)}` : '',
    '</section>',
  ].join('\n');
}

export function renderHtml(report: Report): string {
  const verdict = report.verdict === 'pass' ? 'PASS' : 'FAIL';
  const body: string[] = [
    `<h1>WebOrdinary Bench: ${escapeHtml(report.profile)} <span class="badge ${report.verdict}">${verdict}</span></h1>`,
    `<p class="meta">run ${escapeHtml(report.runId)} · ${formatTime(report.startedAt)} → ${formatTime(report.finishedAt)} (${formatElapsed(report.finishedAt - report.startedAt)})</p>`,
    `<p class="meta">${escapeHtml(stageNote(report))} Total is the last stage minus the scheduled start; percentiles are nearest-rank over raw values.</p>`,
  ];
  if (report.thresholds.length > 0) {
    body.push(
      '<h2>Thresholds</h2>',
      htmlTable(thresholdsTable(report), (i) => (report.thresholds[i]?.ok ? 'ok' : 'bad')),
    );
  }
  for (const scenario of report.scenarios) {
    body.push(figuresSection(report, scenarioTitle(scenario), scenario, scenario));
  }
  if (report.scenarios.length > 1) body.push(figuresSection(report, 'All sessions', report.overall, null));
  const { resources } = report;
  if (resources) {
    body.push(
      `<h2>Resources (${escapeHtml(`${resources.cluster}/${resources.service}`)})</h2>`,
      htmlTable(resourcesTable(resources)),
    );
    for (const series of [resources.cpu, resources.memory])
      if (series) body.push(lineChart(series.name, series.unit, series.points));
    if (resources.tasks) {
      body.push(
        lineChart(
          'running tasks',
          'tasks',
          resources.tasks.samples.map((s) => ({ at: s.at, value: s.running })),
        ),
      );
    }
  }
  const changes = targetChangesTable(report);
  if (changes) body.push('<h2>Target changes</h2>', htmlTable(changes));
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(`${report.profile} · ${report.runId} · ${verdict}`)}</title><style>${CSS}</style></head>
<body>
${body.join('\n')}
</body></html>
`;
}
