import { describe, expect, it } from 'vitest';
import { SendPacer } from '../../lambdas/shared/send-pacer.js';
import { LOCAL_TABLE } from '../../local/runner/local-aws-setup.js';
import { useLocalAws } from '../support/local-aws.js';

useLocalAws();

describe('SendPacer', () => {
  it('gives 40 concurrent triggers 40 distinct slots, exactly one gap apart', async () => {
    const pacer = new SendPacer(LOCAL_TABLE);
    const start = Date.now();
    const slots = (
      await Promise.all(Array.from({ length: 40 }, () => pacer.reserve('run-pace', 1_000)))
    ).sort((a, b) => a - b);
    const gaps = slots.slice(1).map((slot, i) => slot - slots[i]!);
    // A gap long enough that the queue never empties while the slots are handed out.
    expect(new Set(gaps)).toEqual(new Set([1_000]));
    expect(slots[0]).toBeGreaterThanOrEqual(start);
  });

  it('restarts at the present after an idle spell instead of sending a backlog at once', async () => {
    const pacer = new SendPacer(LOCAL_TABLE);
    await pacer.reserve('run-idle', 10);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const later = Date.now();
    const [a, b] = await Promise.all([pacer.reserve('run-idle', 10), pacer.reserve('run-idle', 10)]);
    expect(Math.min(a, b)).toBeGreaterThanOrEqual(later);
    expect(Math.abs(a - b)).toBeGreaterThanOrEqual(10); // never closer than the gap
  });
});
