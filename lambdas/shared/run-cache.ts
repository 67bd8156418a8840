import { stripAnsi } from '../../core/ansi.js';
import { compileRun, type LogEvent, type RunMatcher, type SessionOfKey } from '../../core/correlation.js';
import type { Profile } from '../../core/profile.js';
import { type Lease, leaseHolder } from '../../core/user-pool.js';
import type { Store } from './store.js';
import { UserLeases } from './user-leases.js';

export interface ActiveRun {
  readonly runId: string;
  readonly profile: Profile;
  readonly matcher: RunMatcher;
  /** The session that held a key at an event's time (after `loadKeys` for the events). */
  readonly sessionOfKey: SessionOfKey;
  /** Makes `sessionOfKey` able to answer for these events (a user pool's leases are read as needed). */
  loadKeys?(events: readonly LogEvent[]): Promise<void>;
}

/**
 * A lease is written just before its session sends, so leases read at time L
 * answer for every event up to L minus this margin (write latency, clock skew);
 * a later event reads its key's leases again.
 */
const LEASE_FRESH_MARGIN_MS = 2_000;

/** Key lookups of a run with a user pool: each key's leases, read when an event needs them. */
function pooledKeys(runId: string, matcher: RunMatcher, leases: UserLeases) {
  const known = new Map<string, { leases: Lease[]; loadedAt: number }>();
  return {
    sessionOfKey: ((key, at) => {
      const entry = known.get(key);
      return entry ? leaseHolder(entry.leases, at) : undefined;
    }) satisfies SessionOfKey,
    async loadKeys(events: readonly LogEvent[]): Promise<void> {
      const latest = new Map<string, number>();
      for (const event of events)
        for (const key of matcher.findKeys(stripAnsi(event.message)))
          latest.set(key, Math.max(latest.get(key) ?? 0, event.timestamp));
      await Promise.all(
        [...latest].map(async ([key, at]) => {
          const entry = known.get(key);
          if (entry && at <= entry.loadedAt - LEASE_FRESH_MARGIN_MS) return;
          const loadedAt = Date.now();
          known.set(key, { leases: await leases.leasesOfKey(runId, key), loadedAt });
        }),
      );
    },
  };
}

// Shorter than the lead between Prepare and the first trigger (2 s), so a new run is never missed.
const ACTIVE_TTL_MS = 1_000;

/**
 * The active runs and their session keys, kept between invocations of a warm
 * Lambda. Without a user pool keys do not change after Prepare, so a run's keys
 * load once; with one, each key's leases are read again whenever an event is
 * newer than the copy. Stream attribution lives in the table (what an
 * instance knows of a stream is checked on every write, see stream-store), so
 * nothing an instance holds goes stale.
 */
export class RunCache {
  private runs = new Map<string, ActiveRun>();
  private loadedAt = 0;
  private reloading: Promise<void> | undefined;

  constructor(private readonly store: Store) {}

  async active(now = Date.now()): Promise<ActiveRun[]> {
    if (now - this.loadedAt > ACTIVE_TTL_MS) {
      // One reload at a time: concurrent calls (local mode runs many in one process) share it
      // instead of each querying the active runs again while the first is on its way.
      if (!this.reloading) {
        const reloading = this.reload(now).finally(() => {
          if (this.reloading === reloading) this.reloading = undefined;
        });
        this.reloading = reloading;
      }
      await this.reloading;
    }
    return [...this.runs.values()];
  }

  private async reload(now: number): Promise<void> {
    const active = await this.store.activeRuns();
    const next = new Map<string, ActiveRun>();
    for (const { runId, profile } of active)
      next.set(runId, this.runs.get(runId) ?? (await this.load(runId, profile)));
    this.runs = next;
    this.loadedAt = now;
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
    // A reload already on its way may have read the list before the new run: the next call reads again.
    this.reloading = undefined;
  }

  private async load(runId: string, profile: Profile): Promise<ActiveRun> {
    const matcher = compileRun(runId, profile);
    if (profile.target.userPool) {
      return { runId, profile, matcher, ...pooledKeys(runId, matcher, new UserLeases(this.store.table)) };
    }
    const sessions = await this.store.sessions(runId);
    const keys = new Map(sessions.map((s) => [s.key, s.sessionId]));
    return { runId, profile, matcher, sessionOfKey: (key) => keys.get(key) };
  }
}
