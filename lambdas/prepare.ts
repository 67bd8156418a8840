import { z } from 'zod';
import { scenarioName } from '../core/profile.js';
import { planRun } from '../core/session-plan.js';
import { stackLimitProblems } from '../core/stack-limits.js';
import { ProfileInvalidError, parseProfile } from '../core/validate-profile.js';
import { requiredEnv } from './shared/env.js';
import { parseEvent } from './shared/event.js';
import { missingQueueProblems, missingQueues } from './shared/provisioned-queues.js';
import { Store } from './shared/store.js';

const store = new Store(requiredEnv('TABLE_NAME'));
const maxDesiredCount = Number(requiredEnv('MAX_DESIRED_COUNT'));
if (!Number.isInteger(maxDesiredCount) || maxDesiredCount < 1)
  throw new Error(`environment variable MAX_DESIRED_COUNT must be an integer >= 1, got ${maxDesiredCount}`);

const EventSchema = z.object({
  profile: z.unknown(),
  runId: z.string().min(1).max(80),
  /** The execution's start time (ISO 8601). */
  startedAt: z.string().optional(),
});

/**
 * Validates the profile (error ProfileInvalid lists every problem): its schema,
 * the stack's limits, and that its pool users' queues exist. Then plans the
 * sessions and records the run.
 */
export async function handler(event: unknown) {
  const { profile: input, runId, startedAt } = parseEvent(EventSchema, event, 'prepare');
  const profile = parseProfile(input);
  const problems = stackLimitProblems(profile, { maxDesiredCount });
  if (profile.target.userPool && (profile.target.provision?.queues.length ?? 0) > 0) {
    problems.push(...missingQueueProblems(await missingQueues(profile.target)));
  }
  if (problems.length > 0) throw new ProfileInvalidError(problems);
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
