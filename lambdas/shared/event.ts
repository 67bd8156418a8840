import { z } from 'zod';
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

/** A run id is the execution name: 1 to 80 characters (Step Functions' limit), so it always fits a table key. */
export const RunIdSchema = z.string().min(1).max(80);
/** Session and scenario names are short (core/profile.ts names: 64 characters, plus a phase and an index). */
export const NameSchema = z.string().min(1).max(100);
