/**
 * Script-free SVG for the HTML reports: scales, round ticks, axes and
 * escaping. Every chart is an `<svg class="chart">` whose data marks carry
 * class `mark` (what the browser test counts), and every text is escaped.
 */
import { formatDuration } from './format.js';

export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

export const COLORS = [
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
export const GREY = '#bab0ac';
export const BAD = '#c62828';

/** A number for an SVG attribute: one decimal, no trailing zeros. */
export const num = (value: number): string => (Math.round(value * 10) / 10).toString();
export const tooltip = (text: string): string => `<title>${escapeHtml(text)}</title>`;

export interface Scale {
  (value: number): number;
  readonly ticks: readonly number[];
}

/** The smallest 1, 2 or 5 × 10^k at or above value (at least `floor`). */
export function niceCeiling(value: number, floor = 1): number {
  if (value <= floor) return floor;
  const decade = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((m) => m * decade).find((v) => v >= value) ?? 10 * decade;
}

/** A linear scale from [lo, hi] to [from, to] with about `count` round ticks. */
export function linearScale(lo: number, hi: number, from: number, to: number, count = 5): Scale {
  const span = hi - lo || 1;
  const step = niceCeiling(span / count, Number.MIN_VALUE);
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step)
    ticks.push(Math.round(t / step) * step);
  const scale = ((value: number) => from + ((value - lo) / span) * (to - from)) as Scale;
  return Object.assign(scale, { ticks });
}

/** A log10 scale over whole decades covering [lo, hi] (both > 0); values at or below lo sit at `from`. */
export function logScale(lo: number, hi: number, from: number, to: number): Scale & { readonly lo: number } {
  const low = 10 ** Math.floor(Math.log10(lo));
  const high = Math.max(low * 10, 10 ** Math.ceil(Math.log10(hi)));
  const ticks: number[] = [];
  for (let d = low; d <= high * 1.0001; d *= 10) ticks.push(d);
  const scale = ((value: number) =>
    from +
    ((Math.log10(Math.max(value, low)) - Math.log10(low)) / Math.log10(high / low)) * (to - from)) as Scale;
  return Object.assign(scale, { ticks, lo: low });
}

/** Elapsed ms as a time-axis label: +0:30, +2:00, +1:02:03. */
export function elapsedLabel(ms: number): string {
  const total = Math.round(ms / 1_000);
  const h = Math.floor(total / 3_600);
  const m = Math.floor((total % 3_600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `+${h}:${String(m).padStart(2, '0')}:${s}` : `+${m}:${s}`;
}

export interface Box {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/** A y axis with grid lines and labels, and an axis title. */
export function yAxis(box: Box, scale: Scale, format: (v: number) => string, label: string): string {
  const out = scale.ticks.map(
    (t) =>
      `<line x1="${box.left}" x2="${box.left + box.width}" y1="${num(scale(t))}" y2="${num(scale(t))}" stroke="#eee"/>` +
      `<text x="${box.left - 4}" y="${num(scale(t) + 4)}" text-anchor="end">${escapeHtml(format(t))}</text>`,
  );
  out.push(`<text x="0" y="${box.top - 8}" class="axis-title">${escapeHtml(label)}</text>`);
  return out.join('');
}

/** An x axis along the bottom of the box with tick labels, and an axis title at the right. */
export function xAxis(box: Box, scale: Scale, format: (v: number) => string, label: string): string {
  const bottom = box.top + box.height;
  const out = [
    `<line x1="${box.left}" x2="${box.left + box.width}" y1="${bottom}" y2="${bottom}" stroke="#999"/>`,
    ...scale.ticks.map(
      (t) =>
        `<line x1="${num(scale(t))}" x2="${num(scale(t))}" y1="${bottom}" y2="${bottom + 4}" stroke="#999"/>` +
        `<text x="${num(scale(t))}" y="${bottom + 15}" text-anchor="middle">${escapeHtml(format(t))}</text>`,
    ),
    `<text x="${box.left + box.width}" y="${bottom + 28}" text-anchor="end" class="axis-title">${escapeHtml(label)}</text>`,
  ];
  return out.join('');
}

/** The outer element of a chart: a titled, labelled, responsive SVG. */
export function svgChart(width: number, height: number, caption: string, content: string): string {
  return `<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(caption)}">${tooltip(caption)}${content}</svg>`;
}

export const durationTick = (v: number): string => formatDuration(v);

/** Time ticks on an elapsed axis: round steps of 1, 2, 5, 10, 15, 30 s, 1, 2, 5, 10, 15, 30 min, 1 h… */
export function timeScale(spanMs: number, from: number, to: number): Scale {
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1_800, 3_600, 7_200, 21_600].map(
    (s) => s * 1_000,
  );
  const step = steps.find((s) => spanMs / s <= 8) ?? spanMs / 8;
  const ticks: number[] = [];
  for (let t = 0; t <= spanMs + 1; t += step) ticks.push(t);
  const scale = ((value: number) => from + (value / Math.max(1, spanMs)) * (to - from)) as Scale;
  return Object.assign(scale, { ticks });
}
