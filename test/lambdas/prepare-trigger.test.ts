import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { SendRawEmailCommandInput } from '@aws-sdk/client-ses';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { runPk, Store } from '../../lambdas/shared/store.js';
import { LOCAL_REPORTS_BUCKET, LOCAL_TABLE, localS3 } from '../../local/runner/local-aws-setup.js';
import { profileInput } from '../fixtures/profile.js';
import { useLocalAws } from '../support/local-aws.js';

const INTAKE = 'webordinary-ses-emails';
process.env.AWS_SES_ACCOUNT = JSON.stringify({
  DedicatedIpAutoWarmupEnabled: false,
  Details: {
    AdditionalContactEmailAddresses: [],
    ContactLanguage: 'EN',
    MailType: 'TRANSACTIONAL',
    ReviewDetails: { CaseId: 'x', Status: 'GRANTED' },
    UseCaseDescription: 'x',
    WebsiteURL: 'http://127.0.0.1',
  },
  EnforcementStatus: 'HEALTHY',
  ProductionAccessEnabled: true,
  SendingEnabled: true,
  SendQuota: { Max24HourSend: 1000, MaxSendRate: 5, SentLast24Hours: 0 },
  SuppressionAttributes: { SuppressedReasons: [] },
});
const ctx = useLocalAws([INTAKE]);

interface StoredEmail {
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  body: { text?: string };
}

async function sesStore(since = 0): Promise<StoredEmail[]> {
  const out = (await (await fetch(`${ctx.aws.endpoints.ses}/store?since=${since}`)).json()) as {
    emails: {
      destination: { to: string[]; cc?: string[]; bcc?: string[] };
      subject: string;
      body: { text?: string };
    }[];
  };
  return out.emails.map((e) => ({
    to: e.destination.to,
    cc: e.destination.cc ?? [],
    bcc: e.destination.bcc ?? [],
    subject: e.subject,
    body: e.body,
  }));
}

/** The SendRawEmail requests the trigger makes while `work` runs (the emulator still gets them). */
async function rawSends(work: () => Promise<unknown>): Promise<SendRawEmailCommandInput[]> {
  const { ses } = await import('../../lambdas/shared/clients.js');
  const seen: SendRawEmailCommandInput[] = [];
  ses().middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'SendRawEmailCommand') seen.push(args.input as SendRawEmailCommandInput);
      return next(args);
    },
    { step: 'initialize', name: 'recordRawSends' },
  );
  try {
    await work();
  } finally {
    ses().middlewareStack.remove('recordRawSends');
  }
  return seen;
}

const BCC_INJECTION = '\r\nBcc: someone@evil.example';

