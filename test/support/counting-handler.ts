import { sharedState } from './instance-state.js';

/**
 * A stand-in Lambda handler with warm state in its own module and in one it
 * imports, to show whether two "instances" share module state.
 */
const ownState = { calls: 0 };

export async function handler(event: unknown): Promise<{ pid: number; own: number; shared: number }> {
  ownState.calls++;
  sharedState.calls++;
  const delayMs = (event as { delayMs?: number } | null)?.delayMs ?? 0;
  if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
  if ((event as { fail?: boolean } | null)?.fail) throw new TypeError('asked to fail');
  return { pid: process.pid, own: ownState.calls, shared: sharedState.calls };
}
