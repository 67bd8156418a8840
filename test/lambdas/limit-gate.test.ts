import { GetObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { Store } from '../../lambdas/shared/store.js';
import { START_SCENARIO_FIELDS } from '../../lib/benchmark-workflow.js';
import { LOCAL_REPORTS_BUCKET, LOCAL_TABLE, localS3 } from '../../local/runner/local-aws-setup.js';
import { profileInput } from '../fixtures/profile.js';
import { useLocalAws } from '../support/local-aws.js';

useLocalAws();

const PASS = [{ metric: 'success', condition: 'rate >= 100%' }];
const LIMIT = { type: 'limit' as const, name: 'find', steps: { burst: [2, 3, 4] }, pass: PASS };

/** Prepares a run of the limit scenario and settles step 1's sessions: ok with every stage seen, or failed by a failure line. */
async function runWithStepOne(runId: string, statuses: readonly ('ok' | 'failed')[]) {
  const prepare = (await import('../../lambdas/prepare.js')).handler;
  const result = await prepare({ runId, profile: profileInput({ scenarios: [LIMIT] }) });
  const store = new Store(LOCAL_TABLE);
  const first = (await store.sessions(runId, 'find-step1')).sort((a, b) => a.index - b.index);
  for (const [i, session] of first.entries()) {
    const at = Date.now();
    await store.markSent(runId, session.sessionId, at, at);
    if (statuses[i] === 'failed') {
      // A failure line: the report (and so the gate) counts the session failed.
      await store.recordFailure(runId, session.sessionId, at + 100, 'Build failed with code 1', 'build');
      await store.finalize(runId, session.sessionId, 'failed', 'build: Build failed with code 1');
      continue;
    }
    for (const [j, stage] of ['pickup', 'build', 'live', 'done'].entries())
      await store.recordStage(runId, session.sessionId, stage, at + 100 * (j + 1));
    await store.finalize(runId, session.sessionId, 'ok');
  }
  return { result, store };
}

describe('start-scenario on a limit scenario’s steps', () => {
  it('prepares the steps as the scenarios to run, in order', async () => {
    const { result } = await runWithStepOne('run-gate-list', ['ok', 'ok']);
    expect(result.scenarios).toEqual([
      { name: 'find-step1', type: 'burst' },
      { name: 'find-step2', type: 'burst' },
      { name: 'find-step3', type: 'burst' },
    ]);
  });

  it('runs the next step when the step before it passed', async () => {
    const start = (await import('../../lambdas/start-scenario.js')).handler;
    await runWithStepOne('run-gate-pass', ['ok', 'ok']);
    const plan = await start({ runId: 'run-gate-pass', scenario: 'find-step2' });
    expect(plan).toMatchObject({ name: 'find-step2', type: 'burst', concurrency: 3 });
    // The step's plan is in S3 for the Distributed Map's ItemReader.
    const key = (plan as { planKey: string }).planKey;
    const object = await localS3().send(new GetObjectCommand({ Bucket: LOCAL_REPORTS_BUCKET, Key: key }));
    expect(JSON.parse(await object.Body!.transformToString())).toHaveLength(3);
  });

  it('skips a step after a failing one, and every step after it, marking their sessions skipped', async () => {
    const start = (await import('../../lambdas/start-scenario.js')).handler;
    const { store } = await runWithStepOne('run-gate-fail', ['ok', 'failed']);
    const second = await start({ runId: 'run-gate-fail', scenario: 'find-step2' });
    expect(second).toEqual({
      name: 'find-step2',
      type: 'skipped',
      reason: 'not run: step 1 (find-step1) failed success rate >= 100%',
      sessions: [],
      cold: [],
      warm: [],
      ecs: null,
      planBucket: LOCAL_REPORTS_BUCKET,
      planKey: '',
      concurrency: 0,
    });
    // The state machine's ResultSelector fails the execution on a field that is missing.
    for (const field of START_SCENARIO_FIELDS) expect(second).toHaveProperty(field);
    const third = await start({ runId: 'run-gate-fail', scenario: 'find-step3' });
    expect(third).toMatchObject({ type: 'skipped', reason: 'not run: step 2 (find-step2) did not run' });
    // A retried Start scenario decides the same.
    expect(await start({ runId: 'run-gate-fail', scenario: 'find-step2' })).toEqual(second);
    const later = await store.sessions('run-gate-fail');
    expect(later.filter((s) => s.scenario !== 'find-step1').map((s) => s.status)).toEqual(
      Array(7).fill('skipped'),
    );
    expect(later.filter((s) => s.scenario !== 'find-step1').every((s) => s.sentAt === undefined)).toBe(true);
  });
});
