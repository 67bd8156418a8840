import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstInvalidUtf8, parseProfileBytes, valueDepth } from '../../core/profile-text.js';
import { formatPath, validateProfile } from '../../core/validate-profile.js';
import { profileInput } from '../fixtures/profile.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const PATH = /^(\(profile\)|[A-Za-z$][\w$]*(\[\d+\])*(\.[A-Za-z$][\w$]*(\[\d+\])*)*): \S/;

describe('parseProfileBytes', () => {
  it('names the size, the BOM, the bad byte and the depth in words', () => {
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array(300 * 1024).fill(0x20), /is 300 KiB; a profile may be at most 256 KiB/],
      [new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), /UTF-8 byte order mark \(BOM, bytes EF BB BF\)/],
      [new Uint8Array([0xff, 0xfe, 0x7b, 0x00]), /UTF-16 little-endian byte order mark/],
      [
        bytes('{\n  "name": "b\u00e4"}').map((b) => (b === 0xc3 ? 0xe4 : b)),
        /not valid UTF-8: byte 0xe4 at line 2, column 13/,
      ],
      [
        bytes(`{"a": ${'['.repeat(33)}${']'.repeat(33)}}`),
        /more than 32 levels deep \(at line 1, column 38\)/,
      ],
      [bytes('{"a": 1,}'), /not valid JSON \(line 1, column 9/],
    ];
    for (const [input, expected] of cases) {
      const out = parseProfileBytes(input);
      expect(out.ok).toBe(false);
      if (!out.ok) expect(out.problem).toMatch(expected);
    }
  });

  it('accepts a valid profile in UTF-8, non-ASCII text included', () => {
    const out = parseProfileBytes(
      bytes(JSON.stringify({ ...profileInput(), description: 'Prüfung 検査 🧪' })),
    );
    expect(out.ok).toBe(true);
  });

  it('agrees with a strict UTF-8 decoder on any bytes, and never throws (property)', () => {
    const strict = new TextDecoder('utf-8', { fatal: true });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (input) => {
        let valid = true;
        try {
          strict.decode(input);
        } catch {
          valid = false;
        }
        expect(firstInvalidUtf8(input) === null).toBe(valid);
        parseProfileBytes(input);
      }),
      { numRuns: 2_000 },
    );
  });

  it('counts depth without recursion, even 100,000 levels deep', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(valueDepth(deep, 32)).toBe(33);
    expect(parseProfileBytes(bytes(`${'['.repeat(100_000)}${']'.repeat(100_000)}`)).ok).toBe(false);
  });
});

describe('validateProfile on generated hostile input (property)', () => {
  it('never throws and names a path in every problem, whatever the JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        const result = validateProfile(value);
        if (!result.ok) for (const problem of result.problems) expect(problem).toMatch(PATH);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses any field of a valid profile replaced by a value of the wrong kind, naming that field', () => {
    const base = profileInput();
    const leaves: (string | number)[][] = [];
    const walk = (value: unknown, path: (string | number)[]) => {
      if (value !== null && typeof value === 'object') {
        for (const [k, v] of Object.entries(value)) walk(v, [...path, Array.isArray(value) ? Number(k) : k]);
      } else leaves.push(path);
    };
    walk(base, []);
    const wrong = fc.oneof(
      fc.constant(null),
      fc.constant([]),
      fc.constant({}),
      fc.constant(1e308),
      fc.constant(-1),
      fc.constant('x\r\nBcc: a@example.com'),
      fc.constant(true),
    );
    fc.assert(
      fc.property(fc.constantFrom(...leaves), wrong, (path, value) => {
        const profile = structuredClone(base) as Record<string | number, unknown>;
        let at = profile;
        for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
        const original = at[path.at(-1)!];
        if (typeof original === typeof value && !(typeof value === 'string' && value.includes('\r'))) return;
        at[path.at(-1)!] = value;
        const result = validateProfile(profile);
        // A wrong kind of value is refused where it is; a fitting one may pass or break a rule elsewhere.
        if (typeof original !== typeof value || value === null || typeof value === 'object') {
          expect(result.ok).toBe(false);
          if (!result.ok) expect(result.problems.join('\n')).toContain(formatPath(path));
        }
        if (!result.ok) for (const problem of result.problems) expect(problem).toMatch(PATH);
      }),
      { numRuns: 400 },
    );
  });
});
