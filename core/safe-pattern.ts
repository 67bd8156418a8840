import { RE2JS } from 're2js';

/**
 * Stage and failure patterns run on every log line the collector receives, and
 * log lines carry text from the emails. JavaScript's backtracking engine takes
 * exponential time on patterns such as `(a+)+$` (and quadratic time on any
 * unanchored `.*x` over a long line), so regular expressions are matched with
 * RE2JS, a linear-time engine: time grows with the line's length, never with
 * the pattern's ambiguity. RE2 has no backreferences or lookaround (the
 * constructs that need backtracking); such a pattern is refused at validation.
 */

export const MAX_PATTERN_LENGTH = 1_000;

/** Why the pattern cannot be used as a regular expression, or null when it can. */
export function regexProblem(pattern: string): string | null {
  if (pattern.length > MAX_PATTERN_LENGTH)
    return `must be at most ${MAX_PATTERN_LENGTH} characters long, got ${pattern.length}`;
  try {
    RE2JS.compile(pattern);
    return null;
  } catch (error) {
    return `not a regular expression the linear-time matcher accepts (${(error as Error).message}); backreferences and lookaround are not supported because they can backtrack catastrophically`;
  }
}

/** A line test for a stage or failure marker: a plain substring, or a linear-time regular expression. */
export function compileMarker(marker: { pattern: string; regex: boolean }): (line: string) => boolean {
  if (!marker.regex) return (line) => line.includes(marker.pattern);
  const regex = RE2JS.compile(marker.pattern);
  return (line) => regex.matcher(line).find();
}

/** A key is a whole word: never read out of a longer identifier that contains it. */
const NOT_WORD = '[^A-Za-z0-9]';

/**
 * Finds every whole-word match of a key pattern in a line, left to right, in
 * linear time. The key pattern is built from the profile's `target.key`, and
 * ambiguous templates (`{scenario}-{scenario}-{sessionId}`) would take
 * polynomial or exponential time on a backtracking engine; RE2 has no
 * lookaround, so the word boundaries are matched as characters and the key is
 * the capture group.
 */
export function compileKeyFinder(keySource: string): (line: string) => string[] {
  const regex = RE2JS.compile(`(?:^|${NOT_WORD})(${keySource})(?:$|${NOT_WORD})`);
  return (line) => {
    const found: string[] = [];
    const matcher = regex.matcher(line);
    let from = 0;
    while (from <= line.length && matcher.find(from)) {
      found.push(matcher.group(1) ?? '');
      // The next key may start right after this one when this one ends in a separator: search
      // again from its last character, which the next match may take as its leading boundary.
      from = Math.max(matcher.end(1) - 1, from + 1);
    }
    return found;
  };
}
