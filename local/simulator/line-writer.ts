import { setTimeout as sleep } from 'node:timers/promises';
import { type Distribution, sampleMs } from './distribution.js';
import type { LineTruth } from './ground-truth.js';
import type { LogEvent } from './io.js';
import { formatLine } from './log-format.js';
import type { StreamWriter } from './log-writer.js';
import type { LogFormat, ModelLine } from './model.js';
import type { Rng } from './rng.js';
import { render, type TemplateValues } from './template.js';

export interface WriteLinesOptions {
  readonly writer: StreamWriter;
  readonly format: LogFormat;
  readonly lines: readonly ModelLine[];
  readonly values: TemplateValues;
  /** Draws the delay before a line (by its index). */
  readonly delay: (distribution: Distribution, index: number) => number;
  readonly signal?: AbortSignal | undefined;
  /** Start of the step, for `{durationMs}`. */
  readonly since?: number;
  /** Index of the marker line; -1 for none. */
  readonly markerIndex?: number;
  readonly step?: string;
}

/**
 * Writes model lines to a container's stream, each stamped when it is
 * written; lines without a delay share one put. Returns what was written.
 */
export async function writeLines(options: WriteLinesOptions): Promise<LineTruth[]> {
  const { writer, format, lines, values, signal } = options;
  const written: LineTruth[] = [];
  let batch: LogEvent[] = [];
  for (const [index, line] of lines.entries()) {
    const delay = line.delayMs === undefined ? 0 : options.delay(line.delayMs, index);
    if (delay > 0) {
      writer.write(batch);
      batch = [];
      await sleep(delay, undefined, signal ? { signal } : {});
    }
    const timestamp = Date.now();
    const text = render(line.text, { ...values, durationMs: timestamp - (options.since ?? timestamp) });
    // awslogs turns each output line into its own event.
    for (const message of formatLine(format, line, text, timestamp).split('\n'))
      batch.push({ timestamp, message });
    written.push({ step: options.step ?? '', timestamp, text, marker: index === options.markerIndex });
  }
  writer.write(batch);
  return written;
}

/** A delay drawer over a named random stream. */
export function delayFrom(rng: (purpose: string) => Rng, prefix: string) {
  return (distribution: Distribution, index: number) => sampleMs(distribution, rng(`${prefix}:${index}`));
}
