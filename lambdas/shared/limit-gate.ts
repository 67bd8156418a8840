import { previousStep, type RunScenario } from '../../core/limit-steps.js';
import { buildReport } from '../../core/report.js';
import { resolveOutcome } from '../../core/session-outcome.js';
import type { Store, StoredRun } from './store.js';

/** What Start scenario hands the state machine for a step it skips. */
export interface SkippedStep {
  readonly name: string;
  readonly type: 'skipped';
  readonly reason: string;
  readonly sessions: [];
  readonly cold: [];
  readonly warm: [];
  readonly ecs: null;
}

/**
 * A limit scenario steps up only while its steps pass: a step runs when the
 * step before it passed its conditions, judged from that step's stored
 * sessions now that it has ended, by the same code as the report
 * (core/limit-report.ts). Otherwise its sessions are marked `skipped` (never
 * sent, reported as not run) and the step is skipped. Undefined: run it.
 */
export async function skipIfPreviousFailed(
  store: Store,
  run: StoredRun,
  scenario: RunScenario,
): Promise<SkippedStep | undefined> {
  const previous = previousStep(scenario);
  const limit = scenario.limit;
  const name = scenario.name;
  if (!previous || !limit || name === undefined) return undefined;
  const sessions = (await store.sessions(run.runId, previous)).map((s) => resolveOutcome(run.profile, s));
  const report = buildReport({
    run,
    sessions,
    taskSamples: [],
    cpu: null,
    memory: null,
    finishedAt: Date.now(),
  });
  const step = report.limits
    ?.find((l) => l.scenario === limit.scenario)
    ?.steps.find((s) => s.step === limit.step - 1);
  if (step?.verdict === 'pass') return undefined;
  const failed = step?.checks
    .filter((c) => !c.ok)
    .map((c) => `${c.metric} ${c.condition}`)
    .join(', ');
  const reason =
    step?.verdict === 'fail'
      ? `not run: step ${limit.step - 1} (${previous}) failed ${failed}`
      : `not run: step ${limit.step - 1} (${previous}) did not run`;
  const own = await store.sessions(run.runId, name);
  for (const session of own) await store.finalize(run.runId, session.sessionId, 'skipped', reason);
  return { name, type: 'skipped', reason, sessions: [], cold: [], warm: [], ecs: null };
}
