import { compileRun, type RunMatcher, type SessionOfKey } from '../../core/correlation.js';
import type { Profile } from '../../core/profile.js';
import type { Store } from './store.js';

export interface ActiveRun {
  readonly runId: string;
  readonly profile: Profile;
  readonly matcher: RunMatcher;
  /** The session that held a key at an event's time. Keys are fixed by Prepare, so this never goes stale. */
  readonly sessionOfKey: SessionOfKey;
}

// Shorter than the lead between Prepare and the first trigger (2 s), so a new run is never missed.
const ACTIVE_TTL_MS = 1_000;

/**
 * The active runs and their session keys, kept between invocations of a warm
 * Lambda. Keys do not change after Prepare, so a run's keys load once; nothing
 * else is cached (stream attribution lives in the table, see apply-observations).
 */
export class RunCache {
  private runs = new Map<string, ActiveRun>();
  private loadedAt = 0;

  constructor(private readonly store: Store) {}

  async active(now = Date.now()): Promise<ActiveRun[]> {
    if (now - this.loadedAt > ACTIVE_TTL_MS) {
      const active = await this.store.activeRuns();
      const next = new Map<string, ActiveRun>();
      for (const { runId, profile } of active)
        next.set(runId, this.runs.get(runId) ?? (await this.load(runId, profile)));
      this.runs = next;
      this.loadedAt = now;
    }
    return [...this.runs.values()];
  }

  /** The run, loaded for a handler that knows its runId (Observe). */
  async run(runId: string, profile: Profile): Promise<ActiveRun> {
    let run = this.runs.get(runId);
    if (!run) {
      run = await this.load(runId, profile);
      this.runs.set(runId, run);
    }
    return run;
  }

  /** Forget the list of active runs, so the next call reloads it (a new run has just started). */
  invalidate(): void {
    this.loadedAt = 0;
  }

  private async load(runId: string, profile: Profile): Promise<ActiveRun> {
    const sessions = await this.store.sessions(runId);
    const keys = new Map(sessions.map((s) => [s.key, s.sessionId]));
    return {
      runId,
      profile,
      matcher: compileRun(runId, profile),
      sessionOfKey: (key) => keys.get(key),
    };
  }
}
