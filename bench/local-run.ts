import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { percentile, sortValues } from '../core/percentiles.js';
import { runLocal } from '../local/runner/local-run.js';
import { type Benchmark, round } from './harness.js';

const SESSIONS = 1_000;
const MODEL = fileURLToPath(new URL('./fixtures/webordinary-fast.json', import.meta.url));
const DEMO_PROFILE = new URL('../profiles/local-demo.json', import.meta.url);

/**
 * The whole local harness on a target that takes almost no time: what is left
 * is the harness itself (state machine, handlers, emulators, simulator,
 * collector), so the figures say how much load `bench local` can drive.
 */
export const benchmark: Benchmark = {
  name: 'local-run',
  description: `runLocal() with a burst of ${SESSIONS} sessions against a near-zero-latency model`,
  async run() {
    const demo = JSON.parse(await readFile(DEMO_PROFILE, 'utf8')) as Record<string, unknown>;
    // A task for every session, so the target never queues: what is measured is the harness.
    const model = JSON.parse(await readFile(MODEL, 'utf8')) as { ecs: { initialDesiredCount: number } };
    model.ecs.initialDesiredCount = SESSIONS;
    const modelPath = join(await mkdtemp(join(tmpdir(), 'bench-local-run-')), 'model.json');
    await writeFile(modelPath, JSON.stringify(model));
    const profile = {
      ...demo,
      name: 'bench-local-run',
      // The demo's latency threshold is about the target; here only finishing counts.
      thresholds: [{ metric: 'success', condition: 'rate > 95%' }],
      scenarios: [{ type: 'burst', name: 'burst', sessions: SESSIONS }],
      local: { model: modelPath, seed: 7, sesMaxSendRate: 1_000 },
    };
    const start = performance.now();
    const run = await runLocal({ profile, runId: 'bench-local-run' });
    const wallMs = performance.now() - start;
    const scenario = run.report?.scenarios[0];
    if (!run.report || !scenario)
      throw new Error(`the run wrote no report (execution ${JSON.stringify(run.execution)})`);

    const scheduled = Math.min(...run.sessions.map((s) => s.scheduledAt ?? Number.POSITIVE_INFINITY));
    const lastStage = Math.max(...run.sessions.flatMap((s) => Object.values(s.stages)));
    const spanS = (lastStage - scheduled) / 1_000;
    const { ok } = scenario.sessions;
    const unsent = run.sessions.filter((s) => s.sentAt === undefined).length;
    if (unsent > 0) process.stderr.write(`local-run: ${unsent} session(s) never sent\n`);
    // The report counts a session ok when every stage was seen within its timeout, even if the
    // harness learnt it too late to end the session's wait: the table's own status says which.
    const signalled = run.sessions.filter((s) => s.status === 'ok');
    // How long after a session's last stage the harness finalized it (log delivery, collector, state machine).
    const lastKnown = Math.max(...run.sessions.map((s) => s.finalizedAt ?? Number.NaN));
    const finalizedSpanS = (lastKnown - scheduled) / 1_000;
    const knownAfter = signalled.map(
      (s) => (s.finalizedAt ?? Number.NaN) - Math.max(...Object.values(s.stages)),
    );
    return [
      {
        key: 'sessions-ok',
        what: `sessions ok of ${SESSIONS} (execution ${run.execution.status})`,
        value: run.execution.status === 'SUCCEEDED' ? ok : 0,
        unit: 'sessions',
        target: { op: '>=', value: SESSIONS },
      },
      {
        key: 'sessions-signalled',
        what: `sessions whose wait the harness ended on seeing every stage (not at their timeout), of ${SESSIONS}`,
        value: signalled.length,
        unit: 'sessions',
        target: { op: '>=', value: SESSIONS },
      },
      {
        key: 'known-after-p95',
        what: "p95 of the time from a session's last stage to its status in the table (finalizedAt)",
        value: knownAfter.length > 0 ? round(percentile(sortValues(knownAfter), 95) / 1_000, 2) : Number.NaN,
        unit: 's',
      },
      {
        key: 'wall-seconds',
        what: 'runLocal() wall time: emulators up, run, report, teardown',
        value: round(wallMs / 1_000, 1),
        unit: 's',
      },
      {
        key: 'sessions-per-second',
        what: `harness throughput: ${signalled.length} sessions over ${round(finalizedSpanS, 1)} s, first schedule to last status in the table`,
        value: round(signalled.length / finalizedSpanS, 1),
        unit: 'sessions/s',
        // The figure to beat (issue 9): 12 sessions/s with a burst of 200 through an inline Map.
        target: { op: '>=', value: 12 },
      },
      {
        key: 'stage-sessions-per-second',
        what: `target throughput seen: ${ok} sessions over ${round(spanS, 1)} s, first schedule to last stage`,
        value: round(ok / spanS, 1),
        unit: 'sessions/s',
      },
      {
        key: 'lateness-max',
        what: 'max of lateness (sentAt - scheduledAt): the harness delay, pacing included',
        value: round(
          Math.max(...run.sessions.map((s) => (s.sentAt ?? Number.NaN) - (s.scheduledAt ?? 0))) / 1_000,
          2,
        ),
        unit: 's',
      },
      {
        key: 'lateness-p95',
        what: 'p95 of lateness (sentAt - scheduledAt): harness delay',
        value: round((scenario.lateness?.p95 ?? Number.NaN) / 1_000, 2),
        unit: 's',
      },
      {
        key: 'total-p95',
        what: 'p95 of total (scheduledAt to last stage)',
        value: round((scenario.total?.p95 ?? Number.NaN) / 1_000, 2),
        unit: 's',
      },
    ];
  },
};
