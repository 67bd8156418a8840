import { z } from 'zod';
import { requiredEnv } from './shared/env.js';
import { NameSchema, parseEvent, RunIdSchema } from './shared/event.js';
import { TargetChangeStore } from './shared/target-changes.js';

const changes = new TargetChangeStore(requiredEnv('TABLE_NAME'));

const EventSchema = z.object({
  runId: RunIdSchema,
  scenario: NameSchema,
  kind: z.literal('ecsDesiredCount'),
  // ECS names: at most 255 characters (as target.ecs in core/profile.ts), so the record's key stays small.
  cluster: z.string().min(1).max(255),
  service: z.string().min(1).max(255),
  before: z.number().int().min(0),
  after: z.number().int().min(0),
  /** false: the state machine is about to change the target; true: it has set `before` back. */
  restored: z.boolean(),
});

/**
 * Records a change the run makes to the target (before it is made) and its
 * restore (after the state machine set it back). The state machine makes both
 * changes itself; this only keeps the record for the report and `bench restore`.
 */
export async function handler(event: unknown) {
  const { runId, scenario, kind, cluster, service, before, after, restored } = parseEvent(
    EventSchema,
    event,
    'target-change',
  );
  const change = { scenario, kind, resource: `${cluster}/${service}`, before, after };
  if (restored) await changes.markRestored(runId, change);
  else await changes.record(runId, change);
  return {};
}
