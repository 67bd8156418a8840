import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll } from 'vitest';
import { resetClients } from '../../lambdas/shared/clients.js';
import { WEBORDINARY_TARGET } from '../../lib/target-props.js';
import { applyEnv, type LocalAws, startLocalAws } from '../../local/emulators.js';
import {
  createTable,
  LOCAL_REPORTS_BUCKET,
  LOCAL_TABLE,
  localS3,
} from '../../local/runner/local-aws-setup.js';

export interface LocalAwsContext {
  aws: LocalAws;
}

/**
 * Starts the emulators and the project's endpoint for one test file, points
 * the handlers' SDK clients at them, and creates the table and buckets.
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
      MAX_DESIRED_COUNT: String(WEBORDINARY_TARGET.maxDesiredCount),
      MAX_SESSION_CONCURRENCY: String(WEBORDINARY_TARGET.maxSessionConcurrency),
    });
    resetClients();
    await createTable();
    const s3 = localS3();
    for (const Bucket of [LOCAL_REPORTS_BUCKET, ...buckets])
      await s3.send(new CreateBucketCommand({ Bucket }));
  });
  afterAll(async () => {
    await context.aws?.close();
    restore();
    resetClients();
  });
  return context;
}
