import { Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';

/**
 * cdk-nag acknowledgements that say exactly what they cover: a `*` resource only
 * on a policy of its own with one statement, and wildcard resources spelt out one
 * by one, each with its true reason. Nothing is acknowledged for a whole construct.
 */

/**
 * A policy of one statement on resource `*` (an action with no resource-level
 * permissions), attached to one role and acknowledged for cdk-nag on that policy alone.
 */
export function unscopedPolicy(
  scope: Construct,
  id: string,
  role: iam.IRole,
  actions: string[],
  reason: string,
  conditions?: iam.Conditions,
): iam.Policy {
  const policy = new iam.Policy(scope, id, {
    roles: [role],
    statements: [
      new iam.PolicyStatement({ actions, resources: ['*'], ...(conditions ? { conditions } : {}) }),
    ],
  });
  Validations.of(policy).acknowledge({ id: 'AwsSolutions-IAM5[Resource::*]', reason });
  return policy;
}

/**
 * Acknowledges cdk-nag's AwsSolutions-IAM5 finding for each wildcard resource,
 * spelt as cdk-nag reports it (`<LogicalId.Arn>`, `<AWS::Partition>`), so the
 * acknowledgement follows the names the target is configured with.
 */
export function acknowledgeWildcardResources(
  scope: Construct,
  resources: readonly string[],
  reason: string,
): void {
  const stack = Stack.of(scope);
  for (const resource of resources) {
    const id = `AwsSolutions-IAM5[Resource::${flattenReference(stack.resolve(resource))}]`;
    Validations.of(scope).acknowledge({ id, reason });
  }
}

function flattenReference(node: unknown): string {
  if (typeof node === 'string') return node;
  const fn = node as { 'Fn::Join'?: [string, unknown[]]; 'Fn::GetAtt'?: [string, string]; Ref?: string };
  if (fn['Fn::Join']) return fn['Fn::Join'][1].map(flattenReference).join(fn['Fn::Join'][0]);
  if (fn['Fn::GetAtt']) return `<${fn['Fn::GetAtt'][0]}.${fn['Fn::GetAtt'][1]}>`;
  if (fn.Ref) return `<${fn.Ref}>`;
  return JSON.stringify(node);
}
