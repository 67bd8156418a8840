import { describe, expect, it } from 'vitest';
import type { SessionRecord } from '../../core/records.js';
import { resolveOutcome } from '../../core/session-outcome.js';
import { profile } from '../fixtures/profile.js';

const p = profile({ target: { ...profile().target, sessionTimeoutSeconds: 60 } });
const all = { pickup: 1_000, build: 2_000, live: 3_000, done: 4_000 };
const base: SessionRecord = {
  runId: 'r',
  sessionId: 'burst-0000',
  scenario: 'burst',
  scenarioType: 'burst',
  index: 0,
  userId: 'u',
  token: 't',
  key: 'u',
  sentAt: 0,
  stages: all,
  status: 'ok',
};

describe('resolveOutcome', () => {
  it.each([
    ['an ok session with every stage', base, 'ok'],
    ['a session still in flight', { ...base, status: 'sent' as const, stages: {} }, 'sent'],
    [
      'a timed-out session whose last stage came before its timeout (the signal was lost)',
      { ...base, status: 'timedOut' as const, error: 'timeout' },
      'ok',
    ],
    [
      'a timed-out session whose last stage came after its timeout',
      { ...base, status: 'timedOut' as const, stages: { ...all, done: 61_000 } },
      'timedOut',
    ],
    [
      'a session failed by a rejection that later markers gave to another job, complete in time',
      { ...base, status: 'failed' as const, error: 'dropped: Already processing a message' },
      'ok',
    ],
    [
      'a failed session with a stage missing and no failure line (a harness failure)',
      { ...base, status: 'failed' as const, stages: { pickup: 1 }, error: 'SES refused' },
      'failed',
    ],
    [
      'a timed-out session with a stage missing',
      { ...base, status: 'timedOut' as const, stages: { pickup: 1 } },
      'timedOut',
    ],
    [
      'an ok session whose stages a later marker showed were another job’s',
      { ...base, stages: { pickup: 1 } },
      'failed',
    ],
    [
      'an ok session with a rejection (dropped) recorded later',
      { ...base, stages: { pickup: 1 }, failedAt: 5, failureReason: 'dropped', error: 'dropped: busy' },
      'failed',
    ],
  ])('judges %s', (_what, session, status) => {
    expect(resolveOutcome(p, session).status).toBe(status);
  });

  it('says why a session lost its stages, and drops the timeout text of a session that finished in time', () => {
    expect(resolveOutcome(p, { ...base, stages: { pickup: 1 } }).error).toBe(
      'stages no longer credited to this session after later markers: build, live, done',
    );
    expect(resolveOutcome(p, { ...base, status: 'timedOut', error: 'timeout' }).error).toBeUndefined();
  });
});
