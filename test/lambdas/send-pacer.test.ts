import { describe, expect, it } from 'vitest';
import { dynamo } from '../../lambdas/shared/clients.js';
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

  it('takes at most three writes per slot when the gap is shorter than a round trip', async () => {
    const pacer = new SendPacer(LOCAL_TABLE);
    let writes = 0;
    const name = 'countPacerWrites';
    dynamo().middlewareStack.add(
      (next) => (args) => {
        writes++;
        return next(args);
      },
      { step: 'initialize', name },
    );
    try {
      // 1 ms apart, less than a request to the table takes: a caller that loses the queue's restart
      // appends to the queue instead of restarting it again (one slot per round trip for everyone).
      const slots = (await Promise.all(Array.from({ length: 100 }, () => pacer.reserve('run-fast', 1)))).sort(
        (a, b) => a - b,
      );
      const gaps = slots.slice(1).map((slot, i) => slot - slots[i]!);
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1);
      expect(writes).toBeLessThanOrEqual(3 * 100);
    } finally {
      dynamo().middlewareStack.remove(name);
    }
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
