import { z } from 'zod';
import { normal, type Rng } from './rng.js';

/**
 * A latency (or any non-negative quantity) as the target model writes it:
 * - a number: always that value;
 * - `{min, max}`: uniform between the two;
 * - `{median, p95}`: log-normal with that median and 95th percentile, clamped
 *   to `[min ?? 0, max ?? the 99.95th percentile]` so one unlucky draw cannot
 *   stall a run.
 */
export const DistributionSchema = z.union(
  [
    z.number().min(0),
    z
      .strictObject({
        /** Lower bound (uniform form), or clamp floor (log-normal form). */
        min: z.number().min(0).optional(),
        /** Upper bound (uniform form), or clamp ceiling (log-normal form). */
        max: z.number().min(0).optional(),
        /** Median of the log-normal form. */
        median: z.number().positive().optional(),
        /** 95th percentile of the log-normal form; at least the median. */
        p95: z.number().positive().optional(),
      })
      .superRefine((value, ctx) => {
        const logNormal = value.median !== undefined || value.p95 !== undefined;
        if (logNormal) {
          if (value.median === undefined)
            ctx.addIssue({ code: 'custom', path: ['median'], message: 'is required with p95' });
          if (value.p95 === undefined)
            ctx.addIssue({ code: 'custom', path: ['p95'], message: 'is required with median' });
          if (value.median !== undefined && value.p95 !== undefined && value.p95 < value.median) {
            ctx.addIssue({ code: 'custom', path: ['p95'], message: `must be >= median, got ${value.p95}` });
          }
        } else {
          if (value.min === undefined)
            ctx.addIssue({ code: 'custom', path: ['min'], message: 'is required with max' });
          if (value.max === undefined)
            ctx.addIssue({ code: 'custom', path: ['max'], message: 'is required with min' });
        }
        if (value.min !== undefined && value.max !== undefined && value.max < value.min) {
          ctx.addIssue({ code: 'custom', path: ['max'], message: `must be >= min, got ${value.max}` });
        }
      }),
  ],
  { error: 'must be a number, {min, max} or {median, p95}' },
);

export type Distribution = z.infer<typeof DistributionSchema>;

/** z-score of the 95th percentile of a standard normal. */
const Z95 = 1.6448536;
/** z-score of the 99.95th percentile: the default log-normal ceiling. */
const Z9995 = 3.2905267;

/** One draw from `distribution` (never negative). */
export function sample(distribution: Distribution, rng: Rng): number {
  if (typeof distribution === 'number') return distribution;
  const { min, max, median, p95 } = distribution;
  if (median !== undefined && p95 !== undefined) {
    const mu = Math.log(median);
    const sigma = (Math.log(p95) - mu) / Z95;
    const value = Math.exp(mu + sigma * normal(rng));
    return clamp(value, min ?? 0, max ?? Math.exp(mu + sigma * Z9995));
  }
  const low = min ?? 0;
  return low + ((max ?? low) - low) * rng();
}

/** A draw rounded to whole milliseconds. */
export function sampleMs(distribution: Distribution, rng: Rng): number {
  return Math.round(sample(distribution, rng));
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), Math.max(low, high));
}
