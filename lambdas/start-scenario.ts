import { z } from 'zod';
import { findRunScenario } from '../core/limit-steps.js';
import { sessionTimeoutSeconds } from '../core/session-plan.js';
import { requiredEnv } from './shared/env.js';
import { NameSchema, parseEvent, RunIdSchema } from './shared/event.js';
import { skipIfPreviousFailed } from './shared/limit-gate.js';
import { Store } from './shared/store.js';

const store = new Store(requiredEnv('TABLE_NAME'));

/** Time between planning and the first due session, so the Map's iterations are all waiting when it comes. */
const LEAD_MS = 2_000;
/** Slack after the last session's timeout before the observer gives up. */
const GRACE_MS = 30_000;

const EventSchema = z.object({ runId: RunIdSchema, scenario: NameSchema });

/** Fixes the scenario's start time and hands the state machine its sessions. */
export async function handler(event: unknown) {
  const { runId, scenario: name } = parseEvent(EventSchema, event, 'start-scenario');
  const run = await store.getRun(runId);
  if (!run) throw new Error(`run ${runId} has no record; Prepare must run first`);
  const scenario = findRunScenario(run.profile, name);
  if (!scenario) throw new Error(`run ${runId} has no scenario named ${name}`);
  // A limit scenario's step runs only when the step before it passed.
  const skipped = await skipIfPreviousFailed(store, run, scenario);
  if (skipped) return skipped;
  const timeoutSeconds = sessionTimeoutSeconds(run.profile, scenario);
  const sessions = (await store.sessions(runId, name)).sort((a, b) =>
    a.phase === b.phase ? a.index - b.index : a.phase === 'cold' ? -1 : 1,
  );
  const now = Date.now();
  const lastOffset = Math.max(0, ...sessions.map((s) => s.offsetMs ?? 0));
  const sequentialMs =
    scenario.type === 'coldWarm'
      ? sessions.length * (timeoutSeconds + scenario.warmGapSeconds + 600) * 1000
      : 0;
  const stored = await store.putScenario(runId, {
    name,
    startAt: now + LEAD_MS,
    deadline: now + LEAD_MS + lastOffset + sequentialMs + timeoutSeconds * 1000 + GRACE_MS,
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
  return {
    name,
    type: scenario.type,
    sessions: coldWarm ? [] : sessions.map(item),
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
