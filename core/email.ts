/** A plain-text RFC 822 message, as SES would store it in the intake bucket. */
export interface EmailMessage {
  readonly from: string;
  readonly to: string;
  readonly subject: string;
  readonly body: string;
  readonly messageId: string;
  readonly date: Date;
}

export function buildRawEmail(message: EmailMessage): string {
  const ascii = /^[\x20-\x7e\r\n\t]*$/.test(message.body);
  const headers = [
    `From: ${message.from}`,
    `To: ${message.to}`,
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

/** RFC 2047 encoded word for a header with non-ASCII text. */
function encodeHeader(text: string): string {
  return /^[\x20-\x7e]*$/.test(text) ? text : `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;
}
