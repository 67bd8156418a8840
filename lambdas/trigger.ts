import { PutObjectCommand } from '@aws-sdk/client-s3';
import { GetSendQuotaCommand, SendEmailCommand, SendRawEmailCommand } from '@aws-sdk/client-ses';
import { z } from 'zod';
import { buildRawEmail, EmailHeaderError, headerTextProblem, parseMailbox } from '../core/email.js';
import { renderTemplate, sessionTemplateValues } from '../core/identity.js';
import type { Trigger } from '../core/profile.js';
import { s3, ses } from './shared/clients.js';
import { requiredEnv } from './shared/env.js';
import { NameSchema, parseEvent, RunIdSchema } from './shared/event.js';
import { createLogger } from './shared/logger.js';
import { RunFacts } from './shared/run-facts.js';
import { SendBudget } from './shared/send-budget.js';
import { SendPacer } from './shared/send-pacer.js';
import { sleep } from './shared/sleep.js';
import { stackPolicy } from './shared/stack-policy-env.js';
import { Store, type StoredSession } from './shared/store.js';
import { NoFreeUserError, UserLeases } from './shared/user-leases.js';

const log = createLogger('trigger');

const table = requiredEnv('TABLE_NAME');
const store = new Store(table);
const facts = new RunFacts(store);
const pacer = new SendPacer(table);
const leases = new UserLeases(table);
const budget = new SendBudget(table);

const EventSchema = z.object({
  runId: RunIdSchema,
  sessionId: NameSchema,
  /** The send slot (epoch ms) an earlier call reserved and returned as `retryAt`. */
  slot: z.number().int().positive().optional(),
});
/** A send slot further away than this is waited for in the state machine, not in the Lambda. */
const SLOT_MARGIN_MS = 2_000;
/**
 * The state machine wakes the session this long before its slot, and the
 * trigger sleeps the rest (at most SLOT_MARGIN_MS, as a Wait truncated to the
 * second wakes up to 1 s early): the wake-up and the invocation's own delay
 * then come before the slot instead of after it, and the send keeps its slot.
 */
const SLOT_LEAD_MS = 1_000;
/** What the state machine reads of every result: the send, or the slot to come back at. */
const notSent = { retryAt: null, slot: null };

const accountSendRates = new WeakMap<object, Promise<number | undefined>>();

/**
 * Sends the session's instruction (SES email or a raw .eml in the intake
 * bucket) at its scheduled time; records when it was due and when it went.
 * A retried trigger never sends twice, and no send goes past the stack's
 * daily send budget (error SendBudgetExhausted fails the session instead).
 */
export async function handler(event: unknown) {
  const askedAt = Date.now();
  const { runId, sessionId, slot: reserved } = parseEvent(EventSchema, event, 'trigger');
  // Asked once per instance, while the session is read (a burst's first triggers would wait for it in turn).
  void accountRate().catch(() => undefined);
  const [profile, session] = await Promise.all([facts.profile(runId), store.getSession(runId, sessionId)]);
  if (!profile || !session) throw new Error(`run ${runId} has no session ${sessionId}`);
  if (session.status !== 'planned') return { sentAt: session.sentAt ?? null, ...notSent };

  const startAt = await facts.scenarioStart(runId, session.scenario);
  // Open-model sessions are due at the scenario start plus their offset; sequential ones when first asked for.
  const due =
    session.offsetMs !== undefined && startAt !== undefined ? startAt + session.offsetMs : undefined;
  // Step Functions' Wait truncates a timestamp to the second: never send before the session is due.
  if (due !== undefined) await sleep(due - Date.now());
  // Sequential sessions (stages, coldWarm) are due when the state machine first asks for their send (after
  // the session before and its gap): a wait after that, for a send slot or a free pool user, is lateness.
  const dueAt = due ?? session.dueAt ?? askedAt;
  const rememberDue = async () => {
    if (due === undefined && session.dueAt === undefined) await store.markDue(runId, sessionId, dueAt);
  };
  const trigger = profile.target.trigger;
  if (trigger.type === 'ses') {
    const rate = await sendRate(trigger);
    if (rate !== undefined) {
      // A slot reserved once is kept; a far one is waited for by the state machine (a Wait state).
      const slot = reserved ?? (await pacer.reserve(runId, 1000 / rate));
      if (slot - Date.now() > SLOT_MARGIN_MS) {
        await rememberDue();
        return { sentAt: null, retryAt: new Date(slot - SLOT_LEAD_MS).toISOString(), slot };
      }
      await sleep(slot - Date.now());
    }
  }
  // With a user pool the session runs as a free user (NoFreeUser: the state machine retries; the wait is lateness).
  const sending = profile.target.userPool
    ? {
        ...session,
        ...(await leases.lease(runId, profile.target, session).catch(whenNoFreeUser(rememberDue))),
      }
    : session;
  const sentAt = Date.now();
  const scheduledAt = dueAt;
  if (!(await store.markSent(runId, sessionId, scheduledAt, sentAt))) {
    const again = await store.getSession(runId, sessionId);
    return { sentAt: again?.sentAt ?? null, ...notSent };
  }
  // Only the trigger that marked the session sent spends, so a retry never counts twice.
  await budget.spend(stackPolicy().dailySendBudget);
  // The session is marked sent before the call (a retried Lambda must not send twice), so throttling is
  // retried here; any other error fails the session with its reason.
  for (let attempt = 1; ; attempt++) {
    const at = attempt === 1 ? sentAt : Date.now();
    try {
      await send(trigger, runId, sending, new Date(at));
      // A retried send went later than first recorded: sentAt is when it really went.
      if (at !== sentAt) await store.setSentAt(runId, sessionId, at);
      log.info('sent', {
        runId,
        sessionId,
        ...(sending.userId ? { userId: sending.userId } : {}),
        latenessMs: at - scheduledAt,
      });
      return { sentAt: at, ...notSent };
    } catch (error) {
      if (attempt >= SEND_ATTEMPTS || !THROTTLING.has((error as Error).name)) throw error;
      await sleep(200 * 2 ** attempt);
    }
  }
}

