import type { z } from 'zod';
import { formatPath } from '../../core/validate-profile.js';

export class InvalidEventError extends Error {
  override name = 'InvalidEvent';
}

/** Validates a handler's event, failing with every problem by path. */
export function parseEvent<T extends z.ZodType>(schema: T, event: unknown, handler: string): z.infer<T> {
  const result = schema.safeParse(event);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
  throw new InvalidEventError(`${handler} received an invalid event: ${problems.join('; ')}`);
}
