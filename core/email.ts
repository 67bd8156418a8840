/**
 * RFC 5322 messages built so that no header value can become a header of its
 * own: every value is checked (no CR, LF or other control characters; exactly
 * one address where one is expected) and non-ASCII text is sent as RFC 2047
 * encoded words.
 */

export class EmailError extends Error {
  override name = 'EmailError';
}

export class EmailHeaderError extends EmailError {
  override name = 'EmailHeaderError';
}

/** A plain-text RFC 822 message, as SES would store it in the intake bucket. */
export interface EmailMessage {
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly body: string;
  readonly messageId: string;
  readonly date: Date;
}

export interface Mailbox {
  /** The display name, if any (`Bench <bench@example.com>`). */
  readonly name?: string;
  readonly address: string;
}

// A deliberately plain addr-spec: dot-atom local part and domain, as SES and WebOrdinary use them.
const ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
const ADDRESS = new RegExp(
  `^${ATOM}(?:\\.${ATOM})*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$`,
);
const CONTROL = /\p{Cc}/u;

/** Why a header value cannot be used, or null: control characters (CR and LF above all) and over-long values. */
export function headerTextProblem(value: string): string | null {
  const control = CONTROL.exec(value);
  if (control) {
    const code = control[0].charCodeAt(0);
    const name =
      code === 0x0d
        ? 'a carriage return (CR)'
        : code === 0x0a
          ? 'a line feed (LF)'
          : `control character U+${code.toString(16).padStart(4, '0')}`;
    return `must not contain ${name}: it would end the header and start another`;
  }
  if (value.length > 998) return `must be at most 998 characters long, got ${value.length}`;
  return null;
}

/** Parses exactly one mailbox, `addr@domain` or `Name <addr@domain>`; throws EmailHeaderError naming the field. */
export function parseMailbox(field: string, value: string): Mailbox {
  const problem = mailboxProblem(value);
  if (problem) throw new EmailHeaderError(`${field}: ${problem}`);
  return splitMailbox(value) as Mailbox;
}

/** Why the value is not exactly one mailbox, or null. */
export function mailboxProblem(value: string): string | null {
  const text = headerTextProblem(value);
  if (text) return text;
  const mailbox = splitMailbox(value);
  if (!mailbox) {
    if (/[,;]/.test(value)) return `must be one address, got ${JSON.stringify(value)} (a list)`;
    return `must be one email address such as bench@example.com or "Bench <bench@example.com>", got ${JSON.stringify(value)}`;
  }
  if (mailbox.address.length > 254) return `the address must be at most 254 characters long`;
  return null;
}

function splitMailbox(value: string): Mailbox | null {
  const trimmed = value.trim();
  const angle = /^([^<>"]*)<([^<>]+)>$/.exec(trimmed);
  if (angle) {
    const name = (angle[1] ?? '').trim();
    const address = (angle[2] ?? '').trim();
    if (!ADDRESS.test(address) || /[,;]/.test(name)) return null;
    return name === '' ? { address } : { name, address };
  }
  return ADDRESS.test(trimmed) ? { address: trimmed } : null;
}

/** The domain of an address, lower case. */
export function addressDomain(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

export function buildRawEmail(message: EmailMessage): string {
  const from = parseMailbox('from', message.from);
  const to = parseMailbox('to', message.to);
  const subjectProblem = headerTextProblem(message.subject);
  if (subjectProblem) throw new EmailHeaderError(`subject: ${subjectProblem}`);
  if (!/^[A-Za-z0-9._@+-]+$/.test(message.messageId))
    throw new EmailHeaderError(
      `messageId: must be letters, digits and . _ @ + -, got ${JSON.stringify(message.messageId)}`,
    );
  const ascii = /^[\x20-\x7e\r\n\t]*$/.test(message.body);
  const headers = [
    `From: ${formatMailbox(from)}`,
    `To: ${formatMailbox(to)}`,
    `Subject: ${encodeHeader(message.subject)}`,
    `Message-ID: <${message.messageId}>`,
    `Date: ${message.date.toUTCString().replace('GMT', '+0000')}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=UTF-8',
    `Content-Transfer-Encoding: ${ascii ? '7bit' : 'base64'}`,
  ];
  const body = ascii
    ? message.body.replace(/\r?\n/g, '\r\n')
    : (Buffer.from(message.body, 'utf8')
        .toString('base64')
        .match(/.{1,76}/g)
        ?.join('\r\n') ?? '');
  return `${headers.join('\r\n')}\r\n\r\n${body}\r\n`;
}

function formatMailbox(mailbox: Mailbox): string {
  if (mailbox.name === undefined) return mailbox.address;
  // A display name with specials or non-ASCII text goes as an encoded word; plain words as they are.
  const name = /^[A-Za-z0-9 !#$%&'*+/=?^_`{|}~-]+$/.test(mailbox.name)
    ? mailbox.name
    : encodeWords(mailbox.name);
  return `${name} <${mailbox.address}>`;
}

/** The header text as it is when it is printable ASCII, else RFC 2047 encoded words folded onto lines of at most 76 characters. */
export function encodeHeader(text: string): string {
  return /^[\x20-\x7e]*$/.test(text) ? text : encodeWords(text);
}

// Encoded words are at most 75 characters (RFC 2047 §2); a character's bytes never straddle two words.
function encodeWords(text: string): string {
  const words: string[] = [];
  let chunk = '';
  const limit = 75 - '=?UTF-8?B??='.length;
  for (const char of text) {
    const next = chunk + char;
    if (Math.ceil(Buffer.byteLength(next, 'utf8') / 3) * 4 > limit && chunk !== '') {
      words.push(chunk);
      chunk = char;
    } else chunk = next;
  }
  if (chunk !== '' || words.length === 0) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join('\r\n ');
}
