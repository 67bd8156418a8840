import { readFile } from 'node:fs/promises';
import type { Profile } from '../../core/profile.js';
import { parseStackPolicy, type StackPolicy, stackPolicyProblems } from '../../core/stack-policy.js';
import { UsageError } from '../cli-support.js';

/**
 * `bench validate --stack <file>`: the stack policy Prepare will apply, read
 * from what an operator has at hand:
 * - CDK outputs (`cdk deploy --outputs-file outputs.json`): the `StackPolicy` output;
 * - cdk.json (its `context`) or a context JSON (`{"targetLogGroups": ..., "sesRecipientDomains": ...}`),
 *   resolved with the same defaults as `cdk synth` (lib/target-props.ts);
 * - a stack policy itself (core/stack-policy.ts).
 */
export async function readStackPolicy(file: string): Promise<StackPolicy> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new UsageError(
      `--stack ${file}: ${code === 'ENOENT' ? 'no such file' : `not a JSON file (${(error as Error).message})`}`,
    );
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw new UsageError(
      `--stack ${file}: expected CDK outputs, a context object or a stack policy, got ${Array.isArray(json) ? 'an array' : typeof json}`,
    );
  const object = json as Record<string, unknown>;
  try {
    const outputs = Object.entries(object).filter(
      ([, value]) => value !== null && typeof value === 'object' && 'StackPolicy' in (value as object),
    );
    if (outputs.length > 1)
      throw new UsageError(
        `--stack ${file}: outputs of several stacks (${outputs.map(([name]) => name).join(', ')}); keep one`,
      );
    const output = outputs[0]?.[1] as { StackPolicy: unknown } | undefined;
    if (output)
      return parseStackPolicy(JSON.parse(String(output.StackPolicy)), `${file} (output StackPolicy)`);
    if ('logGroups' in object) return parseStackPolicy(object, file);
    const context = (
      object.context && typeof object.context === 'object' ? object.context : object
    ) as Record<string, unknown>;
    const { stackPolicyOf, targetPropsFromContext } = await import('../../lib/target-props.js');
    return stackPolicyOf(targetPropsFromContext({ tryGetContext: (key: string) => context[key] }));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`--stack ${file}: ${(error as Error).message}`);
  }
}

/** The problems of a valid profile against the stack; empty when it stays inside. */
export function stackProblems(profile: Profile, policy: StackPolicy): string[] {
  return stackPolicyProblems(profile, policy);
}
