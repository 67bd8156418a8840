/**
 * The progress line of a local run, as pure text: a bar of the sessions
 * done, "scenario k of n", the counts and an ETA, fitted to a terminal width
 * by dropping the least useful parts first (never wrapping onto a second row,
 * where a carriage return could not redraw it).
 */

export interface ProgressState {
  readonly elapsedMs: number;
  /** The scenario running now (1-based among the load scenarios) and its name; null while preparing. */
  readonly scenario: { readonly index: number; readonly count: number; readonly name: string } | null;
  readonly done: number;
  readonly planned: number;
  readonly inFlight: number;
  readonly failed: number;
  readonly timedOut: number;
  /** The simulator's pool, when there is one. */
  readonly pool?: { readonly running: number; readonly busy: number; readonly queued: number };
}

/** Seconds as m:ss (or h:mm:ss). */
export function clock(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1_000));
  const h = Math.floor(total / 3_600);
  const m = Math.floor((total % 3_600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** Time left at the pace so far; null until a session is done. */
export function eta(state: ProgressState): number | null {
  if (state.done === 0 || state.planned === 0) return null;
  return (state.elapsedMs / state.done) * Math.max(0, state.planned - state.done);
}

function parts(state: ProgressState): { text: string; priority: number }[] {
  const left = eta(state);
  const problems = state.failed + state.timedOut;
  return [
    {
      text: state.scenario
        ? `scenario ${state.scenario.index}/${state.scenario.count} ${state.scenario.name}`
        : 'preparing',
      priority: 0,
    },
    { text: `${state.done}/${state.planned} sessions`, priority: 1 },
    { text: `ETA ${left === null ? '–' : clock(left)}`, priority: 2 },
    { text: `${state.inFlight} in flight`, priority: 4 },
    ...(problems > 0 ? [{ text: `${state.failed} failed, ${state.timedOut} timed out`, priority: 3 }] : []),
    { text: clock(state.elapsedMs), priority: 5 },
    ...(state.pool
      ? [
          {
            text: `pool ${state.pool.busy}/${state.pool.running} busy, ${state.pool.queued} queued`,
            priority: 6,
          },
        ]
      : []),
  ];
}

/** One terminal row of at most `width - 1` characters: the bar shrinks first, then low-priority parts go. */
export function progressLine(state: ProgressState, width: number): string {
  const max = Math.max(10, width - 1);
  const share = state.planned > 0 ? Math.min(1, state.done / state.planned) : 0;
  const percent = `${Math.floor(share * 100)}%`.padStart(4);
  let kept = parts(state);
  const bar = (cells: number): string => {
    const full = Math.round(share * cells);
    return `[${'█'.repeat(full)}${'░'.repeat(cells - full)}]`;
  };
  for (;;) {
    const tail = kept.map((p) => p.text).join(' · ');
    const room = max - tail.length - percent.length - 2;
    if (room >= 12) return `${bar(Math.min(30, room - 2))} ${percent} ${tail}`;
    if (kept.length > 1) {
      const drop = kept.reduce((a, b) => (b.priority > a.priority ? b : a));
      kept = kept.filter((p) => p !== drop);
      continue;
    }
    return `${percent} ${tail}`.slice(0, max);
  }
}

/** A plain line for logs (no terminal): no bar, every part. */
export function plainLine(state: ProgressState): string {
  const share = state.planned > 0 ? Math.floor((100 * state.done) / state.planned) : 0;
  return `[${clock(state.elapsedMs)}] ${share}% ${parts(state)
    .filter((p) => p.priority !== 5)
    .map((p) => p.text)
    .join(' · ')}`;
}
