import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type QueueAttributeName,
  QueueDoesNotExist,
} from '@aws-sdk/client-sqs';
import type { Profile } from '../../core/profile.js';
import { type PlannedQueue, provisionPlan } from '../../core/provision-plan.js';
import { poolUsers } from '../../core/user-pool.js';
import { sqs } from '../../lambdas/shared/clients.js';
import { mapLimited } from '../../lambdas/shared/provisioned-queues.js';
import { EXIT, loadValidProfile } from '../cli-support.js';

export interface ProvisionOptions {
  /** The profile file. */
  readonly file: string;
  /** Print the plan and call nothing. */
  readonly dryRun: boolean;
  readonly print?: (line: string) => void;
}

type QueueOutcome =
  | { readonly kind: 'created' | 'present' }
  | { readonly kind: 'differs'; readonly detail: string }
  | { readonly kind: 'error'; readonly detail: string };

/**
 * `bench provision <profile> [--dry-run]`: creates every queue that
 * `target.provision` names for every pool user, with its attributes, and
 * leaves queues that exist alone (a queue whose attributes differ is reported,
 * not changed). Exit 0 when every queue is there as planned, 1 otherwise,
 * 104 for a profile that is invalid or names nothing to provision.
 */
export async function provision(options: ProvisionOptions): Promise<number> {
  const print = options.print ?? console.log;
  const valid = await loadValidProfile(options.file);
  if (!valid) return EXIT.invalidProfile;
  const { target } = valid.profile;
  const plan = provisionPlan(target);
  if (plan.length === 0) {
    console.error(
      `✗ ${options.file} names nothing to provision: it needs target.userPool and target.provision.queues`,
    );
    return EXIT.invalidProfile;
  }
  const header = planHeader(valid.profile, plan);
  if (options.dryRun) {
    print(`${header} (dry run: nothing is called)`);
    for (const queue of plan) print(`  create ${queue.name}${formatAttributes(queue.attributes)}`);
    return EXIT.ok;
  }
  print(header);
  const outcomes = await mapLimited(plan, 5, ensureQueue);
  const counts = { created: 0, present: 0, differs: 0, error: 0 };
  plan.forEach((queue, i) => {
    const outcome = outcomes[i] as QueueOutcome;
    counts[outcome.kind] += 1;
    if (outcome.kind === 'created') print(`  + ${queue.name}: created${formatAttributes(queue.attributes)}`);
    else if (outcome.kind === 'present') print(`  ✓ ${queue.name}: already there`);
    else if (outcome.kind === 'differs' || outcome.kind === 'error')
      print(`  ✗ ${queue.name}: ${outcome.detail}`);
  });
  print(
    `${counts.created} created, ${counts.present} already there, ${counts.differs} with other attributes, ${counts.error} failed`,
  );
  return counts.differs + counts.error > 0 ? EXIT.error : EXIT.ok;
}

function planHeader(profile: Profile, plan: readonly PlannedQueue[]): string {
  const users = poolUsers(profile.target).length;
  return `Provisioning ${plan.length} queue(s) for ${users} pool user(s) of project ${profile.target.provision?.projectId}:`;
}

/** Creates the queue unless it exists; an existing queue is compared, never changed. */
async function ensureQueue(queue: PlannedQueue): Promise<QueueOutcome> {
  try {
    const url = await queueUrl(queue.name);
    if (url === undefined) {
      await sqs().send(
        new CreateQueueCommand({ QueueName: queue.name, Attributes: { ...queue.attributes } }),
      );
      return { kind: 'created' };
    }
    const names = Object.keys(queue.attributes) as QueueAttributeName[];
    if (names.length === 0) return { kind: 'present' };
    const out = await sqs().send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: names }));
    const differ = names
      .filter((name) => out.Attributes?.[name] !== queue.attributes[name])
      .map(
        (name) =>
          `${name} is ${out.Attributes?.[name] ?? 'unset'}, the profile wants ${queue.attributes[name]}`,
      );
    return differ.length === 0
      ? { kind: 'present' }
      : { kind: 'differs', detail: `exists with other attributes (${differ.join('; ')}); not changed` };
  } catch (error) {
    const e = error as Error;
    return { kind: 'error', detail: `${e.name}: ${e.message}` };
  }
}

async function queueUrl(name: string): Promise<string | undefined> {
  try {
    return (await sqs().send(new GetQueueUrlCommand({ QueueName: name }))).QueueUrl;
  } catch (error) {
    if (error instanceof QueueDoesNotExist) return undefined;
    throw error;
  }
}

function formatAttributes(attributes: Readonly<Record<string, string>>): string {
  const parts = Object.entries(attributes).map(([k, v]) => `${k}=${v}`);
  return parts.length === 0 ? '' : `  (${parts.join(', ')})`;
}
