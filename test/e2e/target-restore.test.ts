import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ProfileInput } from '../../core/profile.js';
import type { LocalAws } from '../../local/emulators.js';
import { runLocal } from '../../local/runner/local-run.js';

const FIXED = 'test/fixtures/models/webordinary-fixed.json';
const CLUSTER = 'webordinary-edit-cluster';
const SERVICE = 'webordinary-edit-service';
const fixed = JSON.parse(readFileSync(FIXED, 'utf8')) as { ecs: { initialDesiredCount: number } };
const INITIAL = fixed.ecs.initialDesiredCount;

/** The faulty model with every job failing at the Claude step (after pickup: mid-way). */
function alwaysFailingModel(): string {
  const model = JSON.parse(readFileSync('test/fixtures/models/webordinary-faulty.json', 'utf8'));
  model.name = 'webordinary-always-failing';
  model.faults = model.faults.map((fault: object) => ({ ...fault, rate: 1 }));
  const path = join(mkdtempSync(join(tmpdir(), 'bench-restore-')), 'model.json');
  writeFileSync(path, JSON.stringify(model));
  return path;
}

function coldWarm(name: string, model: string, scenario: Record<string, unknown>): ProfileInput {
  const demo = JSON.parse(readFileSync('profiles/local-demo.json', 'utf8')) as ProfileInput;
  return {
    ...demo,
    name,
    scenarios: [{ type: 'coldWarm', warmGapSeconds: 0, ...scenario } as ProfileInput['scenarios'][number]],
    thresholds: [],
    local: { model, seed: 3, sesMaxSendRate: 50 },
  };
}

/** Follows the service's desired count from the run's start to its end. */
function watchService() {
  const counts: number[] = [];
  let local: LocalAws | undefined;
  return {
    counts,
    hook: (aws: LocalAws) => {
      local = aws;
      aws.endpoint.ecs.onDesiredCountChange((change) => counts.push(change.desiredCount));
    },
    desiredCount: () => local?.endpoint.ecs.getService(CLUSTER, SERVICE)?.desiredCount,
  };
}

describe('a coldWarm run leaves the target as found', () => {
  it('sets the desired count back when its cold sessions fail mid-way, and reports the change', async () => {
    const service = watchService();
    const model = alwaysFailingModel();
    const initial = (JSON.parse(readFileSync(model, 'utf8')) as typeof fixed).ecs.initialDesiredCount;
    const run = await runLocal({
      profile: coldWarm('e2e-restore', model, { cold: 2, warm: 1, desiredCount: 2 }),
      onLocalAws: service.hook,
    });
    const cold = run.sessions.filter((s) => s.phase === 'cold');
    expect(cold.map((s) => s.status)).toEqual(['failed', 'failed']);
    expect(cold[0]?.stages.pickup).toBeDefined();
    expect(cold[0]?.error).toContain('Failed to process message');
    // Scaled to zero and up for each cold session, then set back to what it was.
    expect(service.counts).toEqual([0, 2, 0, 2, initial]);
    expect(service.desiredCount()).toBe(initial);
    expect(run.report?.targetChanges).toEqual([
      {
        kind: 'ecsDesiredCount',
        resource: `${CLUSTER}/${SERVICE}`,
        scenario: 'coldWarm',
        before: initial,
        after: 2,
        restored: true,
      },
    ]);
    expect(run.execution.status).toBe('SUCCEEDED');
  }, 120_000);

  it('fails the execution with TargetNotRestored when the desired count cannot be set back', async () => {
    const service = watchService();
    const run = await runLocal({
      profile: coldWarm('e2e-no-restore', FIXED, { cold: 1, warm: 1, desiredCount: 3 }),
      onLocalAws: (aws) => {
        service.hook(aws);
        // Once the run has scaled the service up, nobody may change it any more.
        aws.endpoint.ecs.onDesiredCountChange((change) => {
          if (change.desiredCount === 3)
            aws.endpoint.ecs.denyUpdates(
              CLUSTER,
              SERVICE,
              'User is not authorized to perform: ecs:UpdateService',
            );
        });
      },
    });
    expect(run.execution).toMatchObject({ status: 'FAILED', error: 'TargetNotRestored' });
    if (run.execution.status !== 'FAILED') return;
    expect(run.execution.cause).toContain(
      `the desired count of ${CLUSTER}/${SERVICE} could not be set back to ${INITIAL}: Ecs.AccessDeniedException: User is not authorized to perform: ecs:UpdateService`,
    );
    expect(service.desiredCount()).toBe(3);
    // The sessions themselves went fine, and the report (written first) says what was left changed.
    expect(run.sessions.map((s) => s.status)).toEqual(['ok', 'ok']);
    expect(run.report?.targetChanges).toEqual([
      expect.objectContaining({ before: INITIAL, after: 3, restored: false }),
    ]);
  }, 120_000);
});
