/** How durations, shares and times read in every rendering. */

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
