import type { TargetChange } from './report-model.js';

/** A change a run left on the target, with the scenario that made it. */
export interface LeftChange extends TargetChange {
  readonly scenario: string;
}

/** What one attempt to set a change back ended with: the error Step Functions caught, if any. */
export interface RestoreAttempt {
  readonly resource?: string | undefined;
  readonly scenario?: string | undefined;
  readonly error?: { readonly Error?: string | undefined; readonly Cause?: string | undefined } | undefined;
}

/** The kinds of change a restore knows how to set back. */
export const RESTORABLE_KINDS: ReadonlySet<string> = new Set(['ecsDesiredCount']);

/** The ECS cluster and service a change's resource names (`cluster/service`). */
export function ecsServiceOf(resource: string): { cluster: string; service: string } {
  const [cluster = '', service = ''] = resource.split('/');
  return { cluster, service };
}

/**
 * The order to set changes back in: newest first, so that when two changes
 * touched one resource, the oldest recorded value is the one left in place.
 */
export function restoreOrder<T extends { readonly recordedAt: number }>(changes: readonly T[]): T[] {
  return [...changes].sort((a, b) => b.recordedAt - a.recordedAt);
}

/**
 * One line for what is still left changed after a restore, naming each
 * change, the value it should have gone back to and why it did not.
 */
export function unrestoredCause(
  runId: string,
  left: readonly LeftChange[],
  attempts: readonly RestoreAttempt[],
): string {
  const reasons = left.map((change) => {
    const attempt = attempts.find(
      (a) => a.error && a.resource === change.resource && a.scenario === change.scenario,
    );
    const why = !RESTORABLE_KINDS.has(change.kind)
      ? `a change of kind ${change.kind} cannot be set back automatically`
      : attempt?.error
        ? `${attempt.error.Error ?? 'Error'}: ${attempt.error.Cause ?? ''}`.trim()
        : 'it is still recorded as not restored';
    return `the ${change.kind} of ${change.resource} (scenario ${change.scenario}) could not be set back to ${change.before}: ${why}`;
  });
  return `run ${runId} left ${left.length} change(s) on the target: ${reasons.join('; ')}`;
}
