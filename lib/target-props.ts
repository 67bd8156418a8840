import { ArnFormat, Stack } from 'aws-cdk-lib';
import type { IConstruct, Node } from 'constructs';
import type { StackPolicy } from '../core/stack-policy.js';

/**
 * The WebOrdinary deployment the benchmark may touch. Every IAM statement that
 * reaches outside the stack is scoped to these names.
 *
 * Read by {@link targetPropsFromContext} from CDK context (`cdk synth -c key=value`
 * or `context` in cdk.json); every key is optional and defaults to WebOrdinary's
 * real names:
 * - `targetLogGroups`: log groups the collector subscribes to and the observer may
 *   poll; a JSON array or a comma-separated list (default `/ecs/webordinary/edit`).
 * - `subscribeLogGroups`: `false` adds no subscription filter, for accounts where
 *   the groups' two filter slots are taken; profiles then observe in `poll` mode
 *   (default `true`).
 * - `intakeBucket`, `intakePrefix`: where the `s3-eml` trigger drops raw emails
 *   (default `webordinary-ses-emails`, `emails/`).
 * - `siteBucketPattern`: the site buckets S3 stages read, `*` allowed
 *   (default `edit.*.webordinary.com`).
 * - `ecsCluster`, `ecsService`: the edit service that cold/warm scenarios scale and
 *   the observer samples (default `webordinary-edit-cluster`, `webordinary-edit-service`).
 * - `sesIdentities`: SES identities the `ses` trigger sends as, domains or addresses,
 *   `*` allowed; a JSON array or a comma-separated list (default `webordinary.com`).
 * - `metricsNamespace`: the only CloudWatch namespace the report may publish to
 *   (default `WebOrdinary/Performance`).
 * - `maxDesiredCount`: the highest ECS desired count a coldWarm scenario may set;
 *   Prepare refuses a profile over it with `ProfileInvalid` (default 10).
 * - `maxSessionConcurrency`: the most sessions of one load scenario the Distributed Map
 *   runs at once, whatever the scenario needs; from 1 to 10000, Step Functions' own
 *   bound on a Distributed Map (default 10000: a burst of 10,000 is a burst).
 * - `queueNamePattern`: the SQS queues Prepare may look up (GetQueueUrl) to check that
 *   the pool users are provisioned, `*` allowed (default `webordinary-*`).
 * - `sesRecipientDomains`: the domains the triggers may address, `*` allowed; a JSON
 *   array or a comma-separated list (default `bench.webordinary.com`, the benchmark's
 *   own project, as in the nightly profile).
 * - `maxConcurrentRuns`: runs that may be active at once; a profile must also opt in
 *   with `allowConcurrentRuns` (default 1).
 * - `dailySendBudget`: emails and raw .eml drops per UTC day across all runs, enforced
 *   by the trigger (default 2000).
 *
 * Prepare and the trigger receive the same names as the stack policy
 * (core/stack-policy.ts, environment STACK_POLICY; output `StackPolicy`).
 */
export interface TargetProps {
  readonly logGroupNames: readonly string[];
  readonly subscribeLogGroups: boolean;
  readonly intakeBucketName: string;
  readonly intakePrefix: string;
  readonly siteBucketPattern: string;
  readonly ecsClusterName: string;
  readonly ecsServiceName: string;
  readonly sesIdentities: readonly string[];
  readonly metricsNamespace: string;
  readonly maxDesiredCount: number;
  readonly maxSessionConcurrency: number;
  readonly queueNamePattern: string;
  readonly sesRecipientDomains: readonly string[];
  readonly maxConcurrentRuns: number;
  readonly dailySendBudget: number;
}

/** WebOrdinary's real names (see /work/shared/reference/webordinary-system.md). */
export const WEBORDINARY_TARGET: TargetProps = {
  logGroupNames: ['/ecs/webordinary/edit'],
  subscribeLogGroups: true,
  intakeBucketName: 'webordinary-ses-emails',
  intakePrefix: 'emails/',
  siteBucketPattern: 'edit.*.webordinary.com',
  ecsClusterName: 'webordinary-edit-cluster',
  ecsServiceName: 'webordinary-edit-service',
  sesIdentities: ['webordinary.com'],
  metricsNamespace: 'WebOrdinary/Performance',
  maxDesiredCount: 10,
  maxSessionConcurrency: 10_000,
  queueNamePattern: 'webordinary-*',
  sesRecipientDomains: ['bench.webordinary.com'],
  maxConcurrentRuns: 1,
  dailySendBudget: 2_000,
};

