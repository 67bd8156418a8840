import { type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';

/**
 * Every IAM role of a stack with its statements, as short readable lines
 * (`Allow dynamodb:GetItem on Storage/Table` ...), construct paths in place of
 * logical ids so that the lines survive unrelated changes.
 */
export function roleStatements(stack: Stack): Record<string, string[]> {
  const template = Template.fromStack(stack).toJSON() as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
  const paths = new Map<string, string>();
  const visit = (node: IConstruct) => {
    if ((node as CfnElement).logicalId !== undefined && Stack.of(node) === stack) {
      const path = node.node.path.split('/').slice(1);
      // `Handlers/PrepareRole/Resource` reads as `Handlers/PrepareRole`.
      if (path.at(-1) === 'Resource') path.pop();
      paths.set(stack.getLogicalId(node as CfnElement), path.join('/'));
    }
    for (const child of node.node.children) visit(child);
  };
  visit(stack);
  const name = (logicalId: string) => paths.get(logicalId) ?? logicalId;
  const text = (value: unknown): string => {
    if (typeof value === 'string') return value.replace(/^arn:aws:/, 'arn:');
    const fn = value as Record<string, unknown>;
    if (fn.Ref)
      return fn.Ref === 'AWS::Partition'
        ? 'aws'
        : fn.Ref === 'AWS::Region' || fn.Ref === 'AWS::AccountId'
          ? `<${String(fn.Ref).slice(5)}>`
          : name(String(fn.Ref));
    if (fn['Fn::GetAtt']) {
      const [id, attr] = fn['Fn::GetAtt'] as [string, string];
      return `${name(id)}.${attr}`;
    }
    if (fn['Fn::Join']) {
      const [sep, parts] = fn['Fn::Join'] as [string, unknown[]];
      return parts
        .map(text)
        .join(sep)
        .replace(/^arn:aws:/, 'arn:');
    }
    return JSON.stringify(value);
  };
  const list = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);
  const out: Record<string, string[]> = {};
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type === 'AWS::IAM::Role') out[name(id)] ??= [];
  }
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type !== 'AWS::IAM::Policy') continue;
    const document = resource.Properties.PolicyDocument as { Statement: Record<string, unknown>[] };
    const lines = document.Statement.map((s) => {
      const actions = list(s.Action as string | string[])
        .sort()
        .join(', ');
      const resources = list(s.Resource as unknown)
        .map(text)
        .sort()
        .join(', ');
      const condition = s.Condition ? ` if ${JSON.stringify(s.Condition)}` : '';
      return `${String(s.Effect)} ${actions} on ${resources}${condition}`;
    });
    for (const role of list(resource.Properties.Roles as unknown[])) {
      const key = text(role);
      out[key] = [...(out[key] ?? []), ...lines].sort();
    }
  }
  return out;
}
