/**
 * report.json: the documented contract of a finished run (see docs/report.md).
 * All durations and times are milliseconds (times: epoch ms).
 */

import type { HarnessUsage } from './harness-usage.js';
import type { LimitReport } from './limit-report.js';
import type { ScenarioType } from './profile.js';
import type { MetricSeries, SessionStatus, TaskCountSample } from './records.js';

export interface Summary {
  readonly count: number;
  readonly min: number;
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
  readonly mean: number;
  /** 95 % distribution-free confidence interval of p95 (order statistics); absent when n is too small (< 72). */
  readonly p95Interval?: Interval;
}

/** A confidence interval: [low, high] are measured values; confidence is a fraction (0.95). */
export interface Interval {
  readonly low: number;
  readonly high: number;
  readonly confidence: number;
}

export interface SessionCounts {
  readonly planned: number;
  readonly ok: number;
  readonly failed: number;
  readonly timedOut: number;
  /** Still `planned` or `sent` when the report was written: neither ok nor failed, and not ok for the success rate. */
  readonly unfinished: number;
  /**
   * Failed sessions by the reason of the failure or rejection line that ended
   * them (`build`, `push`, `dropped`, ...); `other` for a failure no line
   * explains (e.g. the trigger could not send). Sums to `failed`.
   */
  readonly failedBy: Readonly<Record<string, number>>;
}

/** Figures of a set of sessions: one scenario, or the whole run (`Report.overall`). */
export interface AggregateReport {
  readonly sessions: SessionCounts;
  /** ok / planned, in [0, 1]; 0 when nothing was planned. */
  readonly successRate: number;
  /** Stage name -> summary of its segment durations (this stage's time minus the previous stage's; the first stage minus sentAt). */
  readonly stages: Readonly<Record<string, Summary | null>>;
  /** Last stage minus scheduledAt: includes any lateness of the harness. */
  readonly total: Summary | null;
  /** sentAt minus scheduledAt. */
  readonly lateness: Summary | null;
  /** Captured values (`log.capture`), metric -> summary over the sessions that have one (absent: the profile captures none). */
  readonly values?: Readonly<Record<string, Summary | null>>;
}

export interface ScenarioReport extends AggregateReport {
  readonly name: string;
  readonly type: ScenarioType;
  /** coldWarm only: the same figures for each phase, and each stage's share of the cold-start penalty. */
  readonly phases?: {
    readonly cold: PhaseReport;
    readonly warm: PhaseReport;
    /** Stage name -> (cold p50 - warm p50) / (cold total p50 - warm total p50); null when not computable. */
    readonly coldStartShare: Readonly<Record<string, number | null>>;
  };
}

export interface PhaseReport {
  readonly sessions: SessionCounts;
  readonly stages: Readonly<Record<string, Summary | null>>;
  readonly total: Summary | null;
}

export interface SessionReport {
  readonly sessionId: string;
  readonly scenario: string;
  readonly phase?: 'cold' | 'warm';
  readonly userId: string;
  readonly scheduledAt: number | null;
  readonly sentAt: number | null;
  /** Stage name -> epoch ms of the event. */
  readonly stages: Readonly<Record<string, number>>;
  /** Stage name -> this session's segment (ms), over the stages its scenario requires. */
  readonly segments: Readonly<Record<string, number>>;
  /** Last required stage minus scheduledAt (ms); null when not reached. */
  readonly total: number | null;
  /** sentAt minus scheduledAt (ms). */
  readonly lateness: number | null;
  readonly status: SessionStatus;
  readonly error?: string;
  /** Values captured from its stage markers (`log.capture`): metric -> number. */
  readonly values?: Readonly<Record<string, number>>;
  /** The reason of the failure or rejection line that ended the session. */
  readonly failureReason?: string;
  /** With a user pool: the first session of the run on its user (it may have paid for setting up the workspace). */
  readonly firstOnUser?: boolean;
  /** What the session left in the target (`target.artifacts` whose stage it reached), `kind name`. */
  readonly artifacts?: readonly string[];
}

/**
 * How a stage is observed and what its segment measures: a log marker's
 * segment runs from the previous log stage (ms precision); an S3 stage is a
 * milestone measured from the send (S3's LastModified has whole seconds, so it
 * stays out of the chain of log segments rather than skewing its neighbours).
 */
export interface StageInfo {
  readonly name: string;
  readonly source: 'log' | 's3';
  readonly measuredFrom: 'previous' | 'sent';
}

export interface ThresholdReport {
  readonly metric: string;
  readonly scenario: string | null;
  readonly condition: string;
  /** The measured value the condition was checked against (ms, or a fraction for rate); null when there was no data. */
  readonly actual: number | null;
  /** How many values `actual` was computed from (sessions planned, for `success`). */
  readonly count: number;
  readonly ok: boolean;
  /** Why the threshold could not be evaluated, when it could not. */
  readonly error?: string;
}

export interface ResourcesReport {
  readonly cluster: string;
  readonly service: string;
  readonly cpu: SeriesReport | null;
  readonly memory: SeriesReport | null;
  readonly tasks: {
    readonly samples: readonly TaskCountSample[];
    readonly average: number;
    readonly max: number;
  } | null;
}

