/**
 * The time charts of the HTML report, on one elapsed-time axis from the run's
 * start, each with the scenario boundaries: latency by session start (one
 * point per session, p95 per time bucket), sessions in flight and
 * completions, and the resource series.
 */
import { percentile, sortValues } from './percentiles.js';
import type { Report, SessionReport } from './report-model.js';
import { sessionValue } from './report-values.js';
import {
  BAD,
  type Box,
  COLORS,
  durationTick,
  elapsedLabel,
  escapeHtml,
  linearScale,
  niceCeiling,
  num,
  type Scale,
  svgChart,
  timeScale,
  tooltip,
  xAxis,
  yAxis,
} from './svg.js';

const WIDTH = 860;
const BOX: Box = { left: 70, top: 48, width: 740, height: 200 };
const HEIGHT = BOX.top + BOX.height + 36;
const BUCKETS = 24;
/** Scatter points beyond this many sessions are an even sample (the p95 line still uses every session). */
const MAX_POINTS = 3_000;

export interface Span {
  readonly name: string;
  readonly start: number;
  readonly end: number;
}

/** When a session started (scheduled, else sent), and when it ended (its last observed event). */
const startOf = (s: SessionReport): number | null => s.scheduledAt ?? s.sentAt;
function endOf(s: SessionReport): number | null {
  const times = Object.values(s.stages);
  return times.length > 0 ? Math.max(...times) : null;
}

/** Each scenario's first start and last event, in ms since the run's start. */
export function scenarioSpans(report: Report): Span[] {
  return report.scenarios.flatMap((scenario) => {
    const own = report.sessions.filter((s) => s.scenario === scenario.name);
    const starts = own.map(startOf).filter((v): v is number => v !== null);
    if (starts.length === 0) return [];
    const ends = own.map((s) => endOf(s) ?? startOf(s)).filter((v): v is number => v !== null);
    return [
      {
        name: scenario.name,
        start: Math.min(...starts) - report.startedAt,
        end: Math.max(...ends, ...starts) - report.startedAt,
      },
    ];
  });
}

/** The run's time span (ms since start) that the charts cover. */
export function runSpan(report: Report, extra: readonly number[] = []): number {
  const ends = report.sessions.flatMap((s) => [endOf(s), startOf(s)]).filter((v): v is number => v !== null);
  return Math.max(
    1,
    ...ends.map((t) => t - report.startedAt),
    ...extra,
    report.finishedAt - report.startedAt,
  );
}

/** Dashed lines at each scenario's start, labelled above the plot. */
export function boundaries(spans: readonly Span[], x: Scale, box: Box): string {
  return spans
    .map((span, i) => {
      const at = num(x(span.start));
      const y = box.top - 4 - (i % 2) * 11;
      return (
        `<line class="boundary" x1="${at}" x2="${at}" y1="${box.top - 14}" y2="${box.top + box.height}" stroke="#666" stroke-dasharray="4 3">${tooltip(`scenario ${span.name} starts ${elapsedLabel(span.start)}`)}</line>` +
        `<text x="${num(x(span.start) + 3)}" y="${y}" class="boundary-label">${escapeHtml(span.name)}</text>`
      );
    })
    .join('');
}

/** Latency by session start, one chart per metric (total first, then each stage), selectable with CSS-only tabs. */
export function latencyOverTime(report: Report): string {
  const metrics = ['total', ...report.stageNames];
  const spans = scenarioSpans(report);
  const span = runSpan(report);
  const charts = metrics.map((metric, i) => ({
    metric,
    svg: latencyChart(report, metric, spans, span, COLORS[i % COLORS.length]!),
  }));
  const shown = charts.filter((c) => c.svg !== null);
  if (shown.length === 0) return '<p class="meta">No session has a value to chart.</p>';
  const id = 'lat';
  const tabs = shown
    .map(
      (c, i) =>
        `<input type="radio" name="${id}" id="${id}-${i}"${i === 0 ? ' checked' : ''}><label for="${id}-${i}">${escapeHtml(c.metric)}</label>`,
    )
    .join('');
  const panels = shown.map((c, i) => `<div class="panel" data-for="${id}-${i}">${c.svg}</div>`).join('');
  return `<div class="tabs">${tabs}${panels}</div>`;
}

