import { describe, expect, it } from 'vitest';
import { profileModelPath } from '../../local/runner/model-path.js';
import { clock, eta, type ProgressState, plainLine, progressLine } from '../../local/runner/progress-line.js';

const state: ProgressState = {
  elapsedMs: 30_000,
  scenario: { index: 3, count: 4, name: 'sustained' },
  done: 15,
  planned: 46,
  inFlight: 2,
  failed: 1,
  timedOut: 0,
  pool: { running: 8, busy: 2, queued: 0 },
};

describe('progressLine', () => {
  it('shows a bar, scenario k of n, sessions done and an ETA from the pace so far', () => {
    const line = progressLine(state, 160);
    expect(line).toMatch(
      /^\[█+░+\] {2}32% scenario 3\/4 sustained · 15\/46 sessions · ETA 1:02 · 2 in flight · 1 failed, 0 timed out · 0:30 · pool 2\/8 busy, 0 queued$/,
    );
    expect(eta(state)).toBe(62_000);
    expect(eta({ ...state, done: 0 })).toBeNull();
  });

  it('fits any width on one row, dropping the least useful parts first and keeping scenario k of n', () => {
    for (let width = 1; width <= 200; width += 1) {
      const line = progressLine(state, width);
      expect(line.length, `width ${width}`).toBeLessThanOrEqual(Math.max(10, width - 1));
      expect(line).not.toContain('\n');
    }
    expect(progressLine(state, 60)).toMatch(/scenario 3\/4 sustained · 15\/46 sessions/);
    expect(progressLine(state, 60)).not.toContain('pool');
  });

  it('writes plain lines without a bar for logs', () => {
    expect(plainLine(state)).toBe(
      '[0:30] 32% scenario 3/4 sustained · 15/46 sessions · ETA 1:02 · 2 in flight · 1 failed, 0 timed out · pool 2/8 busy, 0 queued',
    );
    expect(plainLine({ ...state, scenario: null, done: 0 })).toContain('preparing');
  });

  it('formats clocks', () => {
    expect([clock(0), clock(59_400), clock(61_000), clock(3_723_000)]).toEqual([
      '0:00',
      '0:59',
      '1:01',
      '1:02:03',
    ]);
  });
});

describe('profileModelPath', () => {
  it("reads a profile's local.model from the profile's own folder, whatever the working directory", () => {
    expect(profileModelPath({ local: { model: '../local/models/x.json' } }, '/repo/profiles')).toBe(
      '/repo/local/models/x.json',
    );
    expect(profileModelPath({ local: { model: '/abs/m.json' } }, '/repo/profiles')).toBe('/abs/m.json');
    expect(profileModelPath({ name: 'no-local' }, '/anywhere')).toMatch(
      /local\/models\/webordinary-demo\.json$/,
    );
  });
});
