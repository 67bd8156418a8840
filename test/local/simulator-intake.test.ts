import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import {
  DEMO_MARKERS,
  done,
  ESC,
  models,
  plain,
  quick,
  readObject,
  s3,
  sendSes,
  start,
  useSimulatorServers,
  variant,
  waitFor,
} from '../support/simulator-harness.js';

useSimulatorServers();

describe('simulator intake', () => {
  it('runs a job for an email sent through SES, with the real marker lines in order', async () => {
    const h = await start(variant(models.demo, (m) => (m.ecs.initialDesiredCount = 1)));
    await sendSes('alice@amelia.webordinary.com', '[thread-t1] Hero', 'Make the hero say tok-alice-1\n');
    await waitFor('the job', done(h, 1));
    await h.sim.stop();

    const [job] = h.sim.groundTruth();
    expect(job).toMatchObject({
      source: 'ses',
      projectId: 'amelia',
      userId: 'alice',
      threadId: 't1',
      status: 'ok',
    });
    expect(job?.instruction).toBe('Make the hero say tok-alice-1');
    const stream = h.logs.events.filter((e) => e.stream === `edit/edit/${job?.taskId}`);
    expect(stream.every((e) => e.group === '/ecs/webordinary/edit')).toBe(true);
    expect(job?.taskId).toMatch(/^[0-9a-f]{32}$/);
    const expected = DEMO_MARKERS.map((m) => m.replaceAll('{user}', 'alice').replaceAll('{thread}', 't1'));
    const texts = stream.map((e) => plain(e.message));
    const claimed = texts.findIndex((t) => t.endsWith('Successfully claimed amelia/alice'));
    const booted = texts.findIndex((t) =>
      t.endsWith('Container will release ownership after 5 minutes of inactivity.'),
    );
    expect(booted).toBeGreaterThanOrEqual(0);
    expect(claimed).toBeGreaterThan(booted);
    expect(texts.findIndex((t) => t.includes('Received Step Functions message'))).toBeGreaterThan(claimed);
    const markerEvents = expected.map((text) => stream.find((e) => plain(e.message).includes(`] ${text}`)));
    const times = markerEvents.map((e) => e?.timestamp ?? Number.NaN);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    // The ground truth is the timestamp the marker event was given.
    expect(Object.values(job?.markers ?? {})).toEqual(times);
    expect(Object.keys(job?.markers ?? {})).toEqual(models.demo.steps.map((s) => s.name));
    const green = (text: string) => `${ESC}[32m${text}${ESC}[39m`;
    const [head, tail] = [
      `${green('[Nest] 1  - ')}`,
      ` ${green('    LOG')} ${ESC}[33m[GenericContainerService]${ESC}[39m ${green('Received Step Functions message for amelia/alice')}`,
    ];
    expect(markerEvents[0]?.message.startsWith(head)).toBe(true);
    expect(markerEvents[0]?.message.endsWith(tail)).toBe(true);
    expect(markerEvents[0]?.message.slice(head.length, -tail.length)).toMatch(
      /^\d\d\/\d\d\/\d{4}, \d{1,2}:\d\d:\d\d [AP]M$/,
    );
    expect(
      stream.some((e) => plain(e.message).includes('Executing Claude Code instruction: Make the hero say')),
    ).toBe(true);
  });

  it('reads a raw .eml from the intake bucket, decoding quoted-printable and encoded words', async () => {
    const model = variant(models.demo, (m) => (m.ecs.initialDesiredCount = 1));
    const h = await start(model);
    const raw = [
      'From: bench@webordinary.com',
      'To: "Bob" <bob@amelia.webordinary.com>',
      'Subject: =?UTF-8?B?W3RocmVhZC1lbWwtMV0gQ2Fmw6k=?=',
      'Message-ID: <eml-1@bench>',
      'Content-Type: text/plain; charset=UTF-8',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Caf=C3=A9 banner with token tok-bob-1 and a long line that wraps here =',
      'and goes on.',
      '',
    ].join('\r\n');
    const { bucket, prefix } = model.intake.s3!;
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}test-1.eml`, Body: raw }));
    await waitFor('the job', done(h, 1));
    await h.sim.stop();

    const [job] = h.sim.groundTruth();
    expect(job).toMatchObject({ source: 's3', messageId: 'eml-1@bench', userId: 'bob', threadId: 'eml-1' });
    expect(job?.subject).toBe('[thread-eml-1] Café');
    expect(job?.instruction).toBe(
      'Café banner with token tok-bob-1 and a long line that wraps here and goes on.',
    );
    expect(await readObject('edit.amelia.webordinary.com', 'bob/index.html')).toContain(job?.instruction);
    const site = job!.site!;
    expect(site.lastModified % 1000).toBe(0);
    // Truncated to the second, of a write somewhere between the call and its return.
    expect(site.lastModified).toBeLessThanOrEqual(site.putAt);
    expect(site.lastModified).toBeGreaterThan(site.putStartedAt - 1000);
    expect(site.putAt).toBeLessThanOrEqual(job!.markers.sync!);
  });

  it('generates a thread id when the subject has none and ignores mail for other systems', async () => {
    const h = await start(
      variant(models.demo, (m) => {
        quick(m);
        m.ecs.initialDesiredCount = 1;
      }),
    );
    await sendSes('someone@example.com', '[thread-x] Not for us', 'nothing');
    await sendSes('carol@amelia.webordinary.com', 'No thread here', 'tok-carol');
    await waitFor('the job', done(h, 1));
    await h.sim.stop();
    expect(h.sim.groundTruth()).toHaveLength(1);
    expect(h.sim.groundTruth()[0]?.threadId).toMatch(/^\d{13}-[0-9a-z]{6}$/);
    expect(h.events.some((e) => e.type === 'email-ignored')).toBe(true);
  });
});
