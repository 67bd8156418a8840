import { describe, expect, it } from 'vitest';
import { keyPatternSource, renderTemplate, runTag, sessionIdentity } from '../../core/identity.js';
import { planRun, sustainedCount } from '../../core/session-plan.js';
import { profile } from '../fixtures/profile.js';

describe('planRun', () => {
  const p = profile({
    scenarios: [
      { type: 'stages' },
      { type: 'coldWarm', cold: 2, warm: 3 },
      { type: 'sustained', ratePerMinute: 10, durationMinutes: 2 },
      { type: 'burst', sessions: 20 },
      { type: 'resources' },
    ],
  });
  const plan = planRun('run-a', p);

  it('plans every scenario in order, none for resources', () => {
    const counts = Object.fromEntries(
      ['stages', 'coldWarm', 'sustained', 'burst'].map((s) => [
        s,
        plan.filter((x) => x.scenario === s).length,
      ]),
    );
    expect(counts).toEqual({ stages: 1, coldWarm: 5, sustained: 20, burst: 20 });
    expect(plan.some((s) => s.scenarioType === 'resources')).toBe(false);
  });

  it('gives each session its own userId, token and key', () => {
    for (const field of ['sessionId', 'userId', 'token', 'key'] as const) {
      expect(new Set(plan.map((s) => s[field])).size).toBe(plan.length);
    }
  });

  it('spaces sustained arrivals evenly (open model) and starts a burst at once', () => {
    const sustained = plan.filter((s) => s.scenario === 'sustained').map((s) => s.offsetMs);
    expect(sustained.slice(0, 3)).toEqual([0, 6000, 12000]);
    expect(sustained.at(-1)).toBe(114_000);
    expect(new Set(plan.filter((s) => s.scenario === 'burst').map((s) => s.offsetMs))).toEqual(new Set([0]));
  });

  it('leaves coldWarm sessions unscheduled, cold ones first', () => {
    const cw = plan.filter((s) => s.scenario === 'coldWarm');
    expect(cw.map((s) => s.phase)).toEqual(['cold', 'cold', 'warm', 'warm', 'warm']);
    expect(cw.every((s) => s.offsetMs === undefined)).toBe(true);
  });

  it('plans the same run twice identically (Prepare may be retried)', () => {
    expect(planRun('run-a', p)).toEqual(plan);
    expect(planRun('run-b', p)[0]?.token).not.toBe(plan[0]?.token);
  });
});

describe('sustainedCount', () => {
  it.each([
    [10, 2, 20],
    [1, 0.5, 1],
    [0.5, 3, 1],
    [7, 1.5, 10],
  ])('%d/min for %d min is %d sessions', (rate, minutes, expected) => {
    expect(sustainedCount(rate, minutes)).toBe(expected);
  });
});

describe('identities', () => {
  it('finds keys of any template in a line, and only whole keys', () => {
    for (const key of ['{userId}', '{token}', 'thread-{token}', '{sessionId}']) {
      const target = { userIdPrefix: 'bench', key };
      const id = sessionIdentity('r1', target, { scenario: 'burst', index: 7, ordinal: 7 });
      const regex = new RegExp(`(?<![A-Za-z0-9])${keyPatternSource('r1', target)}(?![A-Za-z0-9])`, 'g');
      expect([...`x [${id.key}] y`.matchAll(regex)].map((m) => m[0])).toEqual([id.key]);
      // A longer identifier is never read as the key it starts with.
      expect([...`x ${id.key}9 y`.matchAll(regex)].map((m) => m[0])).not.toContain(id.key);
    }
  });

  it('tags a run with six characters', () => {
    expect(runTag('anything')).toMatch(/^[0-9a-z]{6}$/);
  });

  it('renders templates and leaves unknown names alone', () => {
    expect(renderTemplate('{userId}@{p}.x/{index}', { userId: 'u', index: 3 })).toBe('u@{p}.x/3');
  });
});
