/**
 * Just enough RFC 822 / MIME to read an instruction email: unfolded headers,
 * RFC 2047 encoded words, multipart bodies, quoted-printable and base64.
 * Bytes are carried as latin1 strings so nothing is lost before the charset
 * of each part is applied.
 */

export interface ParsedEmail {
  /** Bare recipient addresses from To. */
  readonly to: readonly string[];
  readonly subject: string;
  /** Message-ID without angle brackets, when present. */
  readonly messageId?: string;
  /** The text/plain body (or the text of an HTML body when there is none), decoded. */
  readonly text: string;
}

export class EmailParseError extends Error {
  override readonly name = 'EmailParseError';
}

type Headers = ReadonlyMap<string, string>;

export function parseEml(raw: Buffer | string): ParsedEmail {
  const bytes =
    typeof raw === 'string' ? Buffer.from(raw, 'utf8').toString('latin1') : raw.toString('latin1');
  const { headers, body } = splitEntity(bytes);
  const to = headers.get('to');
  if (to === undefined) throw new EmailParseError('email has no To header');
  const messageId = headers.get('message-id')?.trim().replace(/^<|>$/g, '');
  const text = bodyText(headers, body) ?? '';
  return {
    to: addresses(decodeHeader(to)),
    subject: decodeHeader(headers.get('subject') ?? ''),
    ...(messageId ? { messageId } : {}),
    text,
  };
}

/** Bare addresses from an address list (`"A" <a@x>, b@y`). */
export function addresses(list: string): string[] {
  const found: string[] = [];
  for (const part of list.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)) {
    const angle = /<([^<>\s]+@[^<>\s]+)>/.exec(part);
    const bare = /([^\s<>",;]+@[^\s<>",;]+)/.exec(part);
    const address = angle?.[1] ?? bare?.[1];
    if (address) found.push(address.trim());
  }
  return found;
}

function splitEntity(entity: string): { headers: Headers; body: string } {
  const separator = /\r?\n\r?\n/.exec(entity);
  const head = separator ? entity.slice(0, separator.index) : entity;
  const body = separator ? entity.slice(separator.index + separator[0].length) : '';
  const headers = new Map<string, string>();
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(colon + 1).trim());
  }
  return { headers, body };
}

function bodyText(headers: Headers, body: string): string | undefined {
  const type = parseContentType(headers.get('content-type'));
  if (type.mime.startsWith('multipart/')) {
    const boundary = type.params.get('boundary');
    if (!boundary) return undefined;
    const parts = multipartParts(body, boundary).map(splitEntity);
    const plain = parts.find(
      (part) => parseContentType(part.headers.get('content-type')).mime === 'text/plain',
    );
    const ordered = plain ? [plain, ...parts.filter((p) => p !== plain)] : parts;
    for (const part of ordered) {
      const text = bodyText(part.headers, part.body);
      if (text !== undefined) return text;
    }
    return undefined;
  }
  if (!type.mime.startsWith('text/')) return undefined;
  const decoded = decodeTransfer(body, headers.get('content-transfer-encoding'));
  const text = decodeCharset(decoded, type.params.get('charset')).replace(/\r\n/g, '\n');
  return type.mime === 'text/html' ? htmlToText(text) : text;
}

function multipartParts(body: string, boundary: string): string[] {
  const delimiter = `--${boundary}`;
  const parts: string[] = [];
  for (const chunk of body.split(delimiter).slice(1)) {
    if (chunk.startsWith('--')) break;
    parts.push(chunk.replace(/^[ \t]*\r?\n/, '').replace(/\r?\n$/, ''));
  }
  return parts;
}

function parseContentType(value: string | undefined): { mime: string; params: Map<string, string> } {
  const [mime = 'text/plain', ...rest] = (value ?? 'text/plain').split(';');
  const params = new Map<string, string>();
  for (const param of rest) {
    const eq = param.indexOf('=');
    if (eq > 0)
      params.set(
        param.slice(0, eq).trim().toLowerCase(),
        param
          .slice(eq + 1)
          .trim()
          .replace(/^"|"$/g, ''),
      );
  }
  return { mime: mime.trim().toLowerCase(), params };
}

/** Returns latin1-carried bytes. */
function decodeTransfer(body: string, encoding: string | undefined): string {
  switch (encoding?.trim().toLowerCase()) {
    case 'base64':
      return Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64').toString('latin1');
    case 'quoted-printable':
      return decodeQuotedPrintable(body);
    default:
      return body;
  }
}

function decodeQuotedPrintable(body: string): string {
  return body
    .replace(/[ \t]+(?=\r?\n)/g, '')
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

function decodeCharset(latin1: string, charset: string | undefined): string {
  const bytes = Buffer.from(latin1, 'latin1');
  try {
    return new TextDecoder((charset ?? 'utf-8').toLowerCase()).decode(bytes);
  } catch {
    return bytes.toString('utf8');
  }
}

/** RFC 2047 encoded words (`=?UTF-8?B?...?=`, `=?UTF-8?Q?...?=`); raw 8-bit headers are read as UTF-8. */
function decodeHeader(value: string): string {
  const utf8 = Buffer.from(value, 'latin1').toString('utf8');
  return utf8
    .replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?)/g, '$1')
    .replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_, charset: string, kind: string, data: string) => {
      const latin1 =
        kind.toUpperCase() === 'B'
          ? Buffer.from(data, 'base64').toString('latin1')
          : decodeQuotedPrintable(data.replace(/_/g, ' '));
      return decodeCharset(latin1, charset);
    })
    .trim();
}

export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>|<\/p>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}