/**
 * Remembers when the session was due before NoFreeUser goes to the state
 * machine's retry. A failed write must not replace NoFreeUser (the retry is
 * for it alone): the next attempt remembers again, the time is still unset.
 */
function whenNoFreeUser(remember: () => Promise<void>) {
  return async (error: unknown): Promise<never> => {
    if (error instanceof NoFreeUserError)
      await remember().catch((failure: unknown) =>
        log.warn('could not keep the time the session was due; the retry tries again', {
          error: `${(failure as Error).name}: ${(failure as Error).message}`,
        }),
      );
    throw error;
  };
}

const SEND_ATTEMPTS = 4;
const THROTTLING = new Set(['Throttling', 'ThrottlingException', 'TooManyRequestsException', 'SlowDown']);

async function send(trigger: Trigger, runId: string, session: StoredSession, date: Date): Promise<void> {
  const values = sessionTemplateValues(runId, session);
  const to = renderTemplate(trigger.to, values);
  const subject = renderTemplate(trigger.subject, values);
  const body = renderTemplate(trigger.body, values);
  const messageId = `${session.token}@bench.local`;
  if (trigger.type === 's3-eml') {
    const raw = buildRawEmail({ from: trigger.from, to, subject, body, messageId, date });
    await s3().send(
      new PutObjectCommand({
        Bucket: trigger.bucket,
        Key: `${trigger.prefix}bench-${runId}-${session.sessionId}.eml`,
        Body: raw,
        ContentType: 'message/rfc822',
      }),
    );
  } else if (trigger.raw) {
    const raw = buildRawEmail({ from: trigger.from, to, subject, body, messageId, date });
    // Destinations and Source come from the checked addresses, never from the message's headers.
    await ses().send(
      new SendRawEmailCommand({
        Source: parseMailbox('from', trigger.from).address,
        Destinations: [parseMailbox('to', to).address],
        RawMessage: { Data: Buffer.from(raw, 'utf8') },
      }),
    );
  } else {
    const problem = headerTextProblem(subject);
    if (problem) throw new EmailHeaderError(`subject: ${problem}`);
    await ses().send(
      new SendEmailCommand({
        Source: trigger.from,
        Destination: { ToAddresses: [parseMailbox('to', to).address] },
        Message: {
          Subject: { Data: subject, Charset: 'UTF-8' },
          Body: { Text: { Data: body, Charset: 'UTF-8' } },
        },
      }),
    );
  }
}

/** Sends per second: the lower of the profile's cap and the account's SES MaxSendRate. */
async function sendRate(trigger: Extract<Trigger, { type: 'ses' }>): Promise<number | undefined> {
  const account = await accountRate();
  const rates = [account, trigger.maxSendRate].filter((r): r is number => r !== undefined && r > 0);
  return rates.length > 0 ? Math.min(...rates) : undefined;
}

/**
 * The account's SES MaxSendRate (GetSendQuota), asked once per SES client (once per instance on AWS;
 * locally each run has its own client and its own account); undefined when it cannot be read.
 */
function accountRate(): Promise<number | undefined> {
  const client = ses();
  let rate = accountSendRates.get(client);
  if (!rate) {
    rate = client
      .send(new GetSendQuotaCommand({}))
      .then((quota) => quota.MaxSendRate)
      .catch((error: Error) => {
        log.warn("SES GetSendQuota failed; pacing to the profile's maxSendRate only", { error: error.name });
        accountSendRates.delete(client); // ask again next time rather than never pace
        return undefined;
      });
    accountSendRates.set(client, rate);
  }
  return rate;
}