function latencyChart(
  report: Report,
  metric: string,
  spans: readonly Span[],
  span: number,
  color: string,
): string | null {
  const points = report.sessions.flatMap((s) => {
    const start = startOf(s);
    const value = sessionValue(s, metric);
    return start !== null && value !== undefined
      ? [{ at: start - report.startedAt, value, id: s.sessionId }]
      : [];
  });
  if (points.length === 0) return null;
  const lo = Math.min(0, ...points.map((p) => p.value));
  const hi = niceCeiling(Math.max(1, ...points.map((p) => p.value)));
  const x = timeScale(span, BOX.left, BOX.left + BOX.width);
  const y = linearScale(lo, hi, BOX.top + BOX.height, BOX.top);
  const step = Math.max(1, points.length / MAX_POINTS);
  const dots: string[] = [];
  for (let i = 0; i < points.length; i += step) {
    const p = points[Math.floor(i)]!;
    const negative = p.value < 0;
    dots.push(
      `<circle class="mark" cx="${num(x(p.at))}" cy="${num(y(p.value))}" r="2.5" fill="${negative ? BAD : color}" fill-opacity="0.6">${tooltip(`${p.id}: ${durationTick(p.value)}${negative ? ' (negative: clocks or S3 whole seconds)' : ''}`)}</circle>`,
    );
  }
  const p95 = bucketP95(points, span);
  const line = p95.map((b) => `M${num(x(b.from))},${num(y(b.p95))}H${num(x(b.to))}`).join('');
  const lineTitle = tooltip(`p95 per ${elapsedLabel(span / BUCKETS).slice(1)} bucket`);
  const zero =
    lo < 0
      ? `<line x1="${BOX.left}" x2="${BOX.left + BOX.width}" y1="${num(y(0))}" y2="${num(y(0))}" stroke="#999"/>`
      : '';
  const caption = `${metric} by session start: each point a session, the line p95 per time bucket`;
  const content = [
    yAxis(BOX, y, durationTick, metric),
    xAxis(BOX, x, elapsedLabel, 'session start (since the run started)'),
    zero,
    boundaries(spans, x, BOX),
    dots.join(''),
    `<path class="mark p95" d="${line}" stroke="#222" stroke-width="2" fill="none">${lineTitle}</path>`,
    `<text x="${BOX.left + BOX.width}" y="12" text-anchor="end">● session  ━ p95 per bucket (n ${points.length}${points.length > MAX_POINTS ? `, ${MAX_POINTS} drawn` : ''})</text>`,
  ].join('');
  return svgChart(WIDTH, HEIGHT, caption, content);
}

/** p95 of the values in each time bucket that has any (nearest rank, as everywhere). */
function bucketP95(points: readonly { at: number; value: number }[], span: number) {
  const width = span / BUCKETS;
  const buckets = new Map<number, number[]>();
  for (const p of points) {
    const b = Math.min(BUCKETS - 1, Math.floor(p.at / width));
    const values = buckets.get(b);
    if (values) values.push(p.value);
    else buckets.set(b, [p.value]);
  }
  return [...buckets]
    .sort((a, b) => a[0] - b[0])
    .map(([b, values]) => ({
      from: b * width,
      to: (b + 1) * width,
      p95: percentile(sortValues(values), 95),
      n: values.length,
    }));
}

