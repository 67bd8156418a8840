import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import { sqs } from '../../lambdas/shared/clients.js';
import { profileInput } from '../fixtures/profile.js';
import { useLocalAws } from '../support/local-aws.js';

const ctx = useLocalAws();

const INPUT = {
  name: 'webordinary-input-{projectId}-{userId}.fifo',
  attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true', VisibilityTimeout: '3600' },
};
const INTERRUPTS = {
  name: 'webordinary-interrupts-{projectId}-{userId}',
  attributes: { VisibilityTimeout: '60' },
};

function pooled(runId: string, extra: Record<string, unknown> = {}) {
  const base = profileInput({ scenarios: [{ type: 'burst', sessions: 2 }] });
  return {
    runId,
    profile: {
      ...base,
      target: {
        ...base.target,
        userPool: { prefix: 'prep', count: 2 },
        provision: { projectId: 'bench', queues: [INPUT, INTERRUPTS] },
        ...extra,
      },
    },
  };
}

async function prepareError(event: unknown): Promise<Error> {
  const { handler } = await import('../../lambdas/prepare.js');
  return handler(event).then(
    () => {
      throw new Error('prepare accepted the profile');
    },
    (e: Error) => e,
  );
}

describe('prepare with a user pool', () => {
  it('refuses with ProfileInvalid naming each queue that is not provisioned', async () => {
    await sqs().send(
      new CreateQueueCommand({
        QueueName: 'webordinary-input-bench-prep-1.fifo',
        Attributes: INPUT.attributes,
      }),
    );
    const error = await prepareError(pooled('run-unprovisioned'));
    expect(error.name).toBe('ProfileInvalid');
    const lines = error.message.split('\n').filter((l) => l.includes('does not exist'));
    expect(lines).toEqual([
      '  - target.provision.queues[1]: queue webordinary-interrupts-bench-prep-1 of pool user prep-1 does not exist; run `bench provision <profile>` first',
      '  - target.provision.queues[0]: queue webordinary-input-bench-prep-2.fifo of pool user prep-2 does not exist; run `bench provision <profile>` first',
      '  - target.provision.queues[1]: queue webordinary-interrupts-bench-prep-2 of pool user prep-2 does not exist; run `bench provision <profile>` first',
    ]);
    expect(ctx.aws.endpoint.sqs.queueNames().filter((n) => !n.endsWith('lost-batches'))).toEqual([
      'webordinary-input-bench-prep-1.fifo',
    ]);
  });

  it('starts once every queue exists', async () => {
    for (const QueueName of [
      'webordinary-interrupts-bench-prep-1',
      'webordinary-input-bench-prep-2.fifo',
      'webordinary-interrupts-bench-prep-2',
    ]) {
      const Attributes = QueueName.endsWith('.fifo') ? INPUT.attributes : INTERRUPTS.attributes;
      await sqs().send(new CreateQueueCommand({ QueueName, Attributes }));
    }
    const { handler } = await import('../../lambdas/prepare.js');
    await expect(handler(pooled('run-provisioned'))).resolves.toMatchObject({ sessions: 2 });
  });

  it('does not look for queues when the profile has no pool', async () => {
    const { handler } = await import('../../lambdas/prepare.js');
    const base = profileInput({ scenarios: [{ type: 'burst', sessions: 1 }] });
    await expect(handler({ runId: 'run-no-pool', profile: base })).resolves.toMatchObject({ sessions: 1 });
  });
});

describe('prepare and the stack limits', () => {
  it("refuses a desired count over the stack policy's ecs.maxDesiredCount, naming the field", async () => {
    const base = profileInput();
    const error = await prepareError({
      runId: 'run-too-many',
      profile: { ...base, scenarios: [{ type: 'coldWarm', cold: 1, warm: 1, desiredCount: 11 }] },
    });
    expect(error.name).toBe('ProfileInvalid');
    expect(error.message).toContain(
      "scenarios[0].desiredCount: 11 is over this stack's limit of 10 (CDK context maxDesiredCount)",
    );
  });

  it("refuses an ECS service that is not the stack's, naming the field", async () => {
    const base = profileInput();
    const error = await prepareError({
      runId: 'run-foreign-service',
      profile: {
        ...base,
        target: { ...base.target, ecs: { cluster: 'webordinary-edit-cluster', service: 'billing' } },
      },
    });
    expect(error.name).toBe('ProfileInvalid');
    expect(error.message).toContain(
      'target.ecs.service: "billing" is not the stack\'s ECS service (webordinary-edit-service)',
    );
  });
});
