import { DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { GetIdentityVerificationAttributesCommand, GetSendQuotaCommand } from '@aws-sdk/client-ses';
import { DescribeStateMachineCommand } from '@aws-sdk/client-sfn';
import { isLogStage, type Profile } from '../../core/profile.js';
import { provisionPlan } from '../../core/provision-plan.js';
import { planRun } from '../../core/session-plan.js';
import { poolUsers } from '../../core/user-pool.js';
import { ecs, logs, s3, ses, sfn } from '../../lambdas/shared/clients.js';
import { queueExists } from '../../lambdas/shared/provisioned-queues.js';

/** One preflight check: what it looks at, and a verdict with a detail. */
export interface Check {
  readonly what: string;
  run(): Promise<Verdict>;
}

export interface Verdict {
  /** `skip`: nothing to check (a name that depends on the session). */
  readonly status: 'ok' | 'missing' | 'skip';
  readonly detail: string;
}

const ok = (detail: string): Verdict => ({ status: 'ok', detail });
const missing = (detail: string): Verdict => ({ status: 'missing', detail });

/** Every check the profile calls for, in the order they are printed. */
export function preflightChecks(profile: Profile, stateMachineArn?: string): Check[] {
  const { target } = profile;
  const checks: Check[] = [];
  const groups = new Set([
    ...target.stages.filter(isLogStage).map((s) => s.log.group),
    ...target.failures.map((f) => f.group),
  ]);
  for (const group of groups) checks.push({ what: `log group ${group}`, run: () => logGroup(group) });

  const buckets = new Map<string, string>();
  if (target.trigger.type === 's3-eml') buckets.set(target.trigger.bucket, 'intake bucket');
  for (const stage of target.stages) {
    if (isLogStage(stage)) continue;
    for (const name of bucketNames(stage.s3.bucket, poolUsers(target)))
      buckets.set(name, `bucket of stage ${stage.name}`);
  }
  for (const [name, role] of buckets) {
    checks.push(
      name.includes('{')
        ? {
            what: `${role} ${name}`,
            run: async () => ({ status: 'skip', detail: 'its name depends on the session' }),
          }
        : { what: `${role} ${name}`, run: () => bucket(name) },
    );
  }

  if (target.ecs) {
    const { cluster, service } = target.ecs;
    checks.push({ what: `ECS service ${cluster}/${service}`, run: () => ecsService(cluster, service) });
  }

  if (target.trigger.type === 'ses') {
    const from = senderAddress(target.trigger.from);
    checks.push({ what: `SES identity for ${from}`, run: () => sesIdentity(from) });
    const sessions = planRun('preflight', profile).length;
    checks.push({ what: 'SES send quota', run: () => sendQuota(sessions) });
  }

  const plan = provisionPlan(target);
  for (const user of poolUsers(target)) {
    const queues = plan.filter((q) => q.userId === user).map((q) => q.name);
    if (queues.length > 0)
      checks.push({ what: `queues of pool user ${user}`, run: () => userQueues(queues) });
  }

  checks.push(
    stateMachineArn
      ? { what: `state machine ${stateMachineArn}`, run: () => stateMachine(stateMachineArn) }
      : {
          what: 'state machine',
          run: async () => ({
            status: 'skip',
            detail: 'not checked: no --state-machine-arn given (the deploy output StateMachineArn)',
          }),
        },
  );
  return checks;
}

/** `{userId}` expands to every pool user; any other variable leaves the name unknown until the session. */
function bucketNames(template: string, users: readonly string[]): string[] {
  const vars = new Set([...template.matchAll(/\{([A-Za-z]+)\}/g)].map((m) => m[1]));
  if (vars.size === 1 && vars.has('userId') && users.length > 0)
    return users.map((user) => template.replaceAll('{userId}', user));
  return [template];
}

/** `Bench <bench@webordinary.com>` -> `bench@webordinary.com`. */
export function senderAddress(from: string): string {
  return (/<([^<>]+)>/.exec(from)?.[1] ?? from).trim();
}

async function logGroup(name: string): Promise<Verdict> {
  const out = await logs().send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name, limit: 50 }));
  return out.logGroups?.some((g) => g.logGroupName === name) ? ok('exists') : missing('not found');
}

async function bucket(name: string): Promise<Verdict> {
  try {
    await s3().send(new HeadBucketCommand({ Bucket: name }));
    return ok('exists and is reachable');
  } catch (error) {
    const e = error as Error & { $metadata?: { httpStatusCode?: number } };
    if (e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404) return missing('not found');
    if (e.$metadata?.httpStatusCode === 403) return missing('exists but access is denied');
    throw error;
  }
}

async function ecsService(cluster: string, service: string): Promise<Verdict> {
  try {
    const out = await ecs().send(new DescribeServicesCommand({ cluster, services: [service] }));
    const found = out.services?.[0];
    if (!found) return missing(`not found (${out.failures?.[0]?.reason ?? 'MISSING'})`);
    if (found.status !== 'ACTIVE') return missing(`status ${found.status}`);
    return ok(`ACTIVE, desired ${found.desiredCount}, running ${found.runningCount}`);
  } catch (error) {
    if ((error as Error).name === 'ClusterNotFoundException') return missing(`cluster ${cluster} not found`);
    throw error;
  }
}

async function sesIdentity(address: string): Promise<Verdict> {
  const domain = address.split('@')[1] ?? address;
  const identities = [...new Set([address, domain])];
  const out = await ses().send(new GetIdentityVerificationAttributesCommand({ Identities: identities }));
  const verified = identities.find((i) => out.VerificationAttributes?.[i]?.VerificationStatus === 'Success');
  if (verified) return ok(`verified (${verified})`);
  const states = identities.map(
    (i) => `${i}: ${out.VerificationAttributes?.[i]?.VerificationStatus ?? 'not added'}`,
  );
  return missing(`not verified (${states.join(', ')})`);
}

async function sendQuota(sessions: number): Promise<Verdict> {
  const out = await ses().send(new GetSendQuotaCommand({}));
  const max = out.Max24HourSend ?? 0;
  const left = max < 0 ? Number.POSITIVE_INFINITY : max - (out.SentLast24Hours ?? 0);
  const detail = `${Number.isFinite(left) ? left : 'unlimited'} of ${max} left today for ${sessions} session email(s), ${out.MaxSendRate ?? '?'} per second`;
  return left >= sessions ? ok(detail) : missing(`too small: ${detail}`);
}

async function userQueues(names: readonly string[]): Promise<Verdict> {
  const exists = await Promise.all(names.map(queueExists));
  const absent = names.filter((_, i) => !exists[i]);
  return absent.length === 0 ? ok(`${names.length} exist`) : missing(`missing ${absent.join(', ')}`);
}

async function stateMachine(arn: string): Promise<Verdict> {
  try {
    const out = await sfn().send(new DescribeStateMachineCommand({ stateMachineArn: arn }));
    return out.status === 'ACTIVE' ? ok('ACTIVE') : missing(`status ${out.status}`);
  } catch (error) {
    if ((error as Error).name === 'StateMachineDoesNotExist') return missing('not found');
    throw error;
  }
}
