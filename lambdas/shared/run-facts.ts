import type { Profile } from '../../core/profile.js';
import type { Store } from './store.js';

/** Runs remembered per instance: a Lambda instance rarely sees more than the run in progress. */
const MAX_RUNS = 8;

/**
 * What never changes once written, read once per Lambda instance: a run's
 * profile (Prepare writes it) and a scenario's start time (Start scenario
 * keeps the first one). The trigger needs both for every session; reading them
 * for each one made a burst's triggers queue behind hundreds of identical
 * reads. Only values that exist are kept, so a read that found nothing is
 * tried again next time.
 */
export class RunFacts {
  private readonly profiles = new Map<string, Promise<Profile | undefined>>();
  private readonly starts = new Map<string, Promise<number | undefined>>();

  constructor(private readonly store: Store) {}

  profile(runId: string): Promise<Profile | undefined> {
    return remember(this.profiles, runId, async () => (await this.store.getRun(runId))?.profile);
  }

  scenarioStart(runId: string, scenario: string): Promise<number | undefined> {
    return remember(
      this.starts,
      `${runId}\n${scenario}`,
      async () => (await this.store.getScenario(runId, scenario))?.startAt,
    );
  }
}

function remember<T>(
  cache: Map<string, Promise<T | undefined>>,
  key: string,
  read: () => Promise<T | undefined>,
): Promise<T | undefined> {
  const known = cache.get(key);
  if (known) return known;
  const reading = read().then(
    (value) => {
      if (value === undefined) cache.delete(key);
      return value;
    },
    (error: unknown) => {
      cache.delete(key);
      throw error;
    },
  );
  cache.set(key, reading);
  if (cache.size > MAX_RUNS * 4) cache.delete(cache.keys().next().value as string);
  return reading;
}
