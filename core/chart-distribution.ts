/**
 * Distributions in the HTML report: a histogram per stage on a log time axis
 * (with a count axis, p50 and p95, and values at or below zero in a bin of
 * their own, never pinned to the axis), and one CDF chart with a line per
 * stage.
 */
import { sortValues } from './percentiles.js';
import type { Summary } from './report-model.js';
import {
  BAD,
  type Box,
  COLORS,
  durationTick,
  escapeHtml,
  linearScale,
  logScale,
  num,
  svgChart,
  tooltip,
  xAxis,
  yAxis,
} from './svg.js';

const BINS = 40;

export interface Series {
  readonly name: string;
  readonly values: readonly number[];
  readonly summary: Summary | null;
}

/** One histogram row per series, sharing a log time axis; a "≤ 0" bin at the left holds the values a log axis cannot. */
export function histogramChart(series: readonly Series[]): string {
  const positive = series.flatMap((s) => s.values.filter((v) => v > 0));
  if (positive.length === 0) return '<p class="meta">No positive durations to chart.</p>';
  const [labelW, zeroW, width, rowH] = [150, 46, 600, 44];
  const left = labelW + zeroW;
  const x = logScale(Math.min(...positive), Math.max(...positive), left, left + width);
  const height = series.length * rowH + 40;
  const parts: string[] = [];
  series.forEach((s, r) => {
    const top = r * rowH + 8;
    const bottom = top + rowH - 12;
    const counts = new Array<number>(BINS).fill(0);
    let nonPositive = 0;
    for (const v of s.values) {
      if (v <= 0) {
        nonPositive += 1;
        continue;
      }
      const bin = Math.floor(((x(v) - left) / width) * BINS);
      counts[Math.min(BINS - 1, Math.max(0, bin))]! += 1;
    }
    const peak = Math.max(1, nonPositive, ...counts);
    const h = (count: number): number => ((bottom - top) * count) / peak;
    const color = COLORS[r % COLORS.length]!;
    parts.push(
      `<text x="0" y="${top + 14}">${escapeHtml(s.name)}</text><text x="0" y="${top + 27}" class="meta-text">n = ${s.values.length}</text>`,
    );
    // The count axis of this row: 0 at the baseline, the peak count at the top.
    parts.push(
      `<line x1="${left - 2}" x2="${left - 2}" y1="${top}" y2="${bottom}" stroke="#999"/>` +
        `<text x="${left - 5}" y="${top + 8}" text-anchor="end" class="tick">${peak}</text>` +
        `<text x="${left - 5}" y="${bottom}" text-anchor="end" class="tick">0</text>`,
    );
    if (nonPositive > 0) {
      parts.push(
        `<rect class="mark negative" x="${labelW + 2}" y="${num(bottom - h(nonPositive))}" width="${zeroW - 16}" height="${num(h(nonPositive))}" fill="${BAD}">${tooltip(`${nonPositive} value(s) at or below 0 ms: the stage's event is timestamped before the previous one (clocks of two emitters, or S3's whole seconds)`)}</rect>` +
          `<text x="${labelW + 2}" y="${bottom + 10}" class="tick bad">≤ 0</text>`,
      );
    }
    counts.forEach((count, b) => {
      if (count === 0) return;
      parts.push(
        `<rect class="mark" x="${num(left + (b * width) / BINS)}" y="${num(bottom - h(count))}" width="${num(width / BINS - 1)}" height="${num(h(count))}" fill="${color}">${tooltip(`${count} session(s)`)}</rect>`,
      );
    });
    if (s.summary) {
      for (const [label, v, dash] of [
        ['p50', s.summary.p50, ''],
        ['p95', s.summary.p95, ' stroke-dasharray="3 2"'],
      ] as const) {
        if (v <= 0) continue;
        parts.push(
          `<line x1="${num(x(v))}" x2="${num(x(v))}" y1="${top}" y2="${bottom}" stroke="#222"${dash}>${tooltip(`${label} ${durationTick(v)}`)}</line>`,
        );
      }
    }
  });
  for (const decade of x.ticks) {
    parts.push(
      `<line x1="${num(x(decade))}" x2="${num(x(decade))}" y1="0" y2="${height - 28}" stroke="#eee"/>`,
    );
    parts.push(
      `<text x="${num(x(decade))}" y="${height - 16}" text-anchor="middle">${durationTick(decade)}</text>`,
    );
  }
  parts.push(
    `<text x="${left + width}" y="${height - 3}" text-anchor="end" class="axis-title">duration (log scale); bar height: sessions, 0 to the row's peak</text>`,
  );
  const caption =
    'Distribution of each stage: sessions per duration bin (log scale); solid line p50, dashed p95';
  return svgChart(left + width + 30, height, caption, parts.join(''));
}

/** The cumulative distribution of each series: the share of sessions at or below each duration (log axis). */
export function cdfChart(series: readonly Series[]): string {
  const drawn = series.filter((s) => s.values.some((v) => v > 0));
  if (drawn.length === 0) return '<p class="meta">No positive durations to chart.</p>';
  const box: Box = { left: 60, top: 26, width: 620, height: 220 };
  const positive = drawn.flatMap((s) => s.values.filter((v) => v > 0));
  const x = logScale(Math.min(...positive), Math.max(...positive), box.left, box.left + box.width);
  const y = linearScale(0, 1, box.top + box.height, box.top, 4);
  const lines = drawn.map((s, i) => {
    const sorted = sortValues(s.values);
    const n = sorted.length;
    let d = `M${num(x(sorted[0]!))},${num(y(0))}`;
    sorted.forEach((v, k) => {
      d += `H${num(x(v))}V${num(y((k + 1) / n))}`;
    });
    const color = COLORS[series.indexOf(s) % COLORS.length]!;
    return (
      `<path class="mark" d="${d}" stroke="${color}" stroke-width="1.8" fill="none">${tooltip(`${s.name} (n = ${n})`)}</path>` +
      `<text x="${box.left + box.width + 8}" y="${box.top + 12 + i * 14}" fill="${color}">${escapeHtml(s.name)}</text>`
    );
  });
  const content = [
    yAxis(box, y, (v) => `${Math.round(v * 100)}%`, 'sessions at or below'),
    xAxis(box, x, durationTick, 'duration (log scale)'),
    ...lines,
  ].join('');
  return svgChart(
    box.left + box.width + 120,
    box.top + box.height + 36,
    'Cumulative distribution of each stage',
    content,
  );
}