/** The target described by CDK context, with {@link WEBORDINARY_TARGET} for every key that is not set. */
export function targetPropsFromContext(node: Pick<Node, 'tryGetContext'>): TargetProps {
  const text = (key: string, fallback: string): string => {
    const value: unknown = node.tryGetContext(key);
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || value.trim() === '') {
      throw new Error(`context ${key} must be a non-empty string, got ${JSON.stringify(value)}`);
    }
    return value.trim();
  };
  const list = (key: string, fallback: readonly string[]): readonly string[] => {
    const value: unknown = node.tryGetContext(key);
    if (value === undefined) return fallback;
    const items = parseList(value);
    if (items.length === 0)
      throw new Error(`context ${key} must list at least one name, got ${JSON.stringify(value)}`);
    return items;
  };
  const count = (key: string, fallback: number, min: number, max = 1_000_000): number => {
    const value: unknown = node.tryGetContext(key);
    if (value === undefined) return fallback;
    const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
      throw new Error(
        `context ${key} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`,
      );
    }
    return n;
  };
  const subscribe: unknown = node.tryGetContext('subscribeLogGroups');
  const d = WEBORDINARY_TARGET;
  return {
    logGroupNames: list('targetLogGroups', d.logGroupNames),
    subscribeLogGroups:
      subscribe === undefined ? d.subscribeLogGroups : subscribe !== false && subscribe !== 'false',
    intakeBucketName: text('intakeBucket', d.intakeBucketName),
    intakePrefix: text('intakePrefix', d.intakePrefix),
    siteBucketPattern: text('siteBucketPattern', d.siteBucketPattern),
    ecsClusterName: text('ecsCluster', d.ecsClusterName),
    ecsServiceName: text('ecsService', d.ecsServiceName),
    sesIdentities: list('sesIdentities', d.sesIdentities),
    metricsNamespace: text('metricsNamespace', d.metricsNamespace),
    maxDesiredCount: count('maxDesiredCount', d.maxDesiredCount, 1, 1_000),
    maxSessionConcurrency: count('maxSessionConcurrency', d.maxSessionConcurrency, 1, 10_000),
    queueNamePattern: text('queueNamePattern', d.queueNamePattern),
    sesRecipientDomains: list('sesRecipientDomains', d.sesRecipientDomains),
    maxConcurrentRuns: count('maxConcurrentRuns', d.maxConcurrentRuns, 1),
    dailySendBudget: count('dailySendBudget', d.dailySendBudget, 0),
  };
}

// `-c key=value` always gives a string; cdk.json may give a real array.
function parseList(value: unknown): string[] {
  let items: unknown = value;
  if (typeof value === 'string') items = value.trim().startsWith('[') ? JSON.parse(value) : value.split(',');
  if (!Array.isArray(items) || !items.every((item) => typeof item === 'string')) {
    throw new Error(`expected a list of names, got ${JSON.stringify(value)}`);
  }
  return items.map((item) => item.trim()).filter((item) => item !== '');
}

/** The ARNs of the target's resources, in the scope's account and Region. */
export function targetArns(scope: IConstruct, target: TargetProps) {
  const stack = Stack.of(scope);
  return {
    /** Log groups, as FilterLogEvents authorizes them (`log-group:<name>:*`). */
    logGroups: target.logGroupNames.map((name) =>
      stack.formatArn({
        service: 'logs',
        resource: 'log-group',
        resourceName: `${name}:*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    ),
    intakeObjects: `arn:${stack.partition}:s3:::${target.intakeBucketName}/${target.intakePrefix}*`,
    siteBuckets: `arn:${stack.partition}:s3:::${target.siteBucketPattern}`,
    siteObjects: `arn:${stack.partition}:s3:::${target.siteBucketPattern}/*`,
    ecsService: stack.formatArn({
      service: 'ecs',
      resource: 'service',
      resourceName: `${target.ecsClusterName}/${target.ecsServiceName}`,
    }),
    queues: stack.formatArn({ service: 'sqs', resource: target.queueNamePattern }),
    sesIdentities: target.sesIdentities.map((identity) =>
      stack.formatArn({ service: 'ses', resource: 'identity', resourceName: identity }),
    ),
  };
}

/** What Prepare and the trigger enforce (core/stack-policy.ts): the same names IAM is scoped to. */
export function stackPolicyOf(target: TargetProps): StackPolicy {
  return {
    logGroups: [...target.logGroupNames],
    intake: { bucket: target.intakeBucketName, prefix: target.intakePrefix },
    siteBuckets: [target.siteBucketPattern],
    ses: { identities: [...target.sesIdentities], recipientDomains: [...target.sesRecipientDomains] },
    ecs: {
      cluster: target.ecsClusterName,
      service: target.ecsServiceName,
      maxDesiredCount: target.maxDesiredCount,
    },
    metricsNamespace: target.metricsNamespace,
    maxConcurrentRuns: target.maxConcurrentRuns,
    dailySendBudget: target.dailySendBudget,
  };
}
