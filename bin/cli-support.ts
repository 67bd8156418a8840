import { readFile, stat } from 'node:fs/promises';
import type { Profile } from '../core/profile.js';
import { parseProfileBytes, profileSizeProblem } from '../core/profile-text.js';
import type { Report } from '../core/report-model.js';
import { validateProfile } from '../core/validate-profile.js';

export const EXIT = { ok: 0, error: 1, usage: 2, preflight: 3, thresholds: 99, invalidProfile: 104 } as const;

export class UsageError extends Error {
  override name = 'UsageError';
}

export type LoadedProfile = { ok: true; json: unknown } | { ok: false; problems: string[] };

/** Colour on a terminal unless NO_COLOR is set to anything non-empty (https://no-color.org). */
export function useColor(stream: { isTTY?: boolean }): boolean {
  return Boolean(stream.isTTY) && !process.env.NO_COLOR;
}

/** Wraps a command's body: its returned number becomes the process's exit code. */
export function exitWith<A extends unknown[]>(body: (...args: A) => Promise<number>) {
  return async (...args: A): Promise<void> => {
    process.exitCode = await body(...args);
  };
}

/**
 * Reads a profile file as JSON within the limits of core/profile-text.ts (size, UTF-8, no BOM,
 * nesting); a missing file or bad JSON is a problem to list, not a stack trace.
 */
export async function readProfileFile(file: string): Promise<LoadedProfile> {
  let bytes: Buffer;
  try {
    // Refuse before reading: a huge file is never loaded into memory.
    const size = profileSizeProblem((await stat(file)).size);
    if (size) return { ok: false, problems: [`${file}: ${size}`] };
    bytes = await readFile(file);
  } catch (error) {
    const code = (error as { code?: string }).code;
    return {
      ok: false,
      problems: [
        code === 'ENOENT'
          ? `${file}: no such file`
          : `${file}: cannot be read (${code ?? (error as Error).message})`,
      ],
    };
  }
  const parsed = parseProfileBytes(bytes);
  return parsed.ok
    ? { ok: true, json: parsed.json }
    : { ok: false, problems: [`${file}: ${parsed.problem}`] };
}

/** Reads and validates a profile; on a problem, lists every one on stderr and returns null. */
export async function loadValidProfile(file: string): Promise<{ json: unknown; profile: Profile } | null> {
  const loaded = await readProfileFile(file);
  const result = loaded.ok ? validateProfile(loaded.json) : loaded;
  if (result.ok && loaded.ok) return { json: loaded.json, profile: result.profile };
  const problems = result.ok ? [] : result.problems;
  console.error(`✗ ${file} is invalid:`);
  for (const problem of problems) console.error(`  - ${problem}`);
  return null;
}

/** Reads a report.json; anything else is a usage error naming the file. */
export async function readReport(file: string): Promise<Report> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Report;
    if (!Array.isArray(parsed.scenarios) || !parsed.overall)
      throw new Error('not a report.json (no scenarios or overall)');
    return parsed;
  } catch (error) {
    const code = (error as { code?: string }).code;
    throw new UsageError(
      `cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`,
    );
  }
}

/** `10%` or `0.1` as a fraction; a usage error naming the option otherwise. */
export function parseFraction(option: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)(%?)$/.exec(text.trim());
  const value = match ? Number(match[1]) / (match[2] ? 100 : 1) : Number.NaN;
  if (!(value >= 0 && value <= 10))
    throw new UsageError(`${option} must be a share such as 10% or 0.1, got "${text}"`);
  return value;
}

/** `250ms`, `2s`, `1m` or a bare number of ms; a usage error naming the option otherwise. */
export function parseMilliseconds(option: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!match) throw new UsageError(`${option} must be a duration such as 100ms, 2s or 1m, got "${text}"`);
  const unit = { ms: 1, s: 1_000, m: 60_000 }[match[2] ?? 'ms'] ?? 1;
  return Number(match[1]) * unit;
}

/** A whole number (at least `min` when given); a usage error naming the option otherwise. */
export function parseInteger(option: string, text: string, min?: number): number {
  const value = Number(text.trim() === '' ? Number.NaN : text);
  if (!Number.isInteger(value) || (min !== undefined && value < min))
    throw new UsageError(
      `${option} must be an integer${min !== undefined ? ` >= ${min}` : ''}, got "${text}"`,
    );
  return value;
}
