import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The simulator model shipped with the project, for a profile that names none. */
export const DEFAULT_MODEL = fileURLToPath(new URL('../models/webordinary-demo.json', import.meta.url));

/**
 * The simulator model of a profile as given (the raw JSON, before defaults):
 * its `local.model` read from the profile's own folder, `baseDir`, so a run
 * works from any working directory; the shipped demo model when it names none.
 */
export function profileModelPath(input: unknown, baseDir = '.'): string {
  const local = (input as { local?: { model?: unknown } } | null)?.local;
  return typeof local?.model === 'string' ? resolve(baseDir, local.model) : DEFAULT_MODEL;
}
