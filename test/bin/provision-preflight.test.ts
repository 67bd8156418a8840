import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { CreateQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { preflight } from '../../bin/commands/preflight.js';
import { provision } from '../../bin/commands/provision.js';
import { logs, sqs } from '../../lambdas/shared/clients.js';
import { localS3 } from '../../local/runner/local-aws-setup.js';
import { EDIT_GROUP, profileInput } from '../fixtures/profile.js';
import { useLocalAws } from '../support/local-aws.js';

// The local SES front verifies only these identities (read when the emulators start).
process.env.AWS_SES_IDENTITIES = JSON.stringify(['webordinary.com']);
const ctx = useLocalAws();
afterAll(() => {
  delete process.env.AWS_SES_IDENTITIES;
});

const INPUT = {
  name: 'webordinary-input-{projectId}-{userId}.fifo',
  attributes: { FifoQueue: 'true', ContentBasedDeduplication: 'true', VisibilityTimeout: '3600' },
};
const INTERRUPTS = {
  name: 'webordinary-interrupts-{projectId}-{userId}',
  attributes: { VisibilityTimeout: '60' },
};

const dir = mkdtempSync(join(tmpdir(), 'bench-provision-'));
function profileFile(name: string, target: Record<string, unknown> = {}): string {
  const base = profileInput({ scenarios: [{ type: 'burst', sessions: 2 }] });
  const path = join(dir, `${name}.json`);
  const pool = {
    userPool: { prefix: name, count: 2 },
    provision: { projectId: 'bench', queues: [INPUT, INTERRUPTS] },
  };
  writeFileSync(path, JSON.stringify({ ...base, name, target: { ...base.target, ...pool, ...target } }));
  return path;
}

async function run(command: (print: (line: string) => void) => Promise<number>) {
  const lines: string[] = [];
  const code = await command((line) => lines.push(line));
  return { code, lines };
}

const queuesOf = (prefix: string) =>
  ctx.aws.endpoint.sqs.queueNames().filter((q) => q.includes(`-${prefix}-`));

describe('bench provision', () => {
  it('--dry-run prints every queue of every pool user with its attributes and creates nothing', async () => {
    const file = profileFile('dry');
    const out = await run((print) => provision({ file, dryRun: true, print }));
    expect(out.code).toBe(0);
    expect(out.lines).toEqual([
      'Provisioning 4 queue(s) for 2 pool user(s) of project bench: (dry run: nothing is called)',
      '  create webordinary-input-bench-dry-1.fifo  (FifoQueue=true, ContentBasedDeduplication=true, VisibilityTimeout=3600)',
      '  create webordinary-interrupts-bench-dry-1  (VisibilityTimeout=60)',
      '  create webordinary-input-bench-dry-2.fifo  (FifoQueue=true, ContentBasedDeduplication=true, VisibilityTimeout=3600)',
      '  create webordinary-interrupts-bench-dry-2  (VisibilityTimeout=60)',
    ]);
    expect(queuesOf('dry')).toEqual([]);
  });

  it('creates the queues with their attributes, and a second run finds them all there', async () => {
    const file = profileFile('prov');
    const first = await run((print) => provision({ file, dryRun: false, print }));
    expect(first.code).toBe(0);
    expect(first.lines.at(-1)).toBe('4 created, 0 already there, 0 with other attributes, 0 failed');
    expect(queuesOf('prov')).toEqual([
      'webordinary-input-bench-prov-1.fifo',
      'webordinary-input-bench-prov-2.fifo',
      'webordinary-interrupts-bench-prov-1',
      'webordinary-interrupts-bench-prov-2',
    ]);
    const { QueueUrl } = await sqs().send(
      new GetQueueUrlCommand({ QueueName: 'webordinary-input-bench-prov-2.fifo' }),
    );
    const attrs = await sqs().send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
    expect(attrs.Attributes).toMatchObject(INPUT.attributes);

    const again = await run((print) => provision({ file, dryRun: false, print }));
    expect(again.code).toBe(0);
    expect(again.lines.at(-1)).toBe('0 created, 4 already there, 0 with other attributes, 0 failed');
  });

  it('reports a queue that exists with other attributes, leaves it as it is, and exits 1', async () => {
    await sqs().send(
      new CreateQueueCommand({
        QueueName: 'webordinary-interrupts-bench-odd-1',
        Attributes: { VisibilityTimeout: '30' },
      }),
    );
    const file = profileFile('odd');
    const out = await run((print) => provision({ file, dryRun: false, print }));
    expect(out.code).toBe(1);
    expect(out.lines).toContain(
      '  ✗ webordinary-interrupts-bench-odd-1: exists with other attributes (VisibilityTimeout is 30, the profile wants 60); not changed',
    );
    expect(out.lines.at(-1)).toBe('3 created, 0 already there, 1 with other attributes, 0 failed');
  });
});

describe('bench preflight', () => {
  it('names each missing resource and exits 3', async () => {
    const file = profileFile('miss', {
      trigger: { ...profileInput().target.trigger, from: 'Bench <bench@elsewhere.example>' },
    });
    await sqs().send(
      new CreateQueueCommand({
        QueueName: 'webordinary-interrupts-bench-miss-1',
        Attributes: INTERRUPTS.attributes,
      }),
    );
    const arn = 'arn:aws:states:us-east-1:000000000000:stateMachine:absent';
    const out = await run((print) => preflight({ file, stateMachineArn: arn, print }));
    expect(out.code).toBe(3);
    expect(out.lines).toEqual([
      `✗ log group ${EDIT_GROUP}: not found`,
      '✗ bucket of stage live edit.amelia.webordinary.com: not found',
      '✗ ECS service webordinary-edit-cluster/webordinary-edit-service: cluster webordinary-edit-cluster not found',
      '✗ SES identity for bench@elsewhere.example: not verified (bench@elsewhere.example: not added, elsewhere.example: not added)',
      '✓ SES send quota: 200 of 200 left today for 2 session email(s), 1 per second',
      '✗ queues of pool user miss-1: missing webordinary-input-bench-miss-1.fifo',
      '✗ queues of pool user miss-2: missing webordinary-input-bench-miss-2.fifo, webordinary-interrupts-bench-miss-2',
      `✗ state machine ${arn}: not found`,
      expect.stringMatching(/^Preflight failed: 7 of 8 check\(s\): log group/),
    ]);
  });

  it('passes, one line per check, once everything exists', async () => {
    const file = profileFile('ready');
    expect(await provision({ file, dryRun: false, print: () => undefined })).toBe(0);
    await logs().send(new CreateLogGroupCommand({ logGroupName: EDIT_GROUP }));
    await localS3().send(new CreateBucketCommand({ Bucket: 'edit.amelia.webordinary.com' }));
    ctx.aws.endpoint.ecs.defineService({
      cluster: 'webordinary-edit-cluster',
      service: 'webordinary-edit-service',
      desiredCount: 1,
      runningCount: 1,
    });
    const arn = ctx.aws.endpoint.sfn.defineStateMachine('WebOrdinaryBench');
    const out = await run((print) => preflight({ file, stateMachineArn: arn, print }));
    expect(out.lines).toEqual([
      `✓ log group ${EDIT_GROUP}: exists`,
      '✓ bucket of stage live edit.amelia.webordinary.com: exists and is reachable',
      '✓ ECS service webordinary-edit-cluster/webordinary-edit-service: ACTIVE, desired 1, running 1',
      '✓ SES identity for bench@webordinary.com: verified (webordinary.com)',
      '✓ SES send quota: 200 of 200 left today for 2 session email(s), 1 per second',
      '✓ queues of pool user ready-1: 2 exist',
      '✓ queues of pool user ready-2: 2 exist',
      `✓ state machine ${arn}: ACTIVE`,
      'Preflight passed: 8 check(s)',
    ]);
    expect(out.code).toBe(0);

    // Without an ARN the state machine is not checked, and the line says so without failing.
    const skipped = await run((print) => preflight({ file, print }));
    expect(skipped.lines.slice(-2)).toEqual([
      '– state machine: not checked: no --state-machine-arn given (the deploy output StateMachineArn)',
      'Preflight passed: 8 check(s)',
    ]);
    expect(skipped.code).toBe(0);
  });
});
