import type { Store } from '../../lambdas/shared/store.js';
import type { Simulator } from '../simulator/index.js';
import { type ProgressState, plainLine, progressLine } from './progress-line.js';

export type ProgressMode = 'tty' | 'lines' | 'none';

/** A load scenario of the profile, in order, with the sessions it plans. */
export interface PlannedScenario {
  readonly name: string;
  readonly sessions: number;
}

/**
 * Shows how the run is going: a bar of the sessions done over all planned,
 * "scenario k of n", in flight, failures, an ETA and the simulator's pool. On
 * a terminal one row is redrawn four times a second, fitted to its current
 * width; otherwise (CI logs) a plain line every 5 s when something changed.
 */
export function startProgress(
  mode: ProgressMode,
  runId: string,
  store: Store,
  simulator: Simulator,
  scenarios: readonly PlannedScenario[],
): { stop(): void } {
  if (mode === 'none') return { stop() {} };
  const started = Date.now();
  let last = '';
  let busy = false;
  let stopped = false;
  const tick = async () => {
    if (busy || stopped) return;
    busy = true;
    try {
      const state = await read(runId, store, simulator, scenarios, Date.now() - started);
      if (stopped) return;
      if (mode === 'tty') {
        process.stderr.write(`\r\u001b[2K${progressLine(state, process.stderr.columns ?? 80)}`);
      } else {
        const line = plainLine(state);
        const key = line.replace(/^\[[^\]]*\] /, '').replace(/ · ETA [^·]*/, '');
        if (key !== last) process.stderr.write(`${line}\n`);
        last = key;
      }
    } catch {
      // Progress is best effort; the run's own errors surface elsewhere.
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(tick, mode === 'tty' ? 250 : 5_000);
  process.stderr.write(
    `Running ${runId} locally against the WebOrdinary simulator (Ctrl-C writes a partial report)\n`,
  );
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      if (mode === 'tty') process.stderr.write('\r\u001b[2K');
    },
  };
}

async function read(
  runId: string,
  store: Store,
  simulator: Simulator,
  scenarios: readonly PlannedScenario[],
  elapsedMs: number,
): Promise<ProgressState> {
  const sessions = await store.sessions(runId);
  const open = new Map<string, number>();
  let done = 0;
  let inFlight = 0;
  let failed = 0;
  let timedOut = 0;
  for (const s of sessions) {
    if (s.status === 'ok' || s.status === 'failed' || s.status === 'timedOut') done += 1;
    else open.set(s.scenario, (open.get(s.scenario) ?? 0) + 1);
    if (s.status === 'sent') inFlight += 1;
    if (s.status === 'failed') failed += 1;
    if (s.status === 'timedOut') timedOut += 1;
  }
  const seen = new Set(sessions.map((s) => s.scenario));
  // The scenario running now: the first, in profile order, with sessions not yet final.
  const index = scenarios.findIndex((s) => (open.get(s.name) ?? 0) > 0);
  const current = index >= 0 ? index : scenarios.findLastIndex((s) => seen.has(s.name));
  const pool = simulator.snapshot();
  return {
    elapsedMs,
    scenario:
      current >= 0 ? { index: current + 1, count: scenarios.length, name: scenarios[current]!.name } : null,
    done,
    planned: scenarios.reduce((sum, s) => sum + s.sessions, 0),
    inFlight,
    failed,
    timedOut,
    pool: { running: pool.running, busy: pool.busy, queued: pool.queued },
  };
}
