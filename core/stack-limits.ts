import type { Profile } from './profile.js';

/** What the deployed stack allows a profile to do to the target (CDK context, passed to Prepare). */
export interface StackLimits {
  /** The highest ECS desired count a coldWarm scenario may set (context `maxDesiredCount`). */
  readonly maxDesiredCount: number;
}

/** Problems for ProfileInvalid: every field over the stack's limits, by path. */
export function stackLimitProblems(profile: Pick<Profile, 'scenarios'>, limits: StackLimits): string[] {
  const problems: string[] = [];
  profile.scenarios.forEach((scenario, i) => {
    if (scenario.type === 'coldWarm' && scenario.desiredCount > limits.maxDesiredCount) {
      problems.push(
        `scenarios[${i}].desiredCount: ${scenario.desiredCount} is over this stack's limit of ${limits.maxDesiredCount} (CDK context maxDesiredCount)`,
      );
    }
  });
  return problems;
}