/** Sessions in flight (sent, last event not yet seen) as a step line, and completions per bucket as bars. */
export function flowChart(report: Report): string {
  const span = runSpan(report);
  const events: { at: number; delta: number }[] = [];
  const completions: number[] = [];
  for (const s of report.sessions) {
    if (s.sentAt === null) continue;
    const end = s.status === 'ok' || s.status === 'failed' ? endOf(s) : null;
    events.push({ at: s.sentAt - report.startedAt, delta: 1 });
    events.push({ at: (end ?? report.finishedAt) - report.startedAt, delta: -1 });
    if (end !== null && s.status === 'ok') completions.push(end - report.startedAt);
  }
  if (events.length === 0) return '<p class="meta">No session was sent.</p>';
  events.sort((a, b) => a.at - b.at || a.delta - b.delta);
  const steps: { at: number; open: number }[] = [{ at: 0, open: 0 }];
  let open = 0;
  for (const e of events) {
    open += e.delta;
    steps.push({ at: e.at, open });
  }
  const width = span / BUCKETS;
  const perBucket = new Array<number>(BUCKETS).fill(0);
  for (const at of completions) perBucket[Math.min(BUCKETS - 1, Math.max(0, Math.floor(at / width)))]! += 1;
  const top = niceCeiling(Math.max(1, ...steps.map((s) => s.open), ...perBucket));
  const x = timeScale(span, BOX.left, BOX.left + BOX.width);
  const y = linearScale(0, top, BOX.top + BOX.height, BOX.top, Math.min(5, top));
  const bars = perBucket
    .map((count, b) =>
      count === 0
        ? ''
        : `<rect class="mark" x="${num(x(b * width) + 1)}" y="${num(y(count))}" width="${num(Math.max(1, x(width) - x(0) - 2))}" height="${num(y(0) - y(count))}" fill="${COLORS[2]}" fill-opacity="0.55">${tooltip(`${count} completed between ${elapsedLabel(b * width)} and ${elapsedLabel((b + 1) * width)}`)}</rect>`,
    )
    .join('');
  const path = steps
    .map(
      (s, i) =>
        `${i === 0 ? 'M' : 'H'}${num(x(s.at))}${i === 0 ? `,${num(y(s.open))}` : `V${num(y(s.open))}`}`,
    )
    .join('');
  const peak = Math.max(...steps.map((s) => s.open));
  const caption = 'Sessions in flight (line) and completed per time bucket (bars)';
  const content = [
    yAxis(BOX, y, (v) => String(v), 'sessions'),
    xAxis(BOX, x, elapsedLabel, 'time since the run started'),
    boundaries(scenarioSpans(report), x, BOX),
    bars,
    `<path class="mark" d="${path}" stroke="${COLORS[0]}" stroke-width="2" fill="none">${tooltip(`in flight (peak ${peak}): sent, final stage not yet seen`)}</path>`,
    `<text x="${BOX.left + BOX.width}" y="12" text-anchor="end">━ in flight (peak ${peak})  ▮ completed ok per ${elapsedLabel(width).slice(1)}</text>`,
  ].join('');
  return svgChart(WIDTH, HEIGHT, caption, content);
}

/** A resource series over the run's time axis, with its unit on the y axis and the scenario boundaries. */
export function resourceChart(
  report: Report,
  name: string,
  unit: string,
  points: readonly { at: number; value: number }[],
): string {
  if (points.length === 0) return '';
  const span = runSpan(
    report,
    points.map((p) => p.at - report.startedAt),
  );
  const x = timeScale(span, BOX.left, BOX.left + BOX.width);
  const top = niceCeiling(Math.max(1, ...points.map((p) => p.value)));
  const y = linearScale(0, top, BOX.top + BOX.height, BOX.top);
  const path = points
    .map((p, i) => `${i === 0 ? 'M' : 'L'}${num(x(p.at - report.startedAt))},${num(y(p.value))}`)
    .join('');
  const dots = points
    .map(
      (p) =>
        `<circle class="mark" cx="${num(x(p.at - report.startedAt))}" cy="${num(y(p.value))}" r="2" fill="${COLORS[0]}">${tooltip(`${elapsedLabel(p.at - report.startedAt)}: ${p.value.toFixed(1)} ${unit}`)}</circle>`,
    )
    .join('');
  const content = [
    yAxis(BOX, y, (v) => String(v), unit),
    xAxis(BOX, x, elapsedLabel, 'time since the run started'),
    boundaries(scenarioSpans(report), x, BOX),
    `<path class="mark" d="${path}" stroke="${COLORS[0]}" stroke-width="1.5" fill="none"/>`,
    dots,
    `<text x="${BOX.left}" y="12" font-weight="bold">${escapeHtml(name)}</text>`,
  ].join('');
  return svgChart(WIDTH, HEIGHT, `${name} (${unit}) over the run`, content);
}