describe('prepare', () => {
  it('fails with ProfileInvalid listing every problem by path', async () => {
    const { handler } = await import('../../lambdas/prepare.js');
    const error = await handler({
      runId: 'bad',
      profile: profileInput({ scenarios: [{ type: 'burst', sessions: 0 }] }),
    }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('ProfileInvalid');
    expect((error as Error).message).toContain('scenarios[0].sessions: must be >= 1, got 0');
  });

  it('records the run and its planned sessions, and plans the same run again identically', async () => {
    const { handler } = await import('../../lambdas/prepare.js');
    const input = {
      runId: 'run-prep',
      profile: profileInput({ scenarios: [{ type: 'burst', sessions: 4 }] }),
    };
    expect(await handler(input)).toEqual({
      runId: 'run-prep',
      sessions: 4,
      settleSeconds: 10,
      scenarios: [{ name: 'burst', type: 'burst' }],
    });
    const store = new Store(LOCAL_TABLE);
    // The plan is the same; only the records' TTL (now + 90 days) moves with the clock.
    const planOf = async () =>
      (await store.sessions('run-prep')).map((s) => ({ ...s, expiresAt: undefined }));
    const first = await planOf();
    await handler(input);
    expect(await planOf()).toEqual(first);
    expect(first.map((s) => s.status)).toEqual(['planned', 'planned', 'planned', 'planned']);
    expect((await store.activeRuns()).map((r) => r.runId)).toContain('run-prep');
  });
});

describe('trigger', () => {
  it('sends one SES email per session, paced to the account send rate, never twice', async () => {
    const prepare = (await import('../../lambdas/prepare.js')).handler;
    const start = (await import('../../lambdas/start-scenario.js')).handler;
    const trigger = (await import('../../lambdas/trigger.js')).handler;
    await prepare({
      runId: 'run-ses',
      profile: profileInput({ scenarios: [{ type: 'burst', sessions: 5 }] }),
    });
    const started = (await start({ runId: 'run-ses', scenario: 'burst' })) as {
      planKey: string;
      concurrency: number;
    };
    expect(started.concurrency).toBe(5);
    const object = await localS3().send(
      new GetObjectCommand({ Bucket: LOCAL_REPORTS_BUCKET, Key: started.planKey }),
    );
    const plan = {
      sessions: JSON.parse(await object.Body!.transformToString()) as {
        sessionId: string;
        scheduledAt: string;
      }[],
    };
    expect(plan.sessions).toHaveLength(5);
    const before = (await sesStore()).length;
    await Promise.all(plan.sessions.map((s) => trigger({ runId: 'run-ses', sessionId: s.sessionId })));
    await trigger({ runId: 'run-ses', sessionId: plan.sessions[0]!.sessionId }); // a retry
    const sent = (await sesStore()).slice(before);
    expect(sent).toHaveLength(5);

    const sessions = await new Store(LOCAL_TABLE).sessions('run-ses');
    for (const s of sessions) {
      const email = sent.find((e) => e.to.includes(`${s.userId}@amelia.webordinary.com`));
      expect(email?.subject).toBe(`[thread-${s.token}] Benchmark ${s.index}`);
      expect(email?.body.text).toContain(s.token);
      expect(s.status).toBe('sent');
      expect(s.scheduledAt).toBe(Date.parse(plan.sessions[0]!.scheduledAt));
    }
    // MaxSendRate 5/s: a send slot every 200 ms (timers may fire a little late); the wait shows up as lateness.
    const lateness = sessions.map((s) => s.sentAt! - s.scheduledAt!).sort((a, b) => a - b);
    // Called about 2 s before the scenario start, as Step Functions' Wait may (it truncates to the
    // second), the trigger still never sends before the session is due.
    expect(lateness[0]).toBeGreaterThanOrEqual(0);
    // Without pacing all five go within a few ms. Slots are 200 ms apart, so the last goes at least
    // 800 ms after the first slot; the first send's own overhead (its slot is taken before the
    // write that reserves it) may eat into the span, and more so on a loaded machine.
    expect(lateness.at(-1)! - lateness[0]!).toBeGreaterThanOrEqual(2 * 200);
  });

  it('has a far send slot waited for in the state machine, woken a second early, and sends in its slot', async () => {
    const prepare = (await import('../../lambdas/prepare.js')).handler;
    const start = (await import('../../lambdas/start-scenario.js')).handler;
    const trigger = (await import('../../lambdas/trigger.js')).handler;
    const input = profileInput({ scenarios: [{ type: 'burst', sessions: 2 }] });
    // One send every 8 s: the second session's slot is too far for the Lambda to sleep for, and stays
    // further than its 2 s margin while the calls below run, even at seconds a DynamoDB call.
    const paced = {
      ...input,
      target: { ...input.target, trigger: { ...input.target.trigger, maxSendRate: 0.125 } },
    };
    await prepare({ runId: 'run-slot', profile: paced });
    await start({ runId: 'run-slot', scenario: 'burst' });
    const [first, second] = await new Store(LOCAL_TABLE).sessions('run-slot');
    const sentFirst = await trigger({ runId: 'run-slot', sessionId: first!.sessionId });
    expect(sentFirst.sentAt).toEqual(expect.any(Number));
    const far = await trigger({ runId: 'run-slot', sessionId: second!.sessionId });
    expect(far.sentAt).toBeNull();
    expect(far.slot! - sentFirst.sentAt!).toBeGreaterThanOrEqual(8_000 - 50);
    // The Wait's timestamp is a second before the slot: the wake-up's own delay comes before the slot.
    expect(Date.parse(far.retryAt!)).toBe(far.slot! - 1_000);
    // Woken early, still too far: back to the Wait with the same slot (nothing reserved again).
    const again = await trigger({ runId: 'run-slot', sessionId: second!.sessionId, slot: far.slot! });
    expect(again).toEqual(far);
    // Woken as a Wait truncated to the second may (up to 2 s early): the trigger sleeps the rest and sends in its slot.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, far.slot! - 1_900 - Date.now())));
    const sent = await trigger({ runId: 'run-slot', sessionId: second!.sessionId, slot: far.slot! });
    expect(sent.sentAt).toBeGreaterThanOrEqual(far.slot!);
    expect(sent.sentAt! - far.slot!).toBeLessThan(1_000);
  }, 30_000);

  it('retries a throttled send and records when the email really went', async () => {
    const prepare = (await import('../../lambdas/prepare.js')).handler;
    const trigger = (await import('../../lambdas/trigger.js')).handler;
    const { ses } = await import('../../lambdas/shared/clients.js');
    await prepare({ runId: 'run-throttle', profile: profileInput({ scenarios: [{ type: 'stages' }] }) });
    const [session] = await new Store(LOCAL_TABLE).sessions('run-throttle');
    // The emulator never throttles: inject SES's Throttling error once, in front of the real client.
    let calls = 0;
    ses().middlewareStack.add(
      (next) => async (args) => {
        calls += 1;
        if (calls === 1)
          throw Object.assign(new Error('Maximum sending rate exceeded.'), { name: 'Throttling' });
        return next(args);
      },
      { step: 'initialize', name: 'throttleOnce' },
    );
    try {
      const before = (await sesStore()).length;
      const out = await trigger({ runId: 'run-throttle', sessionId: session!.sessionId });
      expect(calls).toBe(2);
      expect((await sesStore()).length).toBe(before + 1);
      const stored = await new Store(LOCAL_TABLE).getSession('run-throttle', session!.sessionId);
      expect(stored?.sentAt).toBe(out.sentAt);
      expect(stored!.sentAt! - stored!.scheduledAt!).toBeGreaterThanOrEqual(400); // the backoff shows as lateness
    } finally {
      ses().middlewareStack.remove('throttleOnce');
    }
  });

  it('sends raw: true with Destinations = exactly the one checked recipient', async () => {
    const prepare = (await import('../../lambdas/prepare.js')).handler;
    const trigger = (await import('../../lambdas/trigger.js')).handler;
    const input = profileInput({ scenarios: [{ type: 'stages' }] });
    input.target.trigger = {
      ...input.target.trigger,
      type: 'ses',
      raw: true,
      subject: '[thread-{token}] Café',
    };
    await prepare({ runId: 'run-raw', profile: input });
    const [session] = await new Store(LOCAL_TABLE).sessions('run-raw');
    const before = (await sesStore()).length;
    const sends = await rawSends(() => trigger({ runId: 'run-raw', sessionId: session!.sessionId }));
    const address = `${session!.userId}@amelia.webordinary.com`;
    expect(sends).toHaveLength(1);
    expect(sends[0]?.Destinations).toEqual([address]);
    expect(sends[0]?.Source).toBe('bench@webordinary.com');
    const sent = (await sesStore()).slice(before);
    expect(sent).toEqual([
      expect.objectContaining({ to: [address], cc: [], bcc: [], subject: `[thread-${session!.token}] Café` }),
    ]);
  });

  it('refuses a CR/LF in a raw email header at Prepare, naming the field, and sends nothing', async () => {
    const prepare = (await import('../../lambdas/prepare.js')).handler;
    const before = (await sesStore()).length;
    for (const [field, value] of [
      ['to', `{userId}@amelia.webordinary.com${BCC_INJECTION}`],
      ['subject', `[thread-{token}]${BCC_INJECTION}`],
      ['from', `bench@webordinary.com${BCC_INJECTION}`],
    ] as const) {
      const input = profileInput({ scenarios: [{ type: 'stages' }] });
      input.target.trigger = { ...input.target.trigger, type: 'ses', raw: true, [field]: value };
      const error = await prepare({ runId: `run-crlf-${field}`, profile: input }).catch((e: Error) => e);
      expect([field, (error as Error).name]).toEqual([field, 'ProfileInvalid']);
      expect((error as Error).message).toContain(
        `target.trigger.${field}: must not contain a carriage return (CR)`,
      );
    }
    expect((await sesStore()).length).toBe(before);
  });

  it('adds no Bcc even from a run record whose profile was altered after Prepare', async () => {
    const prepare = (await import('../../lambdas/prepare.js')).handler;
    const trigger = (await import('../../lambdas/trigger.js')).handler;
    const { dynamo } = await import('../../lambdas/shared/clients.js');
    const input = profileInput({ scenarios: [{ type: 'stages' }] });
    input.target.trigger = { ...input.target.trigger, type: 'ses', raw: true };
    await prepare({ runId: 'run-raw-tampered', profile: input });
    await dynamo().send(
      new UpdateCommand({
        TableName: LOCAL_TABLE,
        Key: { pk: runPk('run-raw-tampered'), sk: 'RUN' },
        UpdateExpression: 'SET #p.#target.#trigger.#to = :to',
        ExpressionAttributeNames: {
          '#p': 'profile',
          '#target': 'target',
          '#trigger': 'trigger',
          '#to': 'to',
        },
        ExpressionAttributeValues: { ':to': `{userId}@amelia.webordinary.com${BCC_INJECTION}` },
      }),
    );
    const [session] = await new Store(LOCAL_TABLE).sessions('run-raw-tampered');
    const before = (await sesStore()).length;
    let error: unknown;
    const sends = await rawSends(() =>
      trigger({ runId: 'run-raw-tampered', sessionId: session!.sessionId }).catch((e: unknown) => {
        error = e;
      }),
    );
    expect((error as Error).name).toBe('EmailHeaderError');
    expect((error as Error).message).toMatch(/^to: must not contain a carriage return/);
    expect(sends).toEqual([]);
    expect((await sesStore()).slice(before)).toEqual([]);
  });

  it('drops a raw .eml into the intake bucket for the s3-eml trigger', async () => {
    const prepare = (await import('../../lambdas/prepare.js')).handler;
    const trigger = (await import('../../lambdas/trigger.js')).handler;
    const input = profileInput({ scenarios: [{ type: 'stages' }] });
    input.target.trigger = {
      type: 's3-eml',
      bucket: INTAKE,
      from: 'bench@webordinary.com',
      to: '{userId}@amelia.webordinary.com',
      subject: '[thread-{token}] Café edit',
      body: 'Put {token} on the page ✓',
    };
    await prepare({ runId: 'run-eml', profile: input });
    const [session] = await new Store(LOCAL_TABLE).sessions('run-eml');
    await trigger({ runId: 'run-eml', sessionId: session!.sessionId });
    const out = await localS3().send(
      new GetObjectCommand({ Bucket: INTAKE, Key: `emails/bench-run-eml-${session!.sessionId}.eml` }),
    );
    const raw = (await out.Body?.transformToString('utf8')) ?? '';
    expect(raw).toContain(`To: ${session!.userId}@amelia.webordinary.com\r\n`);
    expect(raw).toContain('Subject: =?UTF-8?B?');
    expect(raw).toContain('Content-Transfer-Encoding: base64');
    const body = raw.split('\r\n\r\n')[1]!.replace(/\r\n/g, '');
    expect(Buffer.from(body, 'base64').toString('utf8')).toBe(`Put ${session!.token} on the page ✓`);
  });
});
