import { createHash } from 'node:crypto';
import type { Target } from './profile.js';
import { keyUsesUser, poolUsers } from './user-pool.js';

/**
 * Every identifier a session sends is derived from the runId and the
 * session's place in the plan, so Prepare can run twice and plan the same run,
 * and the collector can find keys in a log line with one regular expression.
 */

/** Six lower-case characters that tag every identifier of one run. */
export function runTag(runId: string): string {
  return base36(digest(`run:${runId}`))
    .slice(0, 6)
    .padEnd(6, '0');
}

export interface SessionIdentity {
  readonly sessionId: string;
  readonly userId: string;
  readonly token: string;
  readonly key: string;
}

const ORDINAL_DIGITS = 5;
const TOKEN_DIGITS = 10;

export function sessionIdentity(
  runId: string,
  target: Pick<Target, 'userIdPrefix' | 'key' | 'userPool'>,
  session: { scenario: string; index: number; ordinal: number; phase?: 'cold' | 'warm' },
): SessionIdentity {
  const tag = runTag(runId);
  const sessionId = `${session.scenario}-${session.phase ? `${session.phase}-` : ''}${String(session.index).padStart(4, '0')}`;
  // With a user pool the session leases its user when it is due (lambdas/shared/user-leases.ts).
  const userId = target.userPool
    ? ''
    : `${target.userIdPrefix}-${tag}-${String(session.ordinal).padStart(ORDINAL_DIGITS, '0')}`;
  const token = `tok${tag}${base36(digest(`token:${runId}:${sessionId}`))
    .slice(0, TOKEN_DIGITS)
    .padEnd(TOKEN_DIGITS, '0')}`;
  const key =
    target.userPool && keyUsesUser(target)
      ? ''
      : renderTemplate(target.key, {
          sessionId,
          userId,
          token,
          index: session.index,
          runId,
          scenario: session.scenario,
        });
  return { sessionId, userId, token, key };
}

/**
 * A regular expression (source) of the run's session keys: the key template
 * with each variable replaced by the shape it takes. A key is found only as a
 * whole word (core/safe-pattern.ts `compileKeyFinder`), in linear time.
 */
export function keyPatternSource(
  runId: string,
  target: Pick<Target, 'userIdPrefix' | 'key' | 'userPool'>,
): string {
  const tag = runTag(runId);
  const pool = poolUsers(target)
    .sort((a, b) => b.length - a.length)
    .map(escapeRegex);
  const shapes: Record<string, string> = {
    userId:
      pool.length > 0
        ? `(?:${pool.join('|')})`
        : `${escapeRegex(target.userIdPrefix)}-${tag}-\\d{${ORDINAL_DIGITS},}`,
    token: `tok${tag}[0-9a-z]{${TOKEN_DIGITS}}`,
    sessionId: '[A-Za-z][A-Za-z0-9_-]*-\\d{4}',
    index: '\\d+',
    runId: escapeRegex(runId),
    scenario: '[A-Za-z][A-Za-z0-9_-]*',
  };
  let source = '';
  let last = 0;
  for (const match of target.key.matchAll(/\{([A-Za-z]+)\}/g)) {
    source += escapeRegex(target.key.slice(last, match.index));
    source += shapes[match[1] ?? ''] ?? escapeRegex(match[0]);
    last = match.index + match[0].length;
  }
  source += escapeRegex(target.key.slice(last));
  return source;
}

/** Variables whose values vary in length: two of them side by side in a key run into each other. */
const VARIABLE_LENGTH = new Set(['userId', 'sessionId', 'index', 'scenario']);

/**
 * Why a key template cannot be read back out of a line unambiguously, or null.
 * `{scenario}{sessionId}` has many ways to split one string, which is what makes a
 * backtracking search of it explode; the finder is linear anyway (core/safe-pattern.ts),
 * but such a key also cannot tell its sessions apart reliably.
 */
export function keyTemplateProblem(key: string): string | null {
  for (const match of key.matchAll(/\{([A-Za-z]+)\}(?=\{([A-Za-z]+)\})/g)) {
    const [, first = '', second = ''] = match;
    if (VARIABLE_LENGTH.has(first) && VARIABLE_LENGTH.has(second))
      return `{${first}} and {${second}} stand next to each other; both vary in length, so put a literal character between them`;
  }
  return null;
}

export type TemplateValues = Readonly<Record<string, string | number>>;

/** What a session's templates (`to`, `subject`, `body`, S3 bucket and key) may use. */
export function sessionTemplateValues(
  runId: string,
  session: { sessionId: string; userId: string; token: string; index: number; scenario: string },
): TemplateValues {
  const { sessionId, userId, token, index, scenario } = session;
  return { sessionId, userId, token, index, runId, scenario };
}

/** Replaces `{name}` with its value; unknown names are left as they are (the schema rejects them up front). */
export function renderTemplate(template: string, values: TemplateValues): string {
  return template.replace(/\{([A-Za-z]+)\}/g, (whole, name: string) =>
    name in values ? String(values[name]) : whole,
  );
}

export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

function base36(bytes: Buffer): string {
  return BigInt(`0x${bytes.toString('hex')}`).toString(36);
}
