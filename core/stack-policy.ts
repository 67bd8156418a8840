import { z } from 'zod';
import { addressDomain, mailboxProblem, parseMailbox } from './email.js';
import { renderTemplate } from './identity.js';
import { runScenarios } from './limit-steps.js';
import { scenarioSessions } from './observer-window.js';
import { isLogStage, type Profile } from './profile.js';

/**
 * What the deployed stack lets a profile touch. The stack is configured by CDK
 * context (lib/target-props.ts), passes this policy to Prepare and the trigger
 * (environment STACK_POLICY) and prints it as the `StackPolicy` output; IAM
 * enforces the same names independently. A profile outside it is refused with
 * ProfileInvalid, each problem naming its field.
 */
export const StackPolicySchema = z.strictObject({
  /** Log groups stages and failures may watch. */
  logGroups: z.array(z.string().min(1)).min(1),
  /** Where the s3-eml trigger may drop raw emails. */
  intake: z.strictObject({ bucket: z.string().min(1), prefix: z.string() }),
  /** Site buckets S3 stages may read; `*` matches any run of characters. */
  siteBuckets: z.array(z.string().min(1)).min(1),
  ses: z.strictObject({
    /** Identities the ses trigger may send as: domains (`example.com`) or addresses; `*` allowed. */
    identities: z.array(z.string().min(1)).min(1),
    /** Domains recipients may be in; `*` matches any run of characters (`*.example.com`). */
    recipientDomains: z.array(z.string().min(1)).min(1),
  }),
  /** The ECS service coldWarm scenarios scale and the observer samples, and how far it may be scaled. */
  ecs: z.strictObject({
    cluster: z.string().min(1),
    service: z.string().min(1),
    /** The highest desired count a coldWarm scenario may set (context `maxDesiredCount`). */
    maxDesiredCount: z.number().int().min(1).max(1_000),
  }),
  /** The only CloudWatch namespace the report may publish to. */
  metricsNamespace: z.string().min(1),
  /** Runs that may be active at once; a profile must opt in (allowConcurrentRuns) to share. */
  maxConcurrentRuns: z.number().int().min(1).max(100),
  /** Emails (and raw .eml drops) the stack's triggers may send per UTC day, across all runs. */
  dailySendBudget: z.number().int().min(0),
});

export type StackPolicy = z.infer<typeof StackPolicySchema>;

export class StackPolicyError extends Error {
  override name = 'StackPolicyError';
}

/** Parses a policy (the STACK_POLICY variable or the StackPolicy output); throws naming every bad field. */
export function parseStackPolicy(input: unknown, source: string): StackPolicy {
  const parsed = StackPolicySchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(policy)'}: ${i.message}`);
  throw new StackPolicyError(`${source} is not a stack policy: ${problems.join('; ')}`);
}

// Template values of the right shape for checking what a template can become.
const SAMPLE = {
  sessionId: 'burst-0000',
  userId: 'bench-abcdef-00000',
  token: 'tokabcdef0123456789',
  index: 0,
  runId: 'run-0000',
  scenario: 'burst',
};

