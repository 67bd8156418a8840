import { isLogStage, type Profile } from '../../core/profile.js';
import type { StackPolicy } from '../../core/stack-policy.js';
import type { TargetModel } from '../simulator/index.js';

/**
 * The policy of the stack a local run "deploys": the runner creates exactly
 * the log groups, buckets and identities the profile names (local mode has no
 * other target), so the policy is drawn from the profile and the model, with
 * a template variable standing for any text. It bounds concurrency, the
 * desired count and the daily send budget as a default deployment does.
 */
export function localStackPolicy(
  profile: Profile,
  model: TargetModel,
  limits: { dailySendBudget: number; maxDesiredCount: number },
): StackPolicy {
  const { target } = profile;
  const anyVar = (text: string) => text.replace(/\{[A-Za-z]+\}/g, '*');
  const domainOf = (address: string) => anyVar(address.slice(address.lastIndexOf('@') + 1).replace(/>$/, ''));
  const groups = new Set([
    ...target.stages.filter(isLogStage).map((s) => s.log.group),
    ...target.failures.map((f) => f.group),
  ]);
  const sites = target.stages.flatMap((s) => (isLogStage(s) ? [] : [anyVar(s.s3.bucket)]));
  const trigger = target.trigger;
  const intake =
    trigger.type === 's3-eml'
      ? { bucket: trigger.bucket, prefix: trigger.prefix }
      : {
          bucket: model.intake.s3?.bucket ?? 'webordinary-ses-emails',
          prefix: model.intake.s3?.prefix ?? 'emails/',
        };
  return {
    logGroups: [...groups],
    intake,
    siteBuckets: sites.length > 0 ? sites : ['none'],
    ses: { identities: [domainOf(trigger.from)], recipientDomains: [domainOf(trigger.to)] },
    // The simulator serves whichever service the profile names.
    ecs: {
      cluster: target.ecs?.cluster ?? 'none',
      service: target.ecs?.service ?? 'none',
      maxDesiredCount: limits.maxDesiredCount,
    },
    metricsNamespace: profile.publish.namespace,
    maxConcurrentRuns: 1,
    dailySendBudget: limits.dailySendBudget,
  };
}
