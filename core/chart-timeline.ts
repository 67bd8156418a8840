/**
 * The session waterfall: one row per session, the harness's lateness
 * (scheduled → sent, grey), then each log stage as a segment from the
 * previous log stage, in its colour. An S3 stage is a milestone measured from
 * the send (S3 times have whole seconds): a thin line from the send to a
 * diamond, never a segment, and the log chain runs past it. A segment whose
 * event came before the previous one (negative) is drawn as a red outline.
 */

import { formatDuration } from './format.js';
import type { SessionReport, StageInfo } from './report-model.js';
import { BAD, COLORS, elapsedLabel, escapeHtml, GREY, num, svgChart, tooltip } from './svg.js';

/** Timelines beyond this many sessions show an even sample of them (the tables hold every session). */
const MAX_ROWS = 80;

export function timelineChart(sessions: readonly SessionReport[], stageInfo: readonly StageInfo[]): string {
  const starts = sessions.map((s) => s.scheduledAt ?? s.sentAt).filter((v): v is number => v !== null);
  if (starts.length === 0) return '<p class="meta">No session was started.</p>';
  const ordered = [...sessions].sort((a, b) => (a.scheduledAt ?? 0) - (b.scheduledAt ?? 0));
  const step = Math.max(1, ordered.length / MAX_ROWS);
  const shown = Array.from(
    { length: Math.min(ordered.length, MAX_ROWS) },
    (_, i) => ordered[Math.floor(i * step)]!,
  );
  const t0 = Math.min(...starts);
  const ends = shown.flatMap((s) => [s.sentAt ?? t0, ...Object.values(s.stages)]);
  const span = Math.max(1, Math.max(...ends) - t0);
  const [left, width, rowH] = [150, 620, 14];
  const x = (t: number): number => left + (width * (t - t0)) / span;
  const colorOf = new Map(stageInfo.map((s, i) => [s.name, COLORS[i % COLORS.length]!]));
  const parts: string[] = [];
  shown.forEach((s, r) => {
    const y = r * rowH + 2;
    const cls = s.status === 'ok' ? '' : ' class="bad"';
    parts.push(
      `<text x="0" y="${y + 10}"${cls}>${escapeHtml(s.sessionId.slice(0, 22))}${s.status === 'ok' ? '' : ` ${s.status}`}</text>`,
    );
    const bar = (from: number, to: number, color: string, what: string): void => {
      const negative = to < from;
      const [a, b] = negative ? [to, from] : [from, to];
      const label = `${s.sessionId} ${what} ${formatDuration(to - from)}${negative ? ' (negative: its event is timestamped before the previous one)' : ''}`;
      parts.push(
        negative
          ? `<rect class="mark negative" x="${num(x(a))}" y="${y}" width="${num(Math.max(1, x(b) - x(a)))}" height="${rowH - 2}" fill="none" stroke="${BAD}" stroke-dasharray="2 1">${tooltip(label)}</rect>`
          : `<rect class="mark" x="${num(x(a))}" y="${y}" width="${num(Math.max(1, x(b) - x(a)))}" height="${rowH - 2}" fill="${color}">${tooltip(label)}</rect>`,
      );
    };
    if (s.scheduledAt !== null && s.sentAt !== null) bar(s.scheduledAt, s.sentAt, GREY, 'lateness');
    let previous = s.sentAt;
    for (const stage of stageInfo) {
      const at = Object.hasOwn(s.stages, stage.name) ? s.stages[stage.name] : undefined;
      const color = colorOf.get(stage.name)!;
      if (stage.measuredFrom === 'sent') {
        if (at !== undefined && s.sentAt !== null) {
          const mid = y + (rowH - 2) / 2;
          const label = `${s.sessionId} ${stage.name} ${formatDuration(at - s.sentAt)} after the send (S3 time, whole seconds)`;
          parts.push(
            `<line x1="${num(x(s.sentAt))}" x2="${num(x(at))}" y1="${num(mid)}" y2="${num(mid)}" stroke="${color}" stroke-width="1" stroke-dasharray="1 2"/>` +
              `<path class="mark milestone" d="M${num(x(at))},${num(mid - 5)}l4,5l-4,5l-4,-5z" fill="${at < s.sentAt ? BAD : color}" stroke="#222" stroke-width="0.5">${tooltip(at < s.sentAt ? `${label}: before the send, as S3's whole seconds can make it` : label)}</path>`,
          );
        }
        continue; // A milestone is out of the log chain: the next log stage runs from the previous log stage.
      }
      if (at !== undefined && previous !== null) bar(previous, at, color, stage.name);
      previous = at ?? null;
    }
  });
  const height = shown.length * rowH + 24;
  for (let i = 0; i <= 4; i += 1) {
    parts.push(
      `<text x="${num(left + (width * i) / 4)}" y="${height - 6}" text-anchor="middle">${i === 0 ? '0' : elapsedLabel((span * i) / 4)}</text>`,
    );
  }
  const legend = [
    ['lateness', GREY, 'bar'],
    ...stageInfo.map((s) => [s.name, colorOf.get(s.name)!, s.measuredFrom === 'sent' ? 'milestone' : 'bar']),
  ]
    .map(
      ([name, color, kind]) =>
        `<span><i class="${kind}" style="background:${color}"></i>${escapeHtml(name!)}${kind === 'milestone' ? ' (from the send)' : ''}</span>`,
    )
    .join('');
  const note =
    ordered.length > shown.length
      ? `<p class="meta">Showing ${shown.length} of ${ordered.length} sessions, evenly sampled by scheduled start.</p>`
      : '';
  return `<div class="legend">${legend}</div>${note}${svgChart(left + width + 40, height, 'Session timeline', parts.join(''))}`;
}
