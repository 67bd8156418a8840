import { z } from 'zod';
import { settle } from './shared/completion.js';
import { requiredEnv } from './shared/env.js';
import { NameSchema, parseEvent, RunIdSchema } from './shared/event.js';
import { Store } from './shared/store.js';

const store = new Store(requiredEnv('TABLE_NAME'));

const EventSchema = z.object({
  runId: RunIdSchema,
  sessionId: NameSchema,
  taskToken: z.string().min(1),
});

/**
 * The `.waitForTaskToken` task: parks the session's token where the collector
 * and the observer find it. If the session completed before the token was
 * stored (a fast pipeline), it settles the wait itself.
 */
export async function handler(event: unknown): Promise<void> {
  const { runId, sessionId, taskToken } = parseEvent(EventSchema, event, 'await');
  const [run, session] = await Promise.all([
    store.getRun(runId),
    store.setTaskToken(runId, sessionId, taskToken),
  ]);
  if (!run || !session) throw new Error(`run ${runId} has no session ${sessionId}`);
  await settle(run.profile, session);
}
