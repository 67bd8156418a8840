import { AwsEndpointError } from './errors.js';

/** Tells whether a log message matches a CloudWatch Logs filter pattern. */
export type MessageMatcher = (message: string) => boolean;

interface Term {
  text: string;
  kind: 'required' | 'optional' | 'excluded';
}

/**
 * Compiles the unstructured-text subset of the CloudWatch Logs filter pattern
 * syntax: empty matches everything; bare or quoted terms must all appear;
 * `?term` alternatives need at least one to appear; `-term` must not appear.
 * Matching is case sensitive, as in AWS. JSON (`{ $.x = ... }`), space
 * delimited (`[a, b]`) and regex (`%...%`) patterns are rejected rather than
 * matched wrongly.
 */
export function compileFilterPattern(pattern: string | undefined, where = 'filterPattern'): MessageMatcher {
  const source = (pattern ?? '').trim();
  if (source === '') return () => true;
  if (/^[{[%]/.test(source)) {
    throw new AwsEndpointError(
      'InvalidParameterException',
      `${where} ${JSON.stringify(source)} uses JSON, space-delimited or regex syntax, which the local endpoint does not support; use terms, "quoted terms", ?alternatives or -exclusions`,
    );
  }
  const terms = tokenize(source, where);
  const required = terms.filter((t) => t.kind === 'required').map((t) => t.text);
  const optional = terms.filter((t) => t.kind === 'optional').map((t) => t.text);
  const excluded = terms.filter((t) => t.kind === 'excluded').map((t) => t.text);
  return (message) =>
    required.every((t) => message.includes(t)) &&
    !excluded.some((t) => message.includes(t)) &&
    (optional.length === 0 || optional.some((t) => message.includes(t)));
}

function tokenize(source: string, where: string): Term[] {
  const terms: Term[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source.charAt(i);
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    let kind: Term['kind'] = 'required';
    if (ch === '?' || ch === '-') {
      kind = ch === '?' ? 'optional' : 'excluded';
      i += 1;
    }
    if (source.charAt(i) === '"') {
      const [text, next] = readQuoted(source, i + 1, where);
      terms.push({ text, kind });
      i = next;
    } else {
      let end = i;
      while (end < source.length && !/\s/.test(source.charAt(end))) end += 1;
      const text = source.slice(i, end);
      if (text === '') {
        throw new AwsEndpointError('InvalidParameterException', `${where} has a dangling '?' or '-' at ${i}`);
      }
      terms.push({ text, kind });
      i = end;
    }
  }
  return terms;
}

function readQuoted(source: string, start: number, where: string): [string, number] {
  let text = '';
  for (let i = start; i < source.length; i += 1) {
    const ch = source.charAt(i);
    if (ch === '\\' && i + 1 < source.length) {
      text += source.charAt(i + 1);
      i += 1;
    } else if (ch === '"') {
      return [text, i + 1];
    } else {
      text += ch;
    }
  }
  throw new AwsEndpointError(
    'InvalidParameterException',
    `${where} has an unterminated quote at ${start - 1}`,
  );
}
