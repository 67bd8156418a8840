import { z } from 'zod';
import { ProfileSchema } from './profile.js';

/** The profile's JSON Schema for editors (what a profile file may contain, defaults optional). */
export function profileJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(ProfileSchema, { io: 'input', unrepresentable: 'any' }),
    $id: 'https://github.com/webordinary/webordinary-bench/schema/profile.schema.json',
    title: 'WebOrdinary Bench profile',
  };
}
