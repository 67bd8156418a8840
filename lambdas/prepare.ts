import { z } from 'zod';
import { runScenarios } from '../core/limit-steps.js';
import { scenarioName } from '../core/profile.js';
import { maxRunSeconds } from '../core/run-limits.js';
import { planRun } from '../core/session-plan.js';
import { stackPolicyProblems } from '../core/stack-policy.js';
import { ProfileInvalidError, parseProfile } from '../core/validate-profile.js';
import { requiredEnv } from './shared/env.js';
import { parseEvent, RunIdSchema } from './shared/event.js';
import { missingQueueProblems, missingQueues } from './shared/provisioned-queues.js';
import { RunSlots } from './shared/run-slots.js';
import { stackPolicy } from './shared/stack-policy-env.js';
import { Store } from './shared/store.js';

const table = requiredEnv('TABLE_NAME');
const store = new Store(table);
const slots = new RunSlots(table);

const EventSchema = z.object({
  profile: z.unknown(),
  runId: RunIdSchema,
  /** The execution's start time (ISO 8601). */
  startedAt: z
    .string()
    .refine((value) => !Number.isNaN(Date.parse(value)), 'must be an ISO 8601 time')
    .optional(),
});

/**
 * Validates the profile: its schema, that it stays inside what the stack
 * allows (its resources, the ECS service and its desired-count bound), and that its pool users' queues exist (error
 * ProfileInvalid lists every problem). Then takes the run's slot on the target
 * (error RunNotAdmitted when another run holds it), plans the sessions and
 * records the run. A refused run writes nothing.
 */
export async function handler(event: unknown) {
  const { profile: input, runId, startedAt } = parseEvent(EventSchema, event, 'prepare');
  const profile = parseProfile(input);
  const policy = stackPolicy();
  const problems = stackPolicyProblems(profile, policy);
  if (profile.target.userPool && (profile.target.provision?.queues.length ?? 0) > 0) {
    problems.push(...missingQueueProblems(await missingQueues(profile.target)));
  }
  if (problems.length > 0) throw new ProfileInvalidError(problems);
  const started = startedAt ? Date.parse(startedAt) : Date.now();
  const sessions = planRun(runId, profile);
  await slots.acquire(
    runId,
    { until: started + maxRunSeconds(profile) * 1000, exclusive: !profile.allowConcurrentRuns },
    policy.maxConcurrentRuns,
  );
  try {
    // A retried Prepare finds the run recorded (its run record is written last): the records stay as they are.
    if (!(await store.getRun(runId))) {
      // Sessions first: the collector starts matching a run once its ACTIVE record exists, and loads its keys then.
      await store.putSessions(runId, sessions);
      await store.putRun({ runId, profile, startedAt: started });
    }
  } catch (error) {
    await slots.release(runId);
    throw error;
  }
  return {
    runId,
    sessions: sessions.length,
    settleSeconds: profile.target.observe.settleSeconds,
    // A limit scenario runs as its steps, in order.
    scenarios: runScenarios(profile).map((s) => ({ name: scenarioName(s), type: s.type })),
  };
}
