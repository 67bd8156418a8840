/**
 * report.json: the documented contract of a finished run (see docs/report.md).
 * All durations and times are milliseconds (times: epoch ms).
 */
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
  /**
   * Subscription batches the collector failed on (after Lambda's retries) whose
   * events fall in the run: their stage times may be missing. Absent: none.
   */
  readonly lostBatches?: readonly LostBatch[];
  /** Set when the run was cut short (an emulator died, the CLI was stopped): the figures cover what was recorded. */
  readonly partial?: { readonly reason: string };
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
