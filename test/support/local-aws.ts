import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { StackPolicy } from '../../core/stack-policy.js';
import { dynamo, resetClients } from '../../lambdas/shared/clients.js';
import { WEBORDINARY_TARGET } from '../../lib/target-props.js';
import { applyEnv, type LocalAws, startLocalAws } from '../../local/emulators.js';
import {
  createTable,
  LOCAL_REPORTS_BUCKET,
  LOCAL_TABLE,
  localS3,
  lostBatchesQueue,
} from '../../local/runner/local-aws-setup.js';
import { localHandlerFunctions } from '../../local/runner/local-handler-functions.js';

/** The stack the handler tests run in: WebOrdinary's names, as the fixtures use them. */
export const TEST_STACK_POLICY: StackPolicy = {
  logGroups: ['/ecs/webordinary/edit', '/ecs/edit'],
  intake: { bucket: 'webordinary-ses-emails', prefix: 'emails/' },
  siteBuckets: ['edit.*.webordinary.com'],
  ses: { identities: ['webordinary.com'], recipientDomains: ['*.webordinary.com'] },
  ecs: {
    cluster: WEBORDINARY_TARGET.ecsClusterName,
    service: WEBORDINARY_TARGET.ecsServiceName,
    maxDesiredCount: WEBORDINARY_TARGET.maxDesiredCount,
  },
  metricsNamespace: 'WebOrdinary/Performance',
  maxConcurrentRuns: 1,
  dailySendBudget: 1_000,
};

export interface LocalAwsContext {
  aws: LocalAws;
}

/**
 * Starts the emulators and the project's endpoint for one test file, points
 * the handlers' SDK clients at them (and gives them the test stack's policy),
 * and creates the table and buckets.
 * Handlers must be imported after this (they read their environment at load):
 * use `await import(...)` inside the tests.
 */
export function useLocalAws(buckets: string[] = []): LocalAwsContext {
  const context = {} as LocalAwsContext;
  let restore: () => void = () => {};
  beforeAll(async () => {
    context.aws = await startLocalAws();
    restore = applyEnv({
      ...context.aws.env,
      TABLE_NAME: LOCAL_TABLE,
      REPORTS_BUCKET: LOCAL_REPORTS_BUCKET,
      MAX_SESSION_CONCURRENCY: String(WEBORDINARY_TARGET.maxSessionConcurrency),
      STACK_POLICY: JSON.stringify(TEST_STACK_POLICY),
      LOST_BATCHES_QUEUE_URL: lostBatchesQueue(context.aws),
      HANDLER_FUNCTIONS: localHandlerFunctions(),
    });
    resetClients();
    await createTable();
    const s3 = localS3();
    for (const Bucket of [LOCAL_REPORTS_BUCKET, ...buckets])
      await s3.send(new CreateBucketCommand({ Bucket }));
  });
  // Each test finds the target free: one run at a time is the default, and tests start runs without reporting them.
  beforeEach(async () => {
    await dynamo().send(new DeleteCommand({ TableName: LOCAL_TABLE, Key: { pk: 'STACK', sk: 'RUNS' } }));
  });
  afterAll(async () => {
    await context.aws?.close();
    restore();
    resetClients();
  });
  return context;
}
