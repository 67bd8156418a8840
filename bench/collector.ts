import { gzipSync } from 'node:zlib';
import type { LogEvent } from '../core/correlation.js';
import { planRun } from '../core/session-plan.js';
import { parseProfile } from '../core/validate-profile.js';
import { dynamo, resetClients } from '../lambdas/shared/clients.js';
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

      // Every DynamoDB call the collector makes, by operation (a load-independent figure).
      const calls = new Map<string, number>();
      dynamo().middlewareStack.add(
        (next, context) => async (args) => {
          calls.set(context.commandName ?? '?', (calls.get(context.commandName ?? '?') ?? 0) + 1);
          return next(args);
        },
        { step: 'initialize', name: 'countCalls' },
      );
      const start = performance.now();
      await Promise.all(
        streams.map(async ({ events: deliveries }) => {
          for (const event of deliveries) {
            await collector.handler(event);
          }
        }),
      );
      const ms = performance.now() - start;

      const collectorCalls = [...calls.values()].reduce((a, b) => a + b, 0);
      const callList = [...calls].map(
        ([name, n]) => `${n.toLocaleString('en-US')} ${name.replace(/Command$/, '')}`,
      );
      // The reference again after the collector's phase: the machine's load moves, the mean is fairer.
      const againStart = performance.now();
      await inLanes(sessions, TASKS, (s) => store.markSent(RUN_ID, s.sessionId, sentAt, sentAt));
      const referenceMs = (markMs + (performance.now() - againStart)) / 2;
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
          what: 'collector records/s over the reference UpdateItem rate (2 calls a record: about 0.5 at best)',
          value: round(recorded / ms / (sessions.length / referenceMs), 2),
          unit: 'ratio',
        },
        {
          key: 'dynalite-updates-per-second',
          what: `reference: Store.markSent UpdateItem calls on dynalite, ${TASKS} at once (mean of before and after)`,
          value: round((sessions.length / referenceMs) * 1_000),
          unit: 'updates/s',
        },
        {
          key: 'dynamodb-calls-per-payload',
          what: `collector: DynamoDB calls per payload (${callList.join(', ')})`,
          value: round(collectorCalls / payloads, 2),
          unit: 'calls',
          target: { op: '<=', value: 2.5 },
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
