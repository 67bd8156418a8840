import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LogEvent, LogSink } from '../../local/simulator/io.js';
import { StreamWriter } from '../../local/simulator/log-writer.js';

/** A sink that records each put (its time and events) as PutLogEvents would receive it. */
function recordingSink() {
  const puts: { at: number; events: LogEvent[] }[] = [];
  const sink: LogSink = {
    async put(_group, _stream, events) {
      puts.push({ at: Date.now(), events: [...events] });
    },
  };
  return { sink, puts };
}

const events = (from: number, n: number): LogEvent[] =>
  Array.from({ length: n }, (_, i) => ({ timestamp: Date.now(), message: `line ${from + i}` }));

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('StreamWriter publishing on a ticker (the awslogs driver)', () => {
  it('puts every write at once when publishMs is 0', async () => {
    const { sink, puts } = recordingSink();
    const writer = new StreamWriter(sink, 'g', 's', (e) => expect.fail(String(e)));
    writer.write(events(0, 2));
    writer.write(events(2, 1));
    await writer.flushed();
    expect(puts.map((p) => p.events.length)).toEqual([2, 1]);
  });

  it('puts the lines of one period together, at the next tick from the stream start', async () => {
    const { sink, puts } = recordingSink();
    const writer = new StreamWriter(sink, 'g', 's', (e) => expect.fail(String(e)), 5_000);
    await vi.advanceTimersByTimeAsync(1_200);
    writer.write(events(0, 2));
    await vi.advanceTimersByTimeAsync(1_000);
    writer.write(events(2, 3));
    expect(puts).toEqual([]);
    // The tick is 5 s after the stream started, not 5 s after the first line.
    await vi.advanceTimersByTimeAsync(2_800);
    expect(puts).toHaveLength(1);
    expect(puts[0]!.at).toBe(1_005_000);
    expect(puts[0]!.events.map((e) => e.message)).toEqual(['line 0', 'line 1', 'line 2', 'line 3', 'line 4']);
    // Nothing buffered: no put on the next tick.
    await vi.advanceTimersByTimeAsync(5_000);
    expect(puts).toHaveLength(1);
  });

  it('puts what is buffered when flushed (a job ends), without waiting for the tick', async () => {
    const { sink, puts } = recordingSink();
    const writer = new StreamWriter(sink, 'g', 's', (e) => expect.fail(String(e)), 5_000);
    writer.write(events(0, 1));
    await writer.flushed();
    expect(puts).toHaveLength(1);
    expect(puts[0]!.at).toBe(1_000_000);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(puts).toHaveLength(1);
  });

  it('never puts more than 10,000 events at once (the PutLogEvents limit)', async () => {
    const { sink, puts } = recordingSink();
    const writer = new StreamWriter(sink, 'g', 's', (e) => expect.fail(String(e)), 5_000);
    writer.write(events(0, 9_999));
    writer.write(events(9_999, 1));
    writer.write(events(10_000, 5));
    await writer.flushed();
    expect(puts.map((p) => p.events.length)).toEqual([10_000, 5]);
  });

  it('keeps every line, once and in order, whatever the writes, pauses and flushes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({ write: fc.integer({ min: 1, max: 5 }) }),
            fc.record({ wait: fc.integer({ min: 0, max: 12_000 }) }),
            fc.constant({ flush: true as const }),
          ),
          { maxLength: 30 },
        ),
        fc.integer({ min: 0, max: 6_000 }),
        async (steps, publishMs) => {
          const { sink, puts } = recordingSink();
          const writer = new StreamWriter(sink, 'g', 's', (e) => expect.fail(String(e)), publishMs);
          let written = 0;
          for (const step of steps) {
            if ('write' in step) {
              writer.write(events(written, step.write));
              written += step.write;
            } else if ('wait' in step) await vi.advanceTimersByTimeAsync(step.wait);
            else await writer.flushed();
          }
          await writer.flushed();
          const lines = puts.flatMap((p) => p.events.map((e) => e.message));
          expect(lines).toEqual(Array.from({ length: written }, (_, i) => `line ${i}`));
          // No put is empty.
          expect(puts.every((p) => p.events.length > 0)).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  });
});
