/**
 * What every benchmark shares: the shape of a result, repeated timing, heap
 * measurement and seeded data. Targets live here with the figures, never in
 * unit tests (see docs/benchmarks.md).
 */

/** A bound a figure must meet; `info` figures have none. */
export interface Target {
  readonly op: '>=' | '<=';
  readonly value: number;
}

/** The raw samples behind a figure, summarized (values kept: they are few). */
export interface SampleSummary {
  readonly n: number;
  readonly min: number;
  readonly median: number;
  readonly mean: number;
  readonly max: number;
  readonly values: readonly number[];
}

export interface Figure {
  /** Stable machine name within the benchmark (`events-per-second`). */
  readonly key: string;
  /** What the figure is, for the table (`observe() events/s, median of 7`). */
  readonly what: string;
  readonly value: number;
  readonly unit: string;
  /** Absent: the figure is context (it is printed but cannot fail). */
  readonly target?: Target;
  readonly samples?: SampleSummary;
}

export interface Benchmark {
  readonly name: string;
  /** One line: what is measured. */
  readonly description: string;
  run(): Promise<Figure[]>;
}

export type Verdict = 'pass' | 'FAIL' | 'info';

export function verdictOf(figure: Pick<Figure, 'value' | 'target'>): Verdict {
  if (!figure.target) return 'info';
  const { op, value } = figure.target;
  const ok = op === '>=' ? figure.value >= value : figure.value <= value;
  return ok ? 'pass' : 'FAIL';
}

export function summarizeSamples(values: readonly number[]): SampleSummary {
  if (values.length === 0) throw new RangeError('summarizeSamples: no samples');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return {
    n: sorted.length,
    min: round(sorted[0]!, 3),
    median: round(median, 3),
    mean: round(sorted.reduce((a, b) => a + b, 0) / sorted.length, 3),
    max: round(sorted.at(-1)!, 3),
    values: values.map((v) => round(v, 3)),
  };
}

/** Wall time of `fn` in ms, `repetitions` times after `warmup` untimed runs (the JIT settles first). */
export async function timeRepeated(
  repetitions: number,
  fn: () => unknown,
  warmup = 1,
): Promise<{ ms: number[] }> {
  for (let i = 0; i < warmup; i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < repetitions; i++) {
    collectGarbage();
    const start = performance.now();
    await fn();
    ms.push(performance.now() - start);
  }
  return { ms };
}

/** Where heapOf keeps the result alive through the collection (a local could be optimized away). */
const holder: { result?: unknown } = {};

/**
 * Heap used by one call of `make`, from a collected heap: `growth` as the call
 * returns (garbage included: a floor on its peak, since collections during the
 * call are not seen), `retained` after a full collection with the result
 * still held (what the result costs to keep).
 */
export function heapOf(make: () => unknown): { growth: number; retained: number } {
  collectGarbage();
  const before = process.memoryUsage().heapUsed;
  holder.result = make();
  const growth = process.memoryUsage().heapUsed - before;
  collectGarbage();
  const retained = process.memoryUsage().heapUsed - before;
  holder.result = undefined;
  return { growth, retained };
}

/** A full collection (the runner starts each benchmark with --expose-gc). */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('benchmarks need --expose-gc: run them with `npm run bench`');
  gc();
}

/** A log-normal draw (median, p95) in whole ms: latencies are skewed, not uniform. */
export function latencyMs(random: () => number, median: number, p95: number): number {
  const sigma = (Math.log(p95) - Math.log(median)) / 1.6448536;
  const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Math.max(1, Math.round(median * Math.exp(sigma * normal)));
}

export function round(value: number, digits = 0): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

export const MIB = 1024 * 1024;
