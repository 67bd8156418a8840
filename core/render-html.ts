/**
 * The report as one self-contained HTML file: inline CSS and SVG, no
 * scripts, no external assets, so it opens from disk. It leads with the
 * verdicts (thresholds, bottlenecks, cost), then the run over time (latency
 * by session start per stage, sessions in flight and completions, resources,
 * all with the scenario boundaries), then each scenario's figures,
 * distributions (histogram with a count axis, CDF) and session waterfall.
 * Every text that comes from the report is escaped.
 */

import { bottlenecks, type ScenarioVerdict } from './bottlenecks.js';
import { cdfChart, histogramChart, type Series } from './chart-distribution.js';
import { flowChart, latencyOverTime, resourceChart } from './chart-time.js';
import { timelineChart } from './chart-timeline.js';
import { costComparisonLine, costComparisonTable } from './render-cost-comparison.js';
import { limitSummary, limitTable, limitTitle } from './render-limit.js';
import {
  artifactLines,
  firstOnUserLine,
  formatElapsed,
  formatTime,
  lostBatchesCaveat,
  negativeNotes,
  phasesTable,
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
import type { AggregateReport, Report, ScenarioReport } from './report-model.js';
import { metricValues, scenarioSessions } from './report-values.js';
import { escapeHtml } from './svg.js';

export { escapeHtml } from './svg.js';

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#222}
h1{margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #ddd}.meta{color:#555}
.badge{padding:.1rem .6rem;border-radius:4px;color:#fff;font-weight:700}.pass{background:#2e7d32}.fail{background:#c62828}.partial{background:#b26a00}
.banner{background:#fff4e5;border:1px solid #b26a00;padding:.5rem .8rem;border-radius:4px}
table{border-collapse:collapse;margin:.6rem 0}th,td{padding:.2rem .6rem;border-bottom:1px solid #eee;text-align:left}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}.ok{color:#2e7d32}.bad{color:#c62828}
.verdict{border-left:4px solid #4e79a7;padding:.2rem .8rem;margin:.6rem 0;background:#f6f8fb}
svg{display:block;margin:.6rem 0;max-width:100%;height:auto}svg text{font:11px system-ui,sans-serif;fill:#444}
svg text.bad{fill:#c62828}svg text.axis-title{fill:#777}svg text.tick,svg text.meta-text{fill:#888;font-size:10px}svg text.boundary-label{fill:#333;font-size:10px}
.legend span{display:inline-block;margin-right:1rem}.legend i{display:inline-block;width:.8rem;height:.8rem;margin-right:.3rem;vertical-align:-1px}.legend i.milestone{transform:rotate(45deg) scale(.8)}
.tabs>input{position:absolute;opacity:0;pointer-events:none}.tabs>label{display:inline-block;padding:.15rem .6rem;margin:0 .2rem .2rem 0;border:1px solid #ccc;border-radius:4px;cursor:pointer}
.tabs>.panel{display:none}`;

/** CSS-only tabs: the checked radio shows its panel (no script). */
function tabCss(report: Report): string {
  const n = ['total', ...report.stageNames].length;
  return Array.from(
    { length: n },
    (_, i) =>
      `#lat-${i}:checked~.panel[data-for="lat-${i}"]{display:block}#lat-${i}:checked+label{background:#4e79a7;color:#fff;border-color:#4e79a7}`,
  ).join('');
}

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

const notes = (lines: readonly string[]): string =>
  lines.map((line) => `<p class="meta bad">${escapeHtml(line)}</p>`).join('');

/** Each stage's and the total's raw values for some sessions, with their summaries. */
function seriesOf(report: Report, figures: AggregateReport, scenario: string | null): Series[] {
  const sessions = scenarioSessions(report, scenario);
  return [...report.stageNames, 'total'].map((name) => ({
    name,
    values: metricValues(sessions, name),
    summary: name === 'total' ? figures.total : (figures.stages[name] ?? null),
  }));
}

function verdictBlock(verdict: ScenarioVerdict | undefined): string {
  if (!verdict) return '';
  const table = bottleneckTable(verdict);
  return [
    `<h3>Bottleneck</h3><p class="verdict">${escapeHtml(verdict.text)}</p>`,
    table ? `${htmlTable(table)}<p class="meta">${escapeHtml(SHARE_DEFINITION)}</p>` : '',
  ].join('');
}

function figuresSection(
  report: Report,
  heading: string,
  figures: AggregateReport,
  scenario: ScenarioReport | null,
  verdict: ScenarioVerdict | undefined,
): string {
  const name = scenario?.name ?? null;
  const sessions = scenarioSessions(report, name);
  const errors = topErrors(report, name)
    .map(({ reason, count }) => `<li>${count}× ${escapeHtml(reason)}</li>`)
    .join('');
  const phases = scenario ? phasesTable(scenario, report.stageNames) : null;
  const series = seriesOf(report, figures, name);
  return [
    `<section><h2>${escapeHtml(heading)}</h2>`,
    `<p>Sessions: ${escapeHtml(sessionsLine(figures.sessions, figures.successRate))}</p>`,
    ...(name === null ? [] : [firstOnUserLine(report, name)])
      .filter((line): line is string => line !== null)
      .map((line) => `<p>Pool: ${escapeHtml(line)}.</p>`),
    errors ? `<ul class="bad">${errors}</ul>` : '',
    htmlTable(statsTable(figures, report.stageNames)),
    ...(() => {
      const captured = valuesTable(report, figures);
      return captured ? [htmlTable(captured)] : [];
    })(),
    notes(negativeNotes(report, name)),
    verdictBlock(verdict),
    phases
      ? `<h3>Cold vs warm</h3><p class="meta">Share = stage's (cold p50 − warm p50) / total's (cold p50 − warm p50). ${escapeHtml(SHARE_NOTE)}</p>${htmlTable(phases)}`
      : '',
    `<h3>Latency distribution</h3>${histogramChart(series)}`,
    `<h3>Cumulative distribution</h3>${cdfChart(series)}`,
    scenario ? `<h3>Timeline</h3>${timelineChart(sessions, report.stageInfo)}` : '',
    '</section>',
  ].join('\n');
}

/** The same caveat as the text and markdown verdicts: batches lost means stage times may be missing. */
function lostBanner(report: Report): string {
  const caveat = lostBatchesCaveat(report);
  return caveat ? `<p class="banner">${escapeHtml(caveat)}</p>` : '';
}

export function renderHtml(report: Report): string {
  const verdict = report.verdict === 'pass' ? 'PASS' : 'FAIL';
  const verdicts = bottlenecks(report);
  const body: string[] = [
    `<h1>WebOrdinary Bench: ${escapeHtml(report.profile)} <span class="badge ${report.verdict}">${verdict}</span>${report.partial ? ' <span class="badge partial">PARTIAL</span>' : ''}</h1>`,
    report.partial
      ? `<p class="banner">This run stopped early (${escapeHtml(report.partial.reason)}): the report holds only what was recorded by then, and unfinished sessions count against the success rate.</p>`
      : '',
    lostBanner(report),
    `<p class="meta">run ${escapeHtml(report.runId)} · ${formatTime(report.startedAt)} → ${formatTime(report.finishedAt)} (${formatElapsed(report.finishedAt - report.startedAt)})</p>`,
    `<p class="meta">${escapeHtml(stageNote(report))} Total is the last stage minus the scheduled start; percentiles are nearest-rank over raw values.</p>`,
  ];
  if (report.thresholds.length > 0) {
    body.push(
      '<h2>Thresholds</h2>',
      htmlTable(thresholdsTable(report), (i) => (report.thresholds[i]?.ok ? 'ok' : 'bad')),
    );
  }
  if (verdicts.length > 0) {
    const items = verdicts
      .map((v) => `<li><b>${escapeHtml(v.scenario)}</b>: ${escapeHtml(v.text)}</li>`)
      .join('');
    body.push(`<h2>Bottlenecks</h2><ul>${items}</ul>`);
  }
  for (const limit of report.limits ?? []) {
    const rowClass = (i: number) =>
      ({ pass: 'ok', fail: 'bad', notRun: '' })[limit.steps[i]?.verdict ?? 'notRun'];
    body.push(
      `<h2>${escapeHtml(limitTitle(limit))}</h2>`,
      `<p>${escapeHtml(limitSummary(limit))}</p>`,
      htmlTable(limitTable(limit), rowClass),
    );
  }
  if (report.cost) body.push(`<h2>Cost</h2><p>${escapeHtml(costLine(report.cost))}</p>`);
  body.push(
    '<h2>Over time</h2>',
    '<h3>Latency by session start</h3><p class="meta">Pick a stage. Dashed lines: scenario starts.</p>',
    latencyOverTime(report),
    '<h3>Sessions in flight and completions</h3>',
    flowChart(report),
  );
  const { resources } = report;
  if (resources) {
    body.push(
      `<h3>Resources (${escapeHtml(`${resources.cluster}/${resources.service}`)})</h3>`,
      htmlTable(resourcesTable(resources)),
    );
    for (const series of [resources.cpu, resources.memory])
      if (series) body.push(resourceChart(report, series.name, series.unit, series.points));
    if (resources.tasks) {
      const points = resources.tasks.samples.map((s) => ({ at: s.at, value: s.running }));
      body.push(resourceChart(report, 'running tasks', 'tasks', points));
    }
  }
  report.scenarios.forEach((scenario, i) => {
    body.push(figuresSection(report, scenarioTitle(scenario), scenario, scenario, verdicts[i]));
  });
  if (report.scenarios.length > 1)
    body.push(figuresSection(report, 'All sessions', report.overall, null, undefined));
  const changes = targetChangesTable(report);
  if (changes) body.push('<h2>Target changes</h2>', htmlTable(changes));
  const artifacts = artifactLines(report).slice(2);
  if (artifacts.length > 0)
    body.push(
      '<h2>Left in the target</h2>',
      `<ul>${artifacts.map((l) => `<li>${escapeHtml(l.trim())}</li>`).join('')}</ul>`,
    );
  if (report.cost) {
    body.push(
      '<h2>Cost detail</h2>',
      `<p class="meta">Harness quantities are counted from this run (sessions sent, stages observed, observer turns, metric requests) at ${escapeHtml(report.cost.region)} list prices of ${escapeHtml(report.cost.pricesAsOf)}; an estimate, not a bill.</p>`,
      htmlTable(costTable(report.cost)),
    );
    const comparison = costComparisonTable(report.cost);
    if (comparison)
      body.push(
        '<h3>Harness: predicted and measured</h3>',
        `<p class="meta">${escapeHtml(costComparisonLine(report.cost) ?? '')}</p>`,
        htmlTable(comparison),
      );
  }
  const title = `${report.profile} · ${report.runId} · ${verdict}${report.partial ? ' · partial' : ''}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${CSS}${tabCss(report)}</style></head>
<body>
${body.join('\n')}
</body></html>
`;
}
