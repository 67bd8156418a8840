import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileRun } from '../../core/correlation.js';
import { keyPatternSource, sessionIdentity } from '../../core/identity.js';
import { MAX_LINE_CHARS } from '../../lambdas/shared/subscription-payload.js';
import { profile, profileInput } from '../fixtures/profile.js';
import { bestOf } from '../support/best-of.js';

function withKey(key: string) {
  const input = profileInput();
  return profile({ target: { ...input.target, key } });
}

const findKeys = (key: string) => compileRun('run-1', withKey(key)).findKeys;

describe('findKeys', () => {
  // Templates that validate and whose key pattern, on a backtracking engine, takes time
  // polynomial of high degree (or exponential) in the line's length on a line with no key.
  const HOSTILE: [string, string][] = [
    ['{scenario}-{scenario}-{scenario}-{scenario}-{sessionId}', `${'a-'.repeat(MAX_LINE_CHARS / 2 - 1)}!!`],
    ['{scenario}{scenario}{scenario}{scenario}{sessionId}', `${'a'.repeat(MAX_LINE_CHARS - 1)}!`],
    ['{sessionId}_{sessionId}_{sessionId}', `${'a-0000_'.repeat(MAX_LINE_CHARS / 7)}`],
  ];
  for (const [key, line] of HOSTILE) {
    it(`finds keys of ${key} in a hostile ${line.length}-character line in linear time`, () => {
      const find = findKeys(key);
      find(line.slice(0, 200)); // warm up
      // Backtracking on this line takes hours; linear matching milliseconds (more on a loaded
      // machine). The bound tells the two apart, it does not measure speed.
      expect(bestOf(2, () => find(line))).toBeLessThan(2_000);
    });
  }

  it('finds every whole key in a line, also keys one character apart', () => {
    const p = withKey('{userId}');
    const ids = [0, 1, 2].map((i) =>
      sessionIdentity('run-1', p.target, { scenario: 'burst', index: i, ordinal: i }),
    );
    const [a, b, c] = ids.map((id) => id.key);
    const find = findKeys('{userId}');
    expect(find(`${a} ${b},${c}`)).toEqual([a, b, c]);
    expect(find(`[${a}]`)).toEqual([a]);
    expect(find(`x${a}`)).toEqual([]);
    // One more digit is another user's id (ordinals grow past five digits), never this one's.
    expect(find(`${a}0`)).not.toContain(a);
    expect(find(`${a}x`)).toEqual([]);
  });

  it('finds a key right after a key when both begin and end with a separator', () => {
    const p = withKey('#{token}#');
    const [a, b] = [0, 1].map(
      (i) => sessionIdentity('run-1', p.target, { scenario: 'burst', index: i, ordinal: i }).key,
    );
    expect(findKeys('#{token}#')(`${a}${b}`)).toEqual([a, b]);
  });

  it('finds what a backtracking search with lookaround finds, on ordinary lines (property)', () => {
    const templates = [
      '{userId}',
      '{token}',
      'thread-{token}',
      '{sessionId}',
      '{scenario}-{index}',
      '#{token}#',
    ];
    const words = fc.constantFrom(
      'a',
      '-',
      ' ',
      '_',
      '0',
      '7',
      'tok',
      'burst',
      'burst-0001',
      'x-0002',
      '#',
      '##',
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...templates),
        fc.array(fc.oneof(words, fc.nat(3)), { maxLength: 12 }),
        (key, parts) => {
          const p = withKey(key);
          const ids = [0, 1, 2, 3].map(
            (i) => sessionIdentity('run-1', p.target, { scenario: 'burst', index: i, ordinal: i }).key,
          );
          const line = parts.map((part) => (typeof part === 'number' ? ids[part] : part)).join('');
          const source = lookaroundSource(keyPatternSource('run-1', p.target));
          const expected = [...line.matchAll(new RegExp(source, 'g'))].map((m) => m[0]);
          expect(findKeys(key)(line)).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});

/** The key pattern as the backtracking search with lookaround had it (the reference). */
function lookaroundSource(keyPattern: string): string {
  return `(?<![A-Za-z0-9])${keyPattern}(?![A-Za-z0-9])`;
}
