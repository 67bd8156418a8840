import { z } from 'zod';
import { scenarioName } from '../core/profile.js';
import { planRun } from '../core/session-plan.js';
import { parseProfile } from '../core/validate-profile.js';
import { requiredEnv } from './shared/env.js';
import { parseEvent } from './shared/event.js';
import { Store } from './shared/store.js';

const store = new Store(requiredEnv('TABLE_NAME'));

const EventSchema = z.object({
  profile: z.unknown(),
  runId: z.string().min(1).max(80),
  /** The execution's start time (ISO 8601). */
  startedAt: z.string().optional(),
});

/** Validates the profile (error ProfileInvalid lists every problem), plans the sessions, records the run. */
export async function handler(event: unknown) {
  const { profile: input, runId, startedAt } = parseEvent(EventSchema, event, 'prepare');
  const profile = parseProfile(input);
  const sessions = planRun(runId, profile);
  // Sessions first: the collector starts matching a run once its ACTIVE record exists, and loads its keys then.
  await store.putSessions(runId, sessions);
  await store.putRun({ runId, profile, startedAt: startedAt ? Date.parse(startedAt) : Date.now() });
  return {
    runId,
    sessions: sessions.length,
    settleSeconds: profile.target.observe.settleSeconds,
    scenarios: profile.scenarios.map((s) => ({ name: scenarioName(s), type: s.type })),
  };
}
