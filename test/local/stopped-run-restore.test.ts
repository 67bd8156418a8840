import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { parseProfile } from '../../core/validate-profile.js';
import { dynamo, ecs, s3 } from '../../lambdas/shared/clients.js';
import { RunSlots } from '../../lambdas/shared/run-slots.js';
import { Store } from '../../lambdas/shared/store.js';
import { TargetChangeStore } from '../../lambdas/shared/target-changes.js';
import { renderDefinition } from '../../local/render-definition.js';
import { LOCAL_TABLE } from '../../local/runner/local-aws-setup.js';
import { type Handler, runStateMachine } from '../../local/runner/state-machine.js';
import { useLocalAws } from '../support/local-aws.js';

type Validator = (definition: unknown) => { isValid: boolean; errorsText: (separator?: string) => string };
const aslValidator = createRequire(import.meta.url)('asl-validator') as Validator;

const ctx = useLocalAws();
const store = () => new TargetChangeStore(LOCAL_TABLE);

/**
 * Runs the stopped-run restore's definition, rendered from the CDK construct,
 * with the real handlers against the local table and ECS endpoint, with the
 * input its EventBridge rule gives it.
 */
async function restoreRun(runId: string) {
  const { stoppedRunRestore, handlerOf, timeoutSecondsOf } = renderDefinition();
  const handlers: Record<string, Handler> = {
    'stopped-run': (await import('../../lambdas/stopped-run.js')).handler,
    'target-change': (await import('../../lambdas/target-change.js')).handler,
  };
  const counts: string[] = [];
  const stop = ctx.aws.endpoint.ecs.onDesiredCountChange((change) =>
    counts.push(`${change.cluster}/${change.service}=${change.desiredCount}`),
  );
  try {
    const execution = await runStateMachine({
      definition: stoppedRunRestore,
      input: {
        runId,
        status: 'ABORTED',
        executionArn: `arn:aws:states:us-east-1:000000000000:execution:b:${runId}`,
      },
      executionName: `restore-${runId}`,
      handlerOf,
      handlers,
      tokens: {
        issueToken: () => {
          throw new Error('the stopped-run restore has no callback task');
        },
      },
      ecs,
      s3,
      timeoutSecondsOf: (handler) => timeoutSecondsOf(handler as never),
    });
    return { execution, counts };
  } finally {
    stop();
  }
}

/** A run that changed cluster/svc from `before` to `after` (scenario `scenario`) and was stopped. */
async function changed(runId: string, cluster: string, scenario: string, before: number, after: number) {
  if (!ctx.aws.endpoint.ecs.getService(cluster, 'svc'))
    ctx.aws.endpoint.ecs.defineService({ cluster, service: 'svc', desiredCount: before, runningCount: 0 });
  await store().record(runId, {
    scenario,
    kind: 'ecsDesiredCount',
    resource: `${cluster}/svc`,
    before,
    after,
  });
  ctx.aws.endpoint.ecs.updateService({ cluster, service: 'svc', desiredCount: after });
}

async function holdsSlot(runId: string): Promise<boolean> {
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: LOCAL_TABLE, Key: { pk: 'STACK', sk: 'RUNS' }, ConsistentRead: true }),
  );
  return Boolean((Item?.runs as Record<string, unknown> | undefined)?.[runId]);
}

async function slotUntil(runId: string): Promise<number | undefined> {
  const { Item } = await dynamo().send(
    new GetCommand({ TableName: LOCAL_TABLE, Key: { pk: 'STACK', sk: 'RUNS' }, ConsistentRead: true }),
  );
  return (Item?.runs as Record<string, { until: number }> | undefined)?.[runId]?.until;
}

const takeSlot = (runId: string) =>
  new RunSlots(LOCAL_TABLE).acquire(runId, { until: Date.now() + 3_600_000, exclusive: true }, 1);

