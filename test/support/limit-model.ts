/**
 * What a target model implies for a limit scenario of bursts judged by a
 * total p95 threshold, from the model's latency bounds alone (no run): with a
 * fixed pool of N containers (no scaling), a burst of at most N gives every
 * session its own container, so its total is at most one job; a larger burst
 * makes at least one session wait for a whole job first. When the threshold
 * lies between the two (with room for the harness's lateness on the passing
 * side), the limit is the largest burst <= N.
 */
import type { Distribution } from '../../local/simulator/distribution.js';
import type { TargetModel } from '../../local/simulator/model.js';

function bound(d: Distribution, side: 'min' | 'max'): number {
  if (typeof d === 'number') return d;
  const value = d[side];
  if (value === undefined || d.median !== undefined)
    throw new Error('the limit model must use {min, max} (uniform) latencies');
  return value;
}

/** Email sent -> the job's last marker, when a container is free at once: the largest it can be. */
export function soloJobMaxMs(model: TargetModel): number {
  const lines = model.steps
    .flatMap((s) => s.lines)
    .reduce((sum, l) => sum + (l.delayMs ? bound(l.delayMs, 'max') : 0), 0);
  return (
    model.intake.pollMs +
    bound(model.intake.delayMs, 'max') +
    bound(model.lanes.claimMs, 'max') +
    bound(model.workspace.setupMs, 'max') +
    model.steps.reduce((sum, s) => sum + bound(s.latencyMs, 'max'), 0) +
    lines
  );
}

/** Email sent -> the last marker of a job that waited for another whole job first: the least it can be. */
export function queuedJobMinMs(model: TargetModel): number {
  const job =
    bound(model.lanes.claimMs, 'min') +
    bound(model.workspace.setupMs, 'min') +
    model.steps.reduce((sum, s) => sum + bound(s.latencyMs, 'min'), 0);
  return bound(model.intake.delayMs, 'min') + 2 * job;
}

export interface ImpliedLimit {
  readonly containers: number;
  readonly soloMaxMs: number;
  readonly queuedMinMs: number;
  /** The largest burst <= containers; null when even the first is larger. */
  readonly limit: number | null;
}

/**
 * The limit the model implies for `bursts` judged by `total p(95) < thresholdMs`,
 * leaving `latenessMs` for the harness on the passing side. Throws when the
 * threshold does not separate one job from two (the model cannot imply a limit).
 */
export function impliedLimit(
  model: TargetModel,
  bursts: readonly number[],
  thresholdMs: number,
  latenessMs: number,
): ImpliedLimit {
  if (model.ecs.scaleFromZero) throw new Error('the limit model must not scale (no scaleFromZero)');
  if ((model.lanes.claimWhileBusy?.share ?? 0) > 0) throw new Error('busy containers must not claim lanes');
  if (model.faults.some((f) => f.rate > 0)) throw new Error('the limit model must inject no faults');
  const containers = model.ecs.initialDesiredCount;
  const soloMaxMs = soloJobMaxMs(model);
  const queuedMinMs = queuedJobMinMs(model);
  if (soloMaxMs + latenessMs >= thresholdMs || queuedMinMs < thresholdMs) {
    throw new Error(
      `threshold ${thresholdMs} ms does not separate one job (<= ${soloMaxMs} ms + ${latenessMs} ms lateness) from a queued one (>= ${queuedMinMs} ms)`,
    );
  }
  const fitting = bursts.filter((b) => b <= containers);
  return { containers, soloMaxMs, queuedMinMs, limit: fitting.length > 0 ? Math.max(...fitting) : null };
}
