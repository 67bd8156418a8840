import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildRawEmail, encodeHeader, mailboxProblem, parseMailbox } from '../../core/email.js';

const message = {
  from: 'Bench <bench@webordinary.com>',
  to: 'bench-abc-00001@bench.webordinary.com',
  subject: '[thread-tok1] Benchmark 1',
  body: 'Put tok1 on the page.',
  messageId: 'tok1@bench.local',
  date: new Date('2026-11-29T08:00:00Z'),
};

/** The header section of a raw message, unfolded, as a list of "Name: value". */
function headers(raw: string): string[] {
  return raw.split('\r\n\r\n')[0]!.replace(/\r\n /g, ' ').split('\r\n');
}

describe('buildRawEmail', () => {
  it('writes one header per field', () => {
    expect(headers(buildRawEmail(message)).map((h) => h.split(':')[0])).toEqual([
      'From',
      'To',
      'Subject',
      'Message-ID',
      'Date',
      'MIME-Version',
      'Content-Type',
      'Content-Transfer-Encoding',
    ]);
  });

  it('refuses a CR or LF in any header value, so no Bcc can be injected', () => {
    for (const field of ['from', 'to', 'subject'] as const) {
      for (const injected of ['\r\nBcc: all@example.com', '\nBcc: all@example.com', '\rBcc: x@example.com']) {
        const value = `${message[field]}${injected}`;
        expect(() => buildRawEmail({ ...message, [field]: value })).toThrow(
          new RegExp(`^${field}: must not contain a (carriage return|line feed)`),
        );
      }
    }
  });

  it('refuses a list where one address is expected', () => {
    expect(() => buildRawEmail({ ...message, to: 'a@example.com, b@example.com' })).toThrow(
      /^to: must be one address/,
    );
    expect(() => buildRawEmail({ ...message, from: 'a@example.com;b@example.com' })).toThrow(
      /^from: must be one address/,
    );
  });

  it('encodes non-ASCII subjects and display names as RFC 2047 words of at most 75 characters', () => {
    const subject = `Prüfung ${'検査'.repeat(40)} 🧪`;
    const raw = buildRawEmail({ ...message, subject, from: 'Büro Bench <bench@webordinary.com>' });
    const lines = raw.split('\r\n\r\n')[0]!.split('\r\n');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(998);
    const words = raw.match(/=\?UTF-8\?B\?[A-Za-z0-9+/=]*\?=/g) ?? [];
    expect(words.length).toBeGreaterThan(2);
    for (const word of words) expect(word.length).toBeLessThanOrEqual(75);
    const decoded = (text: string) =>
      [...text.matchAll(/=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=/g)]
        .map((m) => Buffer.from(m[1]!, 'base64').toString('utf8'))
        .join('');
    const subjectHeader = headers(raw).find((h) => h.startsWith('Subject: '))!;
    expect(decoded(subjectHeader)).toBe(subject);
    expect(headers(raw)).toContain(`From: ${encodeHeader('Büro Bench')} <bench@webordinary.com>`);
  });

  it('keeps every header on its own line whatever printable text the subject holds (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (subject) => {
        if (/\p{Cc}/u.test(subject)) {
          expect(() => buildRawEmail({ ...message, subject })).toThrow(/^subject: must not contain/);
          return;
        }
        const hs = headers(buildRawEmail({ ...message, subject }));
        expect(hs).toHaveLength(8);
        expect(hs.filter((h) => /^Bcc:/i.test(h))).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });
});

describe('parseMailbox', () => {
  it('reads a bare address and a named one', () => {
    expect(parseMailbox('to', 'a@example.com')).toEqual({ address: 'a@example.com' });
    expect(parseMailbox('to', 'Bench <a@example.com>')).toEqual({ name: 'Bench', address: 'a@example.com' });
  });

  it('says why a value is not one mailbox', () => {
    expect(mailboxProblem('not an address')).toMatch(/must be one email address/);
    expect(mailboxProblem('a@example.com\u0000')).toMatch(/U\+0000/);
    expect(mailboxProblem('<a@example.com>, <b@example.com>')).toMatch(/a list/);
  });
});
