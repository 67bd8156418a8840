import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { ecsServiceOf, RESTORABLE_KINDS, restoreOrder } from '../../core/unrestored-changes.js';
import { ecs } from '../../lambdas/shared/clients.js';
import { TargetChangeStore } from '../../lambdas/shared/target-changes.js';
import { EXIT } from '../cli-support.js';

export interface RestoreOptions {
  readonly runId: string;
  /** The benchmark's table (stack output TableName). */
  readonly table: string;
  readonly dryRun: boolean;
  readonly print?: (line: string) => void;
}

/**
 * `bench restore <runId>`: sets back what a run changed on the target and did
 * not restore itself (a stopped execution runs no Catch, so its restore states
 * never run), from the values the run recorded before changing anything. The
 * manual fallback of the stack's stopped-run restore, for when that failed.
 * Exit 0 when nothing is left changed, 1 when a restore failed.
 */
export async function restore(options: RestoreOptions): Promise<number> {
  const print = options.print ?? console.log;
  const store = new TargetChangeStore(options.table);
  const changes = await store.list(options.runId);
  const open = changes.filter((c) => !c.restored);
  if (changes.length === 0) print(`Run ${options.runId} recorded no change to the target.`);
  else if (open.length === 0)
    print(`Run ${options.runId} restored all ${changes.length} of its change(s) itself.`);
  let failed = 0;
  // As the stack's restore does: newest first, so two changes of one service leave the oldest value.
  for (const change of restoreOrder(open)) {
    if (!RESTORABLE_KINDS.has(change.kind)) {
      failed += 1;
      print(`✗ cannot set back a change of kind ${change.kind} to ${change.resource}: set it back by hand`);
      continue;
    }
    const { cluster, service } = ecsServiceOf(change.resource);
    const what = `${change.resource} desired count (scenario ${change.scenario}) back to ${change.before}`;
    if (options.dryRun) {
      print(`would set ${what}`);
      continue;
    }
    try {
      await ecs().send(new UpdateServiceCommand({ cluster, service, desiredCount: change.before }));
      await store.markRestored(options.runId, change);
      print(`✓ set ${what}`);
    } catch (error) {
      failed += 1;
      const e = error as Error;
      print(`✗ could not set ${what}: ${e.name}: ${e.message}`);
    }
  }
  return failed > 0 ? EXIT.error : EXIT.ok;
}
