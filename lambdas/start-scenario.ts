import { PutObjectCommand } from '@aws-sdk/client-s3';
import { z } from 'zod';
import { findRunScenario } from '../core/limit-steps.js';
import { LEAD_MS, observerWindowMs } from '../core/observer-window.js';
import { mapConcurrency } from '../core/session-concurrency.js';
import { sessionTimeoutSeconds } from '../core/session-plan.js';
import { s3 } from './shared/clients.js';
import { requiredEnv } from './shared/env.js';
import { NameSchema, parseEvent, RunIdSchema } from './shared/event.js';
import { skipIfPreviousFailed } from './shared/limit-gate.js';
import { Store } from './shared/store.js';

const store = new Store(requiredEnv('TABLE_NAME'));
const plansBucket = requiredEnv('REPORTS_BUCKET');
/** The stack's bound on a Distributed Map's MaxConcurrency (CDK context maxSessionConcurrency). */
const maxSessionConcurrency = Number(requiredEnv('MAX_SESSION_CONCURRENCY'));

const EventSchema = z.object({ runId: RunIdSchema, scenario: NameSchema });

/**
 * Fixes the scenario's start time and hands the state machine its sessions: a
 * load scenario's plan as a JSON array in the reports bucket (the Distributed
 * Map's ItemReader reads it, so the sessions never pass through the execution's
 * state), with the Map's concurrency; coldWarm's few sequential sessions inline.
 */
export async function handler(event: unknown) {
  const { runId, scenario: name } = parseEvent(EventSchema, event, 'start-scenario');
  const run = await store.getRun(runId);
  if (!run) throw new Error(`run ${runId} has no record; Prepare must run first`);
  const scenario = findRunScenario(run.profile, name);
  if (!scenario) throw new Error(`run ${runId} has no scenario named ${name}`);
  // A limit scenario's step runs only when the step before it passed.
  const skipped = await skipIfPreviousFailed(store, run, scenario);
  // Every field the state machine's ResultSelector picks must be there, or the execution fails.
  if (skipped) return { ...skipped, planBucket: plansBucket, planKey: '', concurrency: 0 };
  const timeoutSeconds = sessionTimeoutSeconds(run.profile, scenario);
  const sessions = (await store.sessions(runId, name)).sort((a, b) =>
    a.phase === b.phase ? a.index - b.index : a.phase === 'cold' ? -1 : 1,
  );
  const now = Date.now();
  // The observer follows the sessions' real start times (lambdas/observe.ts), but never past this.
  const stored = await store.putScenario(runId, {
    name,
    startAt: now + LEAD_MS,
    deadline: now + observerWindowMs(run.profile, scenario).hardMs,
  });
  const item = (s: (typeof sessions)[number]) => ({
    sessionId: s.sessionId,
    scheduledAt: new Date(stored.startAt + (s.offsetMs ?? 0)).toISOString(),
    timeoutSeconds,
  });
  const ecs = run.profile.target.ecs;
  const coldWarm = scenario.type === 'coldWarm' && ecs ? scenario : undefined;
  const sequential = (phase: 'cold' | 'warm') =>
    coldWarm && ecs
      ? sessions
          .filter((s) => s.phase === phase)
          .map((s) => ({
            ...item(s),
            cluster: ecs.cluster,
            service: ecs.service,
            scaleUp: coldWarm.scaleUp,
            desiredCount: coldWarm.desiredCount,
            gapSeconds: coldWarm.warmGapSeconds,
          }))
      : [];
  const load = coldWarm || scenario.type === 'resources' ? [] : sessions.map(item);
  const planKey = `runs/${runId}/plans/${encodeURIComponent(name)}.json`;
  if (load.length > 0) {
    await s3().send(
      new PutObjectCommand({
        Bucket: plansBucket,
        Key: planKey,
        Body: JSON.stringify(load),
        ContentType: 'application/json',
      }),
    );
  }
  return {
    name,
    type: scenario.type,
    // Where the load sessions are (an empty plan is never read: the Map runs only for load types).
    planBucket: plansBucket,
    planKey,
    concurrency: mapConcurrency(run.profile, scenario, maxSessionConcurrency),
    cold: sequential('cold'),
    warm: sequential('warm'),
    // What the scenario changes on the target, for the state machine to record and set back.
    ecs:
      coldWarm && ecs
        ? {
            cluster: ecs.cluster,
            service: ecs.service,
            after: coldWarm.scaleUp === 'bench' ? coldWarm.desiredCount : 0,
          }
        : null,
  };
}