describe('the stopped-run restore state machine', () => {
  it('is valid Amazon States Language as rendered', () => {
    const result = aslValidator(renderDefinition().stoppedRunRestore);
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('sets a stopped run’s recorded change back, marks it restored and frees the slot of a run with no record', async () => {
    await takeSlot('run-stopped');
    await changed('run-stopped', 'c1', 'coldWarm', 4, 0);
    expect(await holdsSlot('run-stopped')).toBe(true);

    const { execution, counts } = await restoreRun('run-stopped');

    expect(execution.status).toBe('SUCCEEDED');
    expect(counts).toEqual(['c1/svc=4']);
    expect(ctx.aws.endpoint.ecs.getService('c1', 'svc')?.desiredCount).toBe(4);
    expect(await store().list('run-stopped')).toEqual([
      expect.objectContaining({ resource: 'c1/svc', before: 4, after: 0, restored: true }),
    ]);
    expect(await holdsSlot('run-stopped')).toBe(false);
    // The next run may start.
    await expect(takeSlot('run-next')).resolves.toBeUndefined();
  }, 60_000);

  it('holds a restored run’s slot one longest session timeout more, for the jobs it may have sent', async () => {
    // A run recorded by Prepare: the demo profile, sessions time out after 60 s.
    const profile = parseProfile(JSON.parse(readFileSync('profiles/local-demo.json', 'utf8')));
    await new Store(LOCAL_TABLE).putRun({ runId: 'run-sent', profile, startedAt: Date.now() });
    await takeSlot('run-sent');
    await changed('run-sent', 'c5', 'burst', 3, 1);

    const before = Date.now();
    const { execution } = await restoreRun('run-sent');

    expect(execution.status).toBe('SUCCEEDED');
    expect(ctx.aws.endpoint.ecs.getService('c5', 'svc')?.desiredCount).toBe(3);
    // Not freed, and no longer held for the hour Prepare took: until its last jobs can have ended.
    const until = await slotUntil('run-sent');
    expect(until).toBeGreaterThanOrEqual(before + 60_000);
    expect(until).toBeLessThanOrEqual(Date.now() + 60_000);
    await expect(takeSlot('run-after')).rejects.toThrow(/run run-sent is active/);
  }, 60_000);

  it('sets back newest first, so two changes of one service leave the oldest recorded value', async () => {
    await changed('run-twice', 'c2', 'coldWarm-a', 5, 1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    await changed('run-twice', 'c2', 'coldWarm-b', 1, 0);

    const { execution, counts } = await restoreRun('run-twice');

    expect(execution.status).toBe('SUCCEEDED');
    expect(counts).toEqual(['c2/svc=1', 'c2/svc=5']);
    expect(ctx.aws.endpoint.ecs.getService('c2', 'svc')?.desiredCount).toBe(5);
    expect((await store().list('run-twice')).map((c) => c.restored)).toEqual([true, true]);
  }, 60_000);

  it('fails with TargetNotRestored naming the change when it cannot be set back, and keeps the slot', async () => {
    await takeSlot('run-locked');
    await changed('run-locked', 'c3', 'coldWarm', 4, 0);
    ctx.aws.endpoint.ecs.denyUpdates('c3', 'svc', 'User is not authorized to perform: ecs:UpdateService');

    const { execution } = await restoreRun('run-locked');

    expect(execution).toMatchObject({ status: 'FAILED', error: 'TargetNotRestored' });
    if (execution.status !== 'FAILED') return;
    expect(execution.cause).toBe(
      'run run-locked left 1 change(s) on the target: the ecsDesiredCount of c3/svc (scenario coldWarm) could not ' +
        'be set back to 4: Ecs.AccessDeniedException: User is not authorized to perform: ecs:UpdateService',
    );
    expect(ctx.aws.endpoint.ecs.getService('c3', 'svc')?.desiredCount).toBe(0);
    expect(await store().list('run-locked')).toEqual([expect.objectContaining({ restored: false })]);
    // A next run would record the changed service as its "before": the slot stays until it expires.
    expect(await holdsSlot('run-locked')).toBe(true);
  }, 60_000);

  it('succeeds and changes nothing for a run that recorded no change, or restored its own', async () => {
    await takeSlot('run-clean');
    const clean = await restoreRun('run-clean');
    expect(clean.execution.status).toBe('SUCCEEDED');
    expect(clean.counts).toEqual([]);
    expect(await holdsSlot('run-clean')).toBe(false);

    await changed('run-restored', 'c4', 'coldWarm', 2, 0);
    await store().markRestored('run-restored', {
      scenario: 'coldWarm',
      kind: 'ecsDesiredCount',
      resource: 'c4/svc',
    });
    ctx.aws.endpoint.ecs.updateService({ cluster: 'c4', service: 'svc', desiredCount: 3 });
    const restored = await restoreRun('run-restored');
    expect(restored.execution.status).toBe('SUCCEEDED');
    expect(restored.counts).toEqual([]);
    // Someone changed the service after the run restored it: that is theirs, not the run's.
    expect(ctx.aws.endpoint.ecs.getService('c4', 'svc')?.desiredCount).toBe(3);
  }, 60_000);

  it('fails on an input without a run id, naming the field', async () => {
    const { execution } = await restoreRun('');
    expect(execution).toMatchObject({ status: 'FAILED', error: 'InvalidEvent' });
    if (execution.status === 'FAILED') expect(execution.cause).toContain('runId');
  }, 60_000);
});
