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
import { type Batch, deliveryArbitrary, planDelivery } from '../support/adversarial-delivery.js';
import {
  GROUP,
  generatedLogsProfile,
  logsArbitrary,
  renderLogs,
  usersNeeded,
} from '../support/generated-logs.js';
import { useLocalAws } from '../support/local-aws.js';

useLocalAws();
const store = new Store(LOCAL_TABLE);
let runs = 0;

/**
 * A collector instance's stream store, whose session writes can fail part
 * way (the function timed out or was throttled after storing the markers).
 */
class CrashingStreams extends StreamStore {
  writesLeft: number | undefined;

  override async credit(...args: Parameters<StreamStore['credit']>) {
    if (this.writesLeft !== undefined && this.writesLeft-- <= 0) throw new Error('instance crashed');
    return super.credit(...args);
  }
}

/** A collector instance: its own warm state (the active run as run-cache.ts loads it, sealed segments). */
function instance(runId: string, profile: Profile, sessions: readonly PlannedSession[]): ActiveRun {
  const keys = new Map(sessions.map((s) => [s.key, s.sessionId]));
  return { runId, profile, matcher: compileRun(runId, profile), sessionOfKey: (k) => keys.get(k) };
}

const faults = fc.record({
  /** Deliveries (by position in an instance's list) that fail after this many session writes, then are retried. */
  crashes: fc.array(fc.tuple(fc.nat({ max: 30 }), fc.nat({ max: 2 })), { maxLength: 4 }),
  /** Small segments make streams seal and go on in the next segment mid-run. */
  segmentBytes: fc.constantFrom(300_000, 1_200, 3_000),
});

describe('the collector under adversarial delivery (property, against dynalite)', () => {
  it('stores every stage and outcome exactly as generated, for any batching, order, duplication, 1-4 concurrent instances, and deliveries that fail part way and are retried', async () => {
    await fc.assert(
      fc.asyncProperty(logsArbitrary, deliveryArbitrary, faults, async (specs, choices, fault) => {
        const runId = `run-delivery-${++runs}`;
        const profile = generatedLogsProfile(Math.max(1, usersNeeded(specs)));
        const sessions = planRun(runId, profile);
        await store.putSessions(runId, sessions);
        const logs = renderLogs(
          specs,
          sessions.map((s) => s.userId),
          Date.now() - 3_600_000,
        );
        const plan = planDelivery(logs.streams, choices);
        const crashes = new Map(fault.crashes);
        // Each instance handles its batches one after another; the instances run at once.
        // A failed delivery is retried by the same instance after its other batches (an async retry).
        await Promise.all(
          plan.instances.map(async (batches) => {
            const own = instance(runId, profile, sessions);
            const streams = new CrashingStreams(LOCAL_TABLE, fault.segmentBytes);
            const stores = { store, streams };
            const retries: Batch[] = [];
            for (const [i, batch] of batches.entries()) {
              streams.writesLeft = crashes.get(i);
              try {
                await applyLogEvents(stores, own, GROUP, batch.stream, batch.events);
              } catch (error) {
                if ((error as Error).message !== 'instance crashed') throw error;
                retries.push(batch);
              }
            }
            streams.writesLeft = undefined;
            for (const batch of retries) await applyLogEvents(stores, own, GROUP, batch.stream, batch.events);
          }),
        );
        const stored = new Map((await store.sessions(runId)).map((s) => [s.sessionId, s]));
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
