import { parseStackPolicy, type StackPolicy } from '../../core/stack-policy.js';

let cached: { raw: string; policy: StackPolicy } | undefined;

/**
 * The stack's policy from the STACK_POLICY variable (set by lib/handlers-construct.ts;
 * locally by the runner). Read per call, parsed once per value: a local process runs
 * several stacks one after another.
 */
export function stackPolicy(): StackPolicy {
  const raw = process.env.STACK_POLICY;
  if (raw === undefined || raw === '') throw new Error('environment variable STACK_POLICY is not set');
  if (cached?.raw !== raw) {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch (error) {
      throw new Error(`environment variable STACK_POLICY is not JSON: ${(error as Error).message}`);
    }
    cached = { raw, policy: parseStackPolicy(json, 'environment variable STACK_POLICY') };
  }
  return cached.policy;
}
