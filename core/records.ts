/**
 * The records a run leaves in its DynamoDB table, as plain data. Every number
 * in a report is computed from these.
 */
import type { Profile, ScenarioType } from './profile.js';

export type SessionStatus = 'planned' | 'sent' | 'ok' | 'failed' | 'timedOut';

export interface RunRecord {
  readonly runId: string;
  readonly profile: Profile;
  /** Epoch ms. */
  readonly startedAt: number;
  readonly finishedAt?: number;
}

export interface SessionRecord {
  readonly runId: string;
  readonly sessionId: string;
  readonly scenario: string;
  readonly scenarioType: ScenarioType;
  /** 0-based position within its scenario. */
  readonly index: number;
  /** coldWarm sessions: which phase the session belongs to. */
  readonly phase?: 'cold' | 'warm';
  readonly userId: string;
  readonly token: string;
  /** Correlation key that keyed markers carry. */
  readonly key: string;
  /** Epoch ms at which the plan says the trigger is due (absent until the scenario starts). */
  readonly scheduledAt?: number;
  /** Epoch ms just before the trigger call. */
  readonly sentAt?: number;
  /** Stage name -> epoch ms of the earliest event that matched it (the event's own timestamp). */
  readonly stages: Readonly<Record<string, number>>;
  /** Values captured from the stage markers that counted (`log.capture`): metric -> number. */
  readonly values?: Readonly<Record<string, number>>;
  readonly status: SessionStatus;
  /** Why a session failed, timed out, or what went wrong sending it. */
  readonly error?: string;
  /** The reason of the failure or rejection line that ended it (`build`, `dropped`, ...). */
  readonly failureReason?: string;
  /** With a user pool: when the session leased its user (epoch ms). */
  readonly leasedAt?: number;
  /** With a user pool: the first session of the run on its user (its workspace may have been set up for it). */
  readonly firstOnUser?: boolean;
}

/** One sample of the service's size, taken while load ran. */
export interface TaskCountSample {
  readonly at: number;
  readonly running: number;
  readonly desired: number;
  readonly pending: number;
}

/** A CloudWatch series as GetMetricData returned it (time ascending). */
export interface MetricSeries {
  readonly name: string;
  readonly unit: string;
  readonly points: readonly { readonly at: number; readonly value: number }[];
}
