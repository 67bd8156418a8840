import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileMarker, regexProblem } from '../../core/safe-pattern.js';
import { MAX_LINE_CHARS } from '../../lambdas/shared/subscription-payload.js';
import { bestOf } from '../support/best-of.js';

const HOSTILE: [string, string][] = [
  ['(a+)+$', `${'a'.repeat(MAX_LINE_CHARS - 1)}!`],
  ['(a|a)*b', 'a'.repeat(MAX_LINE_CHARS)],
  ['(x+x+)+y', 'x'.repeat(MAX_LINE_CHARS)],
  ['^(\\w+\\s?)*$', `${'aaaa aaaa '.repeat(MAX_LINE_CHARS / 10)}!`],
  ['x.*y.*z', 'xy'.repeat(MAX_LINE_CHARS / 2)],
  ['.*.*.*=.*', 'a'.repeat(MAX_LINE_CHARS)],
];

describe('compileMarker', () => {
  for (const [pattern, line] of HOSTILE) {
    it(`matches ${pattern} against a hostile ${line.length}-character line in a few milliseconds`, () => {
      const test = compileMarker({ pattern, regex: true });
      test(line); // warm up
      // A few milliseconds on an idle machine (2–5 ms here); backtracking takes hours on these lines.
      // The bound tells the two apart with room for a loaded CI machine (17 ms seen at load 19).
      expect(bestOf(5, () => test(line))).toBeLessThan(100);
    });
  }

  it('matches as a JavaScript regular expression does on ordinary patterns', () => {
    const cases: [string, string, boolean][] = [
      ['Task completed - Cost: \\$\\d+\\.\\d+', 'Task completed - Cost: $0.42', true],
      ['^\\[INFO\\] Astro build', '[INFO] Astro build successful', true],
      ['^Astro', '[INFO] Astro build', false],
      ['(?<user>[a-z]+)@amelia', 'for scott@amelia.webordinary.com', true],
    ];
    for (const [pattern, line, expected] of cases) {
      expect([pattern, compileMarker({ pattern, regex: true })(line)]).toEqual([pattern, expected]);
      expect(new RegExp(pattern).test(line)).toBe(expected);
    }
  });

  it('treats a plain pattern as text, not as a regular expression', () => {
    const test = compileMarker({ pattern: '(a+)+$', regex: false });
    expect(test('x (a+)+$ y')).toBe(true);
    expect(test('aaaa')).toBe(false);
  });
});

describe('regexProblem', () => {
  it('refuses backreferences and lookaround, which need backtracking', () => {
    for (const pattern of ['^(a+)+\\1$', '(?=a)b', '(?<=a)b', '(?<!a)b', '(?<x>a)\\k<x>'])
      expect([pattern, regexProblem(pattern)]).toEqual([
        pattern,
        expect.stringMatching(/backtrack catastrophically/),
      ]);
  });

  it('never throws, and whatever it accepts runs in linear time on a hostile line (property)', () => {
    const atoms = fc.constantFrom('a', 'b', '.', '\\w', '\\s', '\\d', '[ab]', 'x', '^', '$');
    const pattern: fc.Arbitrary<string> = fc.letrec<{ re: string }>((tie) => ({
      re: fc.oneof(
        { depthSize: 'small' },
        atoms,
        fc.tuple(tie('re'), tie('re')).map(([a, b]) => a + b),
        fc.tuple(tie('re'), tie('re')).map(([a, b]) => `(${a}|${b})`),
        fc.tuple(tie('re'), fc.constantFrom('*', '+', '?', '{2,5}', '*?')).map(([a, q]) => `(${a})${q}`),
      ),
    })).re;
    const line = `${'ab '.repeat(MAX_LINE_CHARS / 3)}!`;
    fc.assert(
      fc.property(pattern, (source) => {
        if (regexProblem(source) !== null) return;
        const test = compileMarker({ pattern: source, regex: true });
        // Backtracking on this 8 KiB line would take hours; linear matching takes milliseconds
        // (up to ~150 ms seen on a loaded 2-core machine). The bound tells the two apart, not speed.
        expect(bestOf(2, () => test(line))).toBeLessThan(2_000);
      }),
      { numRuns: 150 },
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (source) => void regexProblem(source)),
      { numRuns: 500 },
    );
  });
});
