import type { Store } from '../../lambdas/shared/store.js';
import type { Simulator } from '../simulator/index.js';

export type ProgressMode = 'tty' | 'lines' | 'none';

/**
 * Shows how the run is going: per scenario, sessions planned / sent / ok /
 * failed / timed out, and the simulator's pool. On a terminal one line is
 * redrawn four times a second; otherwise a line is printed every 5 s when
 * something changed (as in CI logs).
 */
export function startProgress(
  mode: ProgressMode,
  runId: string,
  store: Store,
  simulator: Simulator,
  /** The profile's scenario names, in order. */
  scenarios: readonly string[],
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
      const line = await describe(runId, store, simulator, scenarios, Date.now() - started);
      if (stopped) return;
      // One terminal row, so the carriage return redraws it instead of leaving wrapped pieces.
      if (mode === 'tty')
        process.stderr.write(`\r\u001b[2K${line.slice(0, (process.stderr.columns ?? 120) - 1)}`);
      else if (line.replace(/^\[[^\]]*\] /, '') !== last.replace(/^\[[^\]]*\] /, ''))
        process.stderr.write(`${line}\n`);
      last = line;
    } catch {
      // Progress is best effort; the run's own errors surface elsewhere.
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(tick, mode === 'tty' ? 250 : 5_000);
  process.stderr.write(`Running ${runId} locally against the WebOrdinary simulator\n`);
  return {
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      if (mode === 'tty') process.stderr.write('\r\u001b[2K');
    },
  };
}

async function describe(
  runId: string,
  store: Store,
  simulator: Simulator,
  order: readonly string[],
  elapsedMs: number,
): Promise<string> {
  const sessions = await store.sessions(runId);
  const byScenario = new Map<string, Record<string, number>>();
  for (const s of sessions) {
    const counts = byScenario.get(s.scenario) ?? { planned: 0, sent: 0, ok: 0, failed: 0, timedOut: 0 };
    counts[s.status] = (counts[s.status] ?? 0) + 1;
    byScenario.set(s.scenario, counts);
  }
  // The scenario running now: the first, in profile order, with sessions not yet final.
  const inOrder = order
    .filter((name) => byScenario.has(name))
    .map((name) => [name, byScenario.get(name)!] as const);
  const active = inOrder.find(([, c]) => (c.planned ?? 0) + (c.sent ?? 0) > 0) ?? inOrder.at(-1);
  const pool = simulator.snapshot();
  const elapsed = `${(elapsedMs / 1000).toFixed(1)}s`;
  if (!active) return `[${elapsed}] preparing`;
  const [name, c] = active;
  const total = Object.values(c).reduce((a, b) => a + b, 0);
  const done = (c.ok ?? 0) + (c.failed ?? 0) + (c.timedOut ?? 0);
  return (
    `[${elapsed}] ${name}: ${done}/${total} done · ${c.sent ?? 0} in flight · ${c.ok ?? 0} ok · ` +
    `${c.failed ?? 0} failed · ${c.timedOut ?? 0} timed out | tasks ${pool.running} running, ${pool.busy} busy, ${pool.queued} queued`
  );
}
