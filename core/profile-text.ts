import { jsonErrorLocation } from './json-error.js';

/**
 * The limits a profile file meets before it is parsed: the size of a Step
 * Functions execution input, UTF-8 without a byte order mark, and a nesting
 * depth far beyond any real profile. Each problem reads as one sentence.
 */

/** Step Functions' execution input limit: a larger profile could never start a run. */
export const PROFILE_MAX_BYTES = 256 * 1024;
/** A real profile nests 5 levels deep; 32 leaves room and keeps every parser far from its stack limit. */
export const PROFILE_MAX_DEPTH = 32;

export type ParsedProfileText = { ok: true; json: unknown } | { ok: false; problem: string };

/** Decodes and parses a profile file's bytes; a problem names what is wrong and where. */
export function parseProfileBytes(bytes: Uint8Array): ParsedProfileText {
  const size = profileSizeProblem(bytes.length);
  if (size) return { ok: false, problem: size };
  const bom = byteOrderMark(bytes);
  if (bom) return { ok: false, problem: `starts with a ${bom}; save the file as UTF-8 without a BOM` };
  const invalid = firstInvalidUtf8(bytes);
  if (invalid !== null) {
    const { line, column } = position(bytes.subarray(0, invalid));
    return {
      ok: false,
      problem: `is not valid UTF-8: byte 0x${bytes[invalid]?.toString(16).padStart(2, '0')} at line ${line}, column ${column} (offset ${invalid}); save the file as UTF-8`,
    };
  }
  return parseProfileText(Buffer.from(bytes).toString('utf8'));
}

/** Why a file of this many bytes cannot be a profile, or null. */
export function profileSizeProblem(bytes: number): string | null {
  if (bytes <= PROFILE_MAX_BYTES) return null;
  return `is ${formatSize(bytes)}; a profile may be at most 256 KiB (the Step Functions execution input limit)`;
}

/** Parses a profile's text (already decoded), with the depth limit checked before any recursive parser runs. */
export function parseProfileText(text: string): ParsedProfileText {
  if (text.charCodeAt(0) === 0xfeff) {
    return {
      ok: false,
      problem: 'starts with a byte order mark (BOM, U+FEFF); save the file as UTF-8 without a BOM',
    };
  }
  const deep = tooDeep(text, PROFILE_MAX_DEPTH);
  if (deep) {
    return {
      ok: false,
      problem: `nests objects and arrays more than ${PROFILE_MAX_DEPTH} levels deep (at ${deep}); a profile needs 5`,
    };
  }
  try {
    return { ok: true, json: JSON.parse(text) };
  } catch (error) {
    return {
      ok: false,
      problem: `not valid JSON (${jsonErrorLocation(text) ?? (error as Error).message})`,
    };
  }
}

/** The depth of a parsed value, counted without recursion (so a hostile value cannot exhaust the stack). */
export function valueDepth(value: unknown, limit = Number.POSITIVE_INFINITY): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop() as [unknown, number];
    if (item === null || typeof item !== 'object') continue;
    const here = depth + 1;
    if (here > max) max = here;
    if (max > limit) return max;
    for (const child of Array.isArray(item) ? item : Object.values(item)) stack.push([child, here]);
  }
  return max;
}

function byteOrderMark(bytes: Uint8Array): string | null {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
    return 'UTF-8 byte order mark (BOM, bytes EF BB BF)';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'UTF-16 big-endian byte order mark (bytes FE FF)';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'UTF-16 little-endian byte order mark (bytes FF FE)';
  return null;
}

/** Offset of the first byte that does not belong to a well-formed UTF-8 sequence, or null. */
export function firstInvalidUtf8(bytes: Uint8Array): number | null {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    if (b >= 0xc2 && b <= 0xdf) [need, min] = [1, 0x80];
    else if (b >= 0xe0 && b <= 0xef) [need, min] = [2, 0x800];
    else if (b >= 0xf0 && b <= 0xf4) [need, min] = [3, 0x10000];
    else return i;
    let code = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      code = (code << 6) | (c & 0x3f);
    }
    if (code < min || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return i;
    i += need + 1;
  }
  return null;
}

/** "line L, column C" of the first bracket past the limit, outside strings; null when within it. */
function tooDeep(text: string, limit: number): string | null {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      depth++;
      if (depth > limit) {
        const before = text.slice(0, i);
        return `line ${before.split('\n').length}, column ${i - before.lastIndexOf('\n')}`;
      }
    } else if (c === '}' || c === ']') depth--;
  }
  return null;
}

function position(before: Uint8Array): { line: number; column: number } {
  let line = 1;
  let lastNewline = -1;
  before.forEach((b, i) => {
    if (b === 0x0a) {
      line++;
      lastNewline = i;
    }
  });
  return { line, column: before.length - lastNewline };
}

function formatSize(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${Math.ceil(bytes / 1024)} KiB`;
}
