import { describe, expect, it } from 'vitest';
import { restore } from '../../bin/commands/restore.js';
import { TargetChangeStore } from '../../lambdas/shared/target-changes.js';
import { LOCAL_TABLE } from '../../local/runner/local-aws-setup.js';
import { useLocalAws } from '../support/local-aws.js';

const ctx = useLocalAws();

async function run(runId: string, dryRun = false) {
  const lines: string[] = [];
  const code = await restore({ runId, table: LOCAL_TABLE, dryRun, print: (line) => lines.push(line) });
  return { code, lines };
}

/** A run that scaled cluster/service from 4 to 2 and was stopped before its restore. */
async function stoppedRun(runId: string, cluster: string) {
  ctx.aws.endpoint.ecs.defineService({ cluster, service: 'svc', desiredCount: 4, runningCount: 0 });
  await new TargetChangeStore(LOCAL_TABLE).record(runId, {
    scenario: 'coldWarm',
    kind: 'ecsDesiredCount',
    resource: `${cluster}/svc`,
    before: 4,
    after: 2,
  });
  ctx.aws.endpoint.ecs.updateService({ cluster, service: 'svc', desiredCount: 2 });
}

describe('bench restore', () => {
  it('sets back the recorded value of a change the run did not restore, once', async () => {
    await stoppedRun('run-stopped', 'c1');
    const dry = await run('run-stopped', true);
    expect(dry).toEqual({ code: 0, lines: ['would set c1/svc desired count (scenario coldWarm) back to 4'] });
    expect(ctx.aws.endpoint.ecs.getService('c1', 'svc')?.desiredCount).toBe(2);

    expect(await run('run-stopped')).toEqual({
      code: 0,
      lines: ['✓ set c1/svc desired count (scenario coldWarm) back to 4'],
    });
    expect(ctx.aws.endpoint.ecs.getService('c1', 'svc')?.desiredCount).toBe(4);
    const [change] = await new TargetChangeStore(LOCAL_TABLE).list('run-stopped');
    expect(change).toMatchObject({ restored: true, before: 4, after: 2 });
    expect(await run('run-stopped')).toEqual({
      code: 0,
      lines: ['Run run-stopped restored all 1 of its change(s) itself.'],
    });
  });

  it('sets two changes of one service back newest first, leaving the oldest recorded value', async () => {
    await stoppedRun('run-two', 'c4');
    // A later scenario of the same run scaled the service again, from 2 to 1.
    await new Promise((resolve) => setTimeout(resolve, 5));
    await new TargetChangeStore(LOCAL_TABLE).record('run-two', {
      scenario: 'resources',
      kind: 'ecsDesiredCount',
      resource: 'c4/svc',
      before: 2,
      after: 1,
    });
    ctx.aws.endpoint.ecs.updateService({ cluster: 'c4', service: 'svc', desiredCount: 1 });
    expect((await run('run-two')).lines).toEqual([
      '✓ set c4/svc desired count (scenario resources) back to 2',
      '✓ set c4/svc desired count (scenario coldWarm) back to 4',
    ]);
    expect(ctx.aws.endpoint.ecs.getService('c4', 'svc')?.desiredCount).toBe(4);
  });

  it('keeps the first recorded value when the record is written again', async () => {
    await stoppedRun('run-twice', 'c2');
    await new TargetChangeStore(LOCAL_TABLE).record('run-twice', {
      scenario: 'coldWarm',
      kind: 'ecsDesiredCount',
      resource: 'c2/svc',
      before: 2,
      after: 2,
    });
    expect((await new TargetChangeStore(LOCAL_TABLE).list('run-twice'))[0]?.before).toBe(4);
  });

  it('says so when the run changed nothing, and exits 1 naming a restore that fails', async () => {
    expect(await run('run-none')).toEqual({
      code: 0,
      lines: ['Run run-none recorded no change to the target.'],
    });
    await stoppedRun('run-locked', 'c3');
    ctx.aws.endpoint.ecs.denyUpdates('c3', 'svc', 'not authorized');
    expect(await run('run-locked')).toEqual({
      code: 1,
      lines: [
        '✗ could not set c3/svc desired count (scenario coldWarm) back to 4: AccessDeniedException: not authorized',
      ],
    });
  });
});