/** Every way the profile reaches past the stack, each naming its field; empty when it stays inside. */
export function stackPolicyProblems(profile: Profile, policy: StackPolicy): string[] {
  const problems: string[] = [];
  const groups = new Set(policy.logGroups);
  const groupProblem = (path: string, group: string) => {
    if (!groups.has(group))
      problems.push(
        `${path}: log group ${JSON.stringify(group)} is not one the stack allows (${policy.logGroups.join(', ')})`,
      );
  };
  profile.target.stages.forEach((stage, i) => {
    if (isLogStage(stage)) groupProblem(`target.stages[${i}].log.group`, stage.log.group);
    else {
      const bucket = renderTemplate(stage.s3.bucket, SAMPLE);
      if (!policy.siteBuckets.some((allowed) => globMatch(allowed, bucket)))
        problems.push(
          `target.stages[${i}].s3.bucket: bucket ${JSON.stringify(stage.s3.bucket)} is not one the stack allows (${policy.siteBuckets.join(', ')})`,
        );
    }
  });
  profile.target.failures.forEach((failure, i) => {
    groupProblem(`target.failures[${i}].group`, failure.group);
  });

  const trigger = profile.target.trigger;
  if (trigger.type === 's3-eml') {
    if (trigger.bucket !== policy.intake.bucket)
      problems.push(
        `target.trigger.bucket: ${JSON.stringify(trigger.bucket)} is not the stack's intake bucket (${policy.intake.bucket})`,
      );
    if (!trigger.prefix.startsWith(policy.intake.prefix))
      problems.push(
        `target.trigger.prefix: ${JSON.stringify(trigger.prefix)} is outside the stack's intake prefix (${JSON.stringify(policy.intake.prefix)})`,
      );
  } else if (mailboxProblem(trigger.from) === null) {
    const from = parseMailbox('target.trigger.from', trigger.from).address;
    if (!policy.ses.identities.some((identity) => identityCovers(identity, from)))
      problems.push(
        `target.trigger.from: ${from} is not covered by the stack's SES identities (${policy.ses.identities.join(', ')})`,
      );
  }
  const to = renderTemplate(trigger.to, SAMPLE);
  if (mailboxProblem(to) === null) {
    const domain = addressDomain(parseMailbox('target.trigger.to', to).address);
    if (!policy.ses.recipientDomains.some((allowed) => globMatch(allowed.toLowerCase(), domain)))
      problems.push(
        `target.trigger.to: recipient domain ${domain} is not one the stack allows (${policy.ses.recipientDomains.join(', ')})`,
      );
  }

  problems.push(...ecsProblems(profile, policy.ecs));
  if (profile.publish.cloudwatch && profile.publish.namespace !== policy.metricsNamespace)
    problems.push(
      `publish.namespace: ${JSON.stringify(profile.publish.namespace)} is not the stack's metrics namespace (${policy.metricsNamespace})`,
    );
  // Every step of a limit scenario counts: the budget is for the run in which none fails.
  const sends = runScenarios(profile).reduce((sum, scenario) => sum + scenarioSessions(scenario), 0);
  if (sends > policy.dailySendBudget)
    problems.push(
      `scenarios: the run sends ${sends} emails, over the stack's daily send budget of ${policy.dailySendBudget} (context dailySendBudget); the trigger would fail every session past it`,
    );
  if (profile.allowConcurrentRuns && policy.maxConcurrentRuns < 2)
    problems.push('allowConcurrentRuns: the stack allows one run at a time (context maxConcurrentRuns is 1)');
  return problems;
}

/** The ECS service the profile names must be the stack's, and no scenario may scale it past the bound. */
function ecsProblems(profile: Profile, ecs: StackPolicy['ecs']): string[] {
  const problems: string[] = [];
  const target = profile.target.ecs;
  if (target && target.cluster !== ecs.cluster)
    problems.push(
      `target.ecs.cluster: ${JSON.stringify(target.cluster)} is not the stack's ECS cluster (${ecs.cluster})`,
    );
  if (target && target.service !== ecs.service)
    problems.push(
      `target.ecs.service: ${JSON.stringify(target.service)} is not the stack's ECS service (${ecs.service})`,
    );
  profile.scenarios.forEach((scenario, i) => {
    if (scenario.type === 'coldWarm' && scenario.desiredCount > ecs.maxDesiredCount)
      problems.push(
        `scenarios[${i}].desiredCount: ${scenario.desiredCount} is over this stack's limit of ${ecs.maxDesiredCount} (CDK context maxDesiredCount)`,
      );
  });
  return problems;
}

/** True when an SES identity (a domain, an address, or a pattern with `*`) lets the address send. */
export function identityCovers(identity: string, address: string): boolean {
  const id = identity.toLowerCase();
  const from = address.toLowerCase();
  if (id.includes('@') || id.includes('*')) return globMatch(id, from);
  return addressDomain(from) === id;
}

/** `*` matches any run of characters (none included); everything else literally. Linear time. */
export function globMatch(pattern: string, text: string): boolean {
  const parts = pattern.split('*');
  const first = parts[0] ?? '';
  const last = parts.length > 1 ? (parts.at(-1) ?? '') : '';
  if (parts.length === 1) return text === pattern;
  if (!text.startsWith(first) || text.length < first.length + last.length || !text.endsWith(last))
    return false;
  let at = first.length;
  const end = text.length - last.length;
  for (const middle of parts.slice(1, -1)) {
    const found = text.indexOf(middle, at);
    if (found < 0 || found + middle.length > end) return false;
    at = found + middle.length;
  }
  return true;
}
