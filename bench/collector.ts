import { gzipSync } from 'node:zlib';
import type { LogEvent } from '../core/correlation.js';
import { planRun } from '../core/session-plan.js';
import { parseProfile } from '../core/validate-profile.js';
import { resetClients } from '../lambdas/shared/clients.js';
import { Store } from '../lambdas/shared/store.js';
import { applyEnv, startLocalAws } from '../local/emulators.js';
import { createTable, LOCAL_TABLE } from '../local/runner/local-aws-setup.js';
import { createRng } from '../local/simulator/rng.js';
import { EDIT_GROUP, jobStreams, profileInput } from './fixtures/webordinary-run.js';
import { type Benchmark, round } from './harness.js';

const SESSIONS = 1_000;
/** Containers (log streams); each stream's payloads go in order, streams at once, as subscriptions deliver. */
const TASKS = 50;
const RUN_ID = 'bench-collector';

export const benchmark: Benchmark = {
  name: 'collector',
  description: `lambdas/collector.ts on real subscription payloads for ${SESSIONS.toLocaleString('en-US')} sessions, against the emulators`,
  async run() {
    const aws = await startLocalAws();
    const restoreEnv = applyEnv({ ...aws.env, TABLE_NAME: LOCAL_TABLE });
    resetClients();
    try {
      await createTable();
      // Handlers read TABLE_NAME when they load: import them only now.
      const collector = await import('../lambdas/collector.js');
      const input = profileInput(SESSIONS);
      // The run's records as Prepare writes them (sessions first, then the run that makes it active).
      const store = new Store(LOCAL_TABLE);
      const profile = parseProfile(input);
      await store.putSessions(RUN_ID, planRun(RUN_ID, profile));
      await store.putRun({ runId: RUN_ID, profile, startedAt: Date.now() });
      collector.forgetActiveRuns();

      const sessions = await store.sessions(RUN_ID);
      const sentAt = Date.now();
      const markStart = performance.now();
      await inLanes(sessions, TASKS, (s) => store.markSent(RUN_ID, s.sessionId, sentAt, sentAt));
      const markMs = performance.now() - markStart;

      const planned = planRun(RUN_ID, parseProfile(input));
      const streams = jobStreams(planned, TASKS, sentAt, createRng(17)).map(({ stream, batches }) => ({
        stream,
        events: batches.map((events) => ({ awslogs: { data: payload(stream, events) } })),
      }));
      const payloads = streams.reduce((sum, s) => sum + s.events.length, 0);

      const start = performance.now();
      await Promise.all(
        streams.map(async ({ events: deliveries }) => {
          for (const event of deliveries) {
            await collector.handler(event);
          }
        }),
      );
      const ms = performance.now() - start;

      const expected = SESSIONS * input.target.stages.length;
      const stored = (await store.sessions(RUN_ID)).reduce((n, s) => n + Object.keys(s.stages).length, 0);
      // Stage times land by key (pickup) and through stream attribution (the rest): count what is stored.
      const recorded = stored;
      if (stored !== expected)
        throw new Error(`collector stored ${stored} stage times, expected ${expected}`);
      return [
        {
          key: 'stage-records-per-second',
          what: `collector: ${recorded.toLocaleString('en-US')} stage records from ${payloads.toLocaleString('en-US')} payloads, ${TASKS} streams at once`,
          value: round((recorded / ms) * 1_000),
          unit: 'records/s',
          target: { op: '>=', value: 250 },
        },
        {
          key: 'records-per-reference-update',
          what: 'collector records/s over the reference UpdateItem rate (load-independent)',
          value: round(recorded / ms / (sessions.length / markMs), 2),
          unit: 'ratio',
          target: { op: '>=', value: 0.5 },
        },
        {
          key: 'dynalite-updates-per-second',
          what: `reference: Store.markSent UpdateItem calls on dynalite, ${TASKS} at once`,
          value: round((sessions.length / markMs) * 1_000),
          unit: 'updates/s',
        },
      ];
    } finally {
      await aws.close();
      restoreEnv();
      resetClients();
    }
  },
};

/** A CloudWatch Logs subscription payload as AWS delivers it: gzip, then base64. */
function payload(logStream: string, events: readonly LogEvent[]): string {
  const message = {
    messageType: 'DATA_MESSAGE',
    owner: '000000000000',
    logGroup: EDIT_GROUP,
    logStream,
    subscriptionFilters: ['webordinary-bench-collector'],
    logEvents: events,
  };
  return gzipSync(JSON.stringify(message)).toString('base64');
}

/** Runs `fn` over `items` with `lanes` of them in flight. */
async function inLanes<T>(items: readonly T[], lanes: number, fn: (item: T) => Promise<unknown>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}
