/**
 * The trend page: one self-contained HTML file (inline CSS and SVG, no
 * script). A table of the runs with their verdicts and bottlenecks, then per
 * scenario a small chart per stage and the total: p50 (solid) and p95
 * (dashed) run after run, with each credible change marked where it shows
 * (▲ red: slower than the run before; ▼ green: faster).
 */
import { formatDuration, formatTime } from './format.js';
import {
  BAD,
  type Box,
  COLORS,
  durationTick,
  escapeHtml,
  linearScale,
  niceCeiling,
  num,
  svgChart,
  tooltip,
  yAxis,
} from './svg.js';
import type { Trend, TrendSeries } from './trend.js';

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1200px;padding:0 1rem;color:#222}
h2{margin-top:2rem;border-bottom:1px solid #ddd}.meta{color:#555}.bad{color:#c62828}.ok{color:#2e7d32}
table{border-collapse:collapse}th,td{padding:.2rem .6rem;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:.6rem}
.grid figure{margin:0}.grid figcaption{font-weight:600}
svg{display:block;max-width:100%;height:auto}svg text{font:10px system-ui,sans-serif;fill:#555}svg text.axis-title{fill:#777}`;

export function renderTrendHtml(trend: Trend): string {
  const runs = trend.runs
    .map((r, i) => {
      const found = r.bottlenecks.filter((b) => b.stage !== null);
      const named = found.map((b) => `${escapeHtml(b.scenario)}: <b>${escapeHtml(b.stage!)}</b>`).join('; ');
      return `<tr><td>${i + 1}</td><td>${escapeHtml(r.runId)}${r.partial ? ' <span class="bad">(partial)</span>' : ''}</td><td>${escapeHtml(r.profile)}</td><td>${formatTime(r.startedAt)}</td><td class="${r.verdict === 'pass' ? 'ok' : 'bad'}">${r.verdict.toUpperCase()}</td><td>${named || '–'}</td></tr>`;
    })
    .join('');
  const scenarios = [...new Set(trend.series.map((s) => s.scenario))];
  const sections = scenarios.map((scenario) => {
    const charts = trend.series
      .filter((s) => s.scenario === scenario)
      .map((s) => `<figure><figcaption>${escapeHtml(s.metric)}</figcaption>${seriesChart(s, trend)}</figure>`)
      .join('');
    const changes = trend.series
      .filter((s) => s.scenario === scenario)
      .flatMap((s) =>
        s.changes.map(
          (c) =>
            `<li class="${c.direction === 'regression' ? 'bad' : 'ok'}">run ${c.run + 1} (${escapeHtml(trend.runs[c.run]!.runId)}): ${escapeHtml(s.metric)} ${c.stat} ${c.direction}: ${escapeHtml(c.evidence)}</li>`,
        ),
      )
      .join('');
    return `<h2>Scenario ${escapeHtml(scenario)}</h2>${changes ? `<ul>${changes}</ul>` : '<p class="meta">No credible change between consecutive runs.</p>'}<div class="grid">${charts}</div>`;
  });
  const first = trend.runs[0];
  const last = trend.runs.at(-1);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>WebOrdinary Bench trend · ${trend.runs.length} runs</title><style>${CSS}</style></head>
<body>
<h1>WebOrdinary Bench: trend over ${trend.runs.length} runs</h1>
<p class="meta">${first && last ? `${formatTime(first.startedAt)} → ${formatTime(last.startedAt)}. ` : ''}Solid: p50, dashed: p95, per run (oldest left). ▲ a credible slowdown from the run before, ▼ a credible speed-up (the tests of bench compare: rank test for p50, non-overlapping 95 % intervals for p95).</p>
${trend.warnings.map((w) => `<p class="bad">⚠ ${escapeHtml(w)}</p>`).join('')}
<h2>Runs</h2><table><thead><tr><th>#</th><th>run</th><th>profile</th><th>started</th><th>verdict</th><th>bottleneck</th></tr></thead><tbody>${runs}</tbody></table>
${sections.join('\n')}
</body></html>
`;
}

function seriesChart(series: TrendSeries, trend: Trend): string {
  const box: Box = { left: 56, top: 14, width: 290, height: 120 };
  const n = trend.runs.length;
  const present = series.points.filter((p) => p !== null);
  const top = niceCeiling(Math.max(1, ...present.map((p) => p.p95)));
  const y = linearScale(Math.min(0, ...present.map((p) => p.p50)), top, box.top + box.height, box.top, 4);
  const x = (i: number): number => box.left + (n === 1 ? box.width / 2 : (box.width * i) / (n - 1));
  const line = (pick: 'p50' | 'p95'): string => {
    let d = '';
    let pen = false;
    series.points.forEach((p, i) => {
      if (!p) {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${num(x(i))},${num(y(p[pick]))}`;
      pen = true;
    });
    return d;
  };
  const dots = series.points
    .map((p, i) =>
      p
        ? `<circle class="mark" cx="${num(x(i))}" cy="${num(y(p.p50))}" r="2.5" fill="${COLORS[0]}">${tooltip(`run ${i + 1} ${trend.runs[i]!.runId}: p50 ${formatDuration(p.p50)}, p95 ${formatDuration(p.p95)}, n ${p.n}`)}</circle>`
        : '',
    )
    .join('');
  const marks = series.changes
    .map((c) => {
      const p = series.points[c.run];
      if (!p) return '';
      const v = c.stat === 'p95' ? p.p95 : p.p50;
      const up = c.direction === 'regression';
      const cx = x(c.run);
      const cy = y(v);
      const d = up ? `M${num(cx)},${num(cy - 9)}l5,8h-10z` : `M${num(cx)},${num(cy + 9)}l5,-8h-10z`;
      return `<path class="mark change" d="${d}" fill="${up ? BAD : '#2e7d32'}">${tooltip(`run ${c.run + 1}: ${c.stat} ${c.direction}: ${c.evidence}`)}</path>`;
    })
    .join('');
  const labels = trend.runs
    .map((_, i) =>
      n <= 12 || i % Math.ceil(n / 12) === 0
        ? `<text x="${num(x(i))}" y="${box.top + box.height + 12}" text-anchor="middle">${i + 1}</text>`
        : '',
    )
    .join('');
  const content = [
    yAxis(box, y, durationTick, ''),
    `<line x1="${box.left}" x2="${box.left + box.width}" y1="${box.top + box.height}" y2="${box.top + box.height}" stroke="#999"/>`,
    labels,
    `<text x="${box.left + box.width}" y="${box.top + box.height + 24}" text-anchor="end" class="axis-title">run</text>`,
    `<path class="mark" d="${line('p95')}" stroke="${COLORS[1]}" stroke-width="1.5" stroke-dasharray="4 2" fill="none"/>`,
    `<path class="mark" d="${line('p50')}" stroke="${COLORS[0]}" stroke-width="1.8" fill="none"/>`,
    dots,
    marks,
  ].join('');
  return svgChart(
    box.left + box.width + 14,
    box.top + box.height + 30,
    `${series.scenario} ${series.metric} p50 and p95 per run`,
    content,
  );
}
