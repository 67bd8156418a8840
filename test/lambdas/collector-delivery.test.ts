import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileRun } from '../../core/correlation.js';
import type { Profile } from '../../core/profile.js';
import { type PlannedSession, planRun } from '../../core/session-plan.js';
import { applyLogEvents } from '../../lambdas/shared/apply-observations.js';
import type { ActiveRun } from '../../lambdas/shared/run-cache.js';
import { Store } from '../../lambdas/shared/store.js';
import { StreamStore } from '../../lambdas/shared/stream-store.js';
import { LOCAL_TABLE } from '../../local/runner/local-aws-setup.js';
import { deliveryArbitrary, planDelivery } from '../support/adversarial-delivery.js';
import {
  GROUP,
  generatedLogsProfile,
  logsArbitrary,
  renderLogs,
  usersNeeded,
} from '../support/generated-logs.js';
import { useLocalAws } from '../support/local-aws.js';

useLocalAws();
const stores = { store: new Store(LOCAL_TABLE), streams: new StreamStore(LOCAL_TABLE) };
let runs = 0;

/** A collector instance: its own warm state (the active run as run-cache.ts loads it). */
function instance(runId: string, profile: Profile, sessions: readonly PlannedSession[]): ActiveRun {
  const keys = new Map(sessions.map((s) => [s.key, s.sessionId]));
  return { runId, profile, matcher: compileRun(runId, profile), sessionOfKey: (k) => keys.get(k) };
}

describe('the collector under adversarial delivery (property, against dynalite)', () => {
  it('stores every stage and outcome exactly as generated, for any batching, order, duplication and 1-4 concurrent instances', async () => {
    await fc.assert(
      fc.asyncProperty(logsArbitrary, deliveryArbitrary, async (specs, choices) => {
        const runId = `run-delivery-${++runs}`;
        const profile = generatedLogsProfile(Math.max(1, usersNeeded(specs)));
        const sessions = planRun(runId, profile);
        await stores.store.putSessions(runId, sessions);
        const logs = renderLogs(
          specs,
          sessions.map((s) => s.userId),
          Date.now() - 3_600_000,
        );
        const plan = planDelivery(logs.streams, choices);
        // Each instance handles its batches one after another; the instances run at once.
        await Promise.all(
          plan.instances.map(async (batches) => {
            const own = instance(runId, profile, sessions);
            for (const batch of batches) await applyLogEvents(stores, own, GROUP, batch.stream, batch.events);
          }),
        );
        const stored = new Map((await stores.store.sessions(runId)).map((s) => [s.sessionId, s]));
        sessions.forEach((session, index) => {
          const truth = logs.truth.get(index);
          const seen = stored.get(session.sessionId);
          expect({ index, stages: seen?.stages }).toEqual({ index, stages: truth?.stages ?? {} });
          const failure = seen?.failureReason && { reason: seen.failureReason, at: seen.failedAt };
          expect({ index, failure }).toEqual({ index, failure: truth?.failure });
        });
      }),
      { numRuns: 40 },
    );
  }, 300_000);
});