export interface SeriesReport extends MetricSeries {
  readonly average: number;
  readonly max: number;
}

/** A change the run made to the target, and whether it set it back (see docs/report.md). */
export interface TargetChange {
  /** `ecsDesiredCount`: a coldWarm scenario's scaling of the ECS service. */
  readonly kind: 'ecsDesiredCount';
  /** `cluster/service`. */
  readonly resource: string;
  /** The scenario that made the change. */
  readonly scenario: string;
  /** The value found before the first change. */
  readonly before: number;
  /** The value the run set (the last one it set before restoring). */
  readonly after: number;
  /** Whether the run set `before` back. */
  readonly restored: boolean;
}

export interface Report {
  readonly runId: string;
  readonly profile: string;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly verdict: 'pass' | 'fail';
  readonly stageNames: readonly string[];
  /** One entry per stage, in pipeline order. */
  readonly stageInfo: readonly StageInfo[];
  readonly scenarios: readonly ScenarioReport[];
  /** All sessions of the run together (what thresholds without a scenario are checked against). */
  readonly overall: AggregateReport;
  readonly sessions: readonly SessionReport[];
  readonly thresholds: readonly ThresholdReport[];
  readonly resources: ResourcesReport | null;
  /** One per limit scenario: each step's figures and verdict, the measured limit, the stage that degraded (absent: none). */
  readonly limits?: readonly LimitReport[];
  /** What the run changed on the target, in order; empty when it changed nothing. */
  readonly targetChanges: readonly TargetChange[];
  /** The values the profile captures from marker lines, with their stage and unit (absent: none). */
  readonly captures?: readonly { readonly metric: string; readonly stage: string; readonly unit: string }[];
  /** What the run's sessions left in the target, by kind (`target.artifacts`), to clean up. */
  readonly artifacts?: readonly ArtifactSummary[];
  /** What the run cost: the harness's AWS usage at list prices, plus the target's captured cost when there is one. */
  readonly cost?: CostReport;
  /**
   * Subscription batches the collector failed on (after Lambda's retries) whose
   * events fall in the run: their stage times may be missing. Absent: none.
   */
  readonly lostBatches?: readonly LostBatch[];
  /** Set when the run was cut short (Ctrl-C, an emulator died, the CLI was stopped): the figures cover what was recorded by then. */
  readonly partial?: { readonly reason: string };
}

/** One line of the cost estimate: quantity × unit price = amount (USD). */
export interface CostItem {
  readonly service: string;
  readonly what: string;
  readonly quantity: number;
  readonly unitPrice: number;
  readonly amount: number;
}

/** What the target itself spent on the run's sessions, as its own markers reported it. */
export interface TargetCost {
  readonly total: number;
  /** Where the figure comes from, e.g. the captured metric's name. */
  readonly source: string;
  /** Sessions whose cost was captured. */
  readonly sessions: number;
}

export interface CostReport {
  readonly currency: string;
  /** The region of the price table (core/prices.ts). */
  readonly region: string;
  /** When the price table's list prices were read. */
  readonly pricesAsOf: string;
  /** The harness's own AWS usage: an estimate from what the run did. */
  readonly harness: { readonly total: number; readonly items: readonly CostItem[] };
  /** The target's captured cost; null when the run captured none. */
  readonly target: TargetCost | null;
  /** harness + target (harness alone when the target's cost was not captured). */
  readonly total: number;
  /** The cost model's prediction for the profile, from the state machine's definition (core/harness-cost-model.ts). */
  readonly predicted?: HarnessFigures & { readonly assumptions: readonly string[] };
  /** What the run was counted to use, priced: `source` says how it was counted, `notMeasured` what it leaves out. */
  readonly measured?: HarnessFigures & {
    readonly source: string;
    readonly notMeasured: readonly string[];
    /** Per handler: its invocations and the seconds they ran, as counted. */
    readonly byHandler?: Readonly<Record<string, Readonly<Record<string, number>>>>;
    /** Quantities of `counts` that were not measured: their 0 is no measurement (reasons in `notMeasured`). */
    readonly unmeasured?: readonly (keyof HarnessUsage)[];
    /** Quantities of `counts` derived from measured ones, not measured themselves: how each was derived. */
    readonly estimated?: Readonly<Partial<Record<keyof HarnessUsage, string>>>;
  };
}

/** A harness cost, predicted or measured: its priced lines, total, and per 1,000 sessions. */
export interface HarnessFigures {
  /** The billable quantities, before pricing (Lambda per handler). */
  readonly counts: HarnessUsage;
  readonly items: readonly CostItem[];
  readonly total: number;
  readonly sessions: number;
  readonly perThousandSessions: number;
}

/** One kind of thing the sessions left in the target. */
export interface ArtifactSummary {
  readonly kind: string;
  /** Distinct names, sorted. */
  readonly names: readonly string[];
}

/** A log batch that went to the lost-batches queue instead of being processed. */
export interface LostBatch {
  readonly logGroup: string;
  readonly logStream: string;
  /** Timestamps of its first and last events (epoch ms). */
  readonly firstAt: number;
  readonly lastAt: number;
  readonly events: number;
  /** Why the collector failed on it. */
  readonly reason: string;
}
