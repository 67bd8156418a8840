/**
 * Seeded pseudo-random numbers. Every job, task and publisher gets its own
 * stream derived from the run seed and a stable name, so a job's latencies do
 * not depend on how jobs interleave: the same seed and the same emails give
 * the same draws.
 */

/** A source of uniform numbers in [0, 1). */
export type Rng = () => number;

/** Mulberry32: small, fast and good enough for latency draws. */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A stream for `name` under `seed` (FNV-1a over both). */
export function deriveRng(seed: number, name: string): Rng {
  let hash = 0x811c9dc5 ^ (seed >>> 0);
  for (const char of `${seed}:${name}`) {
    hash ^= char.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193);
  }
  return createRng(hash >>> 0);
}

/** A standard normal draw (Box-Muller). */
export function normal(rng: Rng): number {
  const u = Math.max(rng(), Number.EPSILON);
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** `length` lower-case hex characters, as in an ECS task id. */
export function hexId(rng: Rng, length: number): string {
  let id = '';
  while (id.length < length) id += Math.floor(rng() * 16).toString(16);
  return id;
}

/** `length` base-36 characters. */
export function base36Id(rng: Rng, length: number): string {
  let id = '';
  while (id.length < length) id += Math.floor(rng() * 36).toString(36);
  return id;
}
