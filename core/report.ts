/**
 * Builds report.json from the raw records of a run. Definitions (also in
 * docs/report.md):
 *
 * - A session is `ok`, `failed` or `timedOut` per its record's status. A
 *   session still `planned` or `sent` when the report is written is counted as
 *   `unfinished`: it neither succeeded nor was seen to fail, and it is not ok
 *   for the success rate (ok / planned).
 * - A stage's value for a session is its **segment**: a log stage's timestamp
 *   minus the previous log stage's, over the stages the session's scenario
 *   requires, in profile order (the first: minus `sentAt`). An S3 stage is a
 *   milestone: its timestamp minus `sentAt`, and it does not break the chain
 *   (S3's LastModified has whole seconds; in the chain it would skew both
 *   neighbours by up to a second). When either timestamp is missing the
 *   segment is not computed for that session; a gap is never bridged.
 *   Segments are kept as measured, even negative (clocks can disagree).
 * - `total` = last stage timestamp minus `scheduledAt`, for sessions that
 *   reached the last stage: lateness of the harness counts against latency.
 * - `lateness` = `sentAt` minus `scheduledAt`.
 * - Every session contributes every value it has, whatever its status: late
 *   markers are kept; `n` beside each figure says how many sessions it holds.
 * - Percentiles are nearest-rank over the raw values (core/percentiles.ts);
 *   nothing is an average of percentiles.
 */

import { type Capture, profileCaptures } from './captures.js';
import { reportCost } from './cost.js';
import { renderTemplate, sessionTemplateValues } from './identity.js';
import { summarize } from './percentiles.js';
import { type Profile, requiredStages, type Scenario, scenarioName } from './profile.js';
import type { MetricSeries, RunRecord, SessionRecord, TaskCountSample } from './records.js';
import type {
  AggregateReport,
  ArtifactSummary,
  PhaseReport,
  Report,
  ResourcesReport,
  ScenarioReport,
  SeriesReport,
  SessionCounts,
  SessionReport,
  StageInfo,
  Summary,
  TargetChange,
  TargetCost,
} from './report-model.js';
import { evaluateThreshold } from './threshold-verdict.js';

export interface ReportInput {
  readonly run: RunRecord;
  readonly sessions: readonly SessionRecord[];
  readonly taskSamples: readonly TaskCountSample[];
  readonly cpu: MetricSeries | null;
  readonly memory: MetricSeries | null;
  /** Epoch ms. */
  readonly finishedAt: number;
  /** What the run changed on the target (none when absent). */
  readonly targetChanges?: readonly TargetChange[];
  /** Set when the run was cut short (interrupted, an emulator died): the report holds what was recorded by then. */
  readonly partial?: { readonly reason: string };
  /**
   * What the target spent, when the run captured it from the target's markers
   * (hook for captured marker values; absent until a profile captures cost).
   */
  readonly targetCost?: TargetCost | null;
}

/** The times a session's figures are computed from (a SessionRecord or a SessionReport). */
export interface TimedSession {
  readonly scheduledAt?: number | null | undefined;
  readonly sentAt?: number | null | undefined;
  readonly stages: Readonly<Record<string, number>>;
}

/** One session's own figures, in ms; a figure it lacks the timestamps for is absent or null. */
export interface SessionTimings {
  readonly segments: Readonly<Record<string, number>>;
  readonly total: number | null;
  readonly lateness: number | null;
}

/** A session's segments, total and lateness, by the definitions above. */
export function sessionTimings(session: TimedSession, stages: readonly StageInfo[]): SessionTimings {
  const stageNames = stages.map((s) => s.name);
  const milestones = new Set(stages.filter((s) => s.measuredFrom === 'sent').map((s) => s.name));
  const at = (name: string): number | undefined => {
    const value = Object.hasOwn(session.stages, name) ? session.stages[name] : undefined;
    return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  };
  const scheduledAt = session.scheduledAt ?? undefined;
  const sentAt = session.sentAt ?? undefined;
  const segments: Record<string, number> = {};
  let previous = sentAt;
  for (const name of stageNames) {
    const current = at(name);
    if (milestones.has(name)) {
      if (current !== undefined && sentAt !== undefined) segments[name] = current - sentAt;
      continue;
    }
    if (current !== undefined && previous !== undefined) segments[name] = current - previous;
    previous = current;
  }
  const last = stageNames.length > 0 ? at(stageNames.at(-1)!) : undefined;
  return {
    segments,
    total: last !== undefined && scheduledAt !== undefined ? last - scheduledAt : null,
    lateness: sentAt !== undefined && scheduledAt !== undefined ? sentAt - scheduledAt : null,
  };
}

type ScenarioRef = { readonly name: string; readonly type: Scenario['type'] };

interface Timed {
  readonly record: SessionRecord;
  readonly timings: SessionTimings;
}

export function buildReport(input: ReportInput): Report {
  const { run } = input;
  const { profile } = run;
  const stageNames = profile.target.stages.map((stage) => stage.name);
  const info = stageInfo(profile);
  const order = scenarioOrder(profile, input.sessions);
  const position = new Map(order.map((s, i) => [s.name, i]));
  const rank = (record: SessionRecord): number => position.get(record.scenario) ?? order.length;
  const records = [...input.sessions].sort(
    (a, b) => rank(a) - rank(b) || a.index - b.index || a.sessionId.localeCompare(b.sessionId),
  );
  // Each session is timed over the stages its scenario requires: a left-out stage is not a gap.
  const timed: Timed[] = records.map((record) => ({
    record,
    timings: sessionTimings(record, requiredOf(info, requiredStages(profile, record.scenario))),
  }));

  const captures = profileCaptures(profile);
  const metrics = captures.map((c) => c.metric);
  const scenarios = order.map(({ name, type }): ScenarioReport => {
    const own = timed.filter((t) => t.record.scenario === name);
    const report: ScenarioReport = { name, type, ...aggregate(own, stageNames, metrics) };
    return type === 'coldWarm' ? { ...report, phases: phases(own, stageNames, info) } : report;
  });
  const thresholds = profile.thresholds.map((threshold) => {
    const scope =
      threshold.scenario === undefined
        ? timed
        : timed.filter((t) => t.record.scenario === threshold.scenario);
    const counts = countSessions(scope.map((t) => t.record));
    return evaluateThreshold(threshold, { values: (metric) => values(scope, metric), ...counts });
  });
  const report: Report = {
    runId: run.runId,
    profile: profile.name,
    startedAt: run.startedAt,
    finishedAt: input.finishedAt,
    verdict: thresholds.every((t) => t.ok) ? 'pass' : 'fail',
    stageNames,
    stageInfo: info,
    scenarios,
    overall: aggregate(timed, stageNames, metrics),
    sessions: timed.map((t) => withArtifacts(sessionReport(t), profile, run.runId, t.record)),
    thresholds,
    resources: profile.scenarios.some((s) => s.type === 'resources') ? resources(profile, input) : null,
    targetChanges: (input.targetChanges ?? []).map(
      ({ kind, resource, scenario, before, after, restored }) => ({
        kind,
        resource,
        scenario,
        before,
        after,
        restored,
      }),
    ),
    ...(input.partial ? { partial: input.partial } : {}),
  };
  const artifacts = summarizeArtifacts(report.sessions);
  return {
    ...report,
    ...(artifacts.length > 0 ? { artifacts } : {}),
    ...(captures.length > 0 ? { captures } : {}),
    cost: reportCost(report, profile, {
      metricsRead: (input.cpu?.points.length ?? 0) + (input.memory?.points.length ?? 0),
      target: input.targetCost ?? capturedCost(captures, records),
    }),
  };
}

/** Load scenarios in profile order, then any scenario that has sessions but is not in the profile (nothing is dropped). */
function scenarioOrder(profile: Profile, sessions: readonly SessionRecord[]): ScenarioRef[] {
  const order: ScenarioRef[] = profile.scenarios
    .filter((s) => s.type !== 'resources')
    .map((s) => ({ name: scenarioName(s), type: s.type }));
  for (const { scenario, scenarioType } of sessions) {
    if (!order.some((s) => s.name === scenario)) order.push({ name: scenario, type: scenarioType });
  }
  return order;
}

export function countSessions(records: readonly SessionRecord[]): SessionCounts {
  const counts = { planned: records.length, ok: 0, failed: 0, timedOut: 0, unfinished: 0 };
  const failedBy: Record<string, number> = {};
  for (const { status, failureReason } of records) {
    if (status === 'ok') counts.ok += 1;
    else if (status === 'failed') {
      counts.failed += 1;
      const reason = failureReason ?? 'other';
      failedBy[reason] = (failedBy[reason] ?? 0) + 1;
    } else if (status === 'timedOut') counts.timedOut += 1;
    else counts.unfinished += 1;
  }
  return { ...counts, failedBy };
}

function aggregate(
  timed: readonly Timed[],
  stageNames: readonly string[],
  metrics: readonly string[] = [],
): AggregateReport {
  const sessions = countSessions(timed.map((t) => t.record));
  return {
    sessions,
    successRate: sessions.planned === 0 ? 0 : sessions.ok / sessions.planned,
    stages: stageSummaries(timed, stageNames),
    total: summarize(values(timed, 'total')),
    lateness: summarize(values(timed, 'lateness')),
    ...(metrics.length > 0
      ? { values: Object.fromEntries(metrics.map((m) => [m, summarize(values(timed, m))])) }
      : {}),
  };
}

function stageSummaries(
  timed: readonly Timed[],
  stageNames: readonly string[],
): Record<string, Summary | null> {
  return Object.fromEntries(stageNames.map((name) => [name, summarize(values(timed, name))]));
}

/** The raw values of one metric (`total`, `lateness`, a stage name or a captured value) over some sessions. */
function values(timed: readonly Timed[], metric: string): number[] {
  const out: number[] = [];
  for (const { record, timings } of timed) {
    const value =
      metric === 'total'
        ? timings.total
        : metric === 'lateness'
          ? timings.lateness
          : Object.hasOwn(timings.segments, metric)
            ? timings.segments[metric]
            : record.values?.[metric];
    if (typeof value === 'number') out.push(value);
  }
  return out;
}

function phases(
  timed: readonly Timed[],
  stageNames: readonly string[],
  info: readonly StageInfo[],
): NonNullable<ScenarioReport['phases']> {
  // A milestone (an S3 stage, measured from the send) overlaps the segments: it has no share of its own.
  const milestones = new Set(info.filter((s) => s.measuredFrom === 'sent').map((s) => s.name));
  const phase = (which: 'cold' | 'warm'): PhaseReport => {
    const own = timed.filter((t) => t.record.phase === which);
    return {
      sessions: countSessions(own.map((t) => t.record)),
      stages: stageSummaries(own, stageNames),
      total: summarize(values(own, 'total')),
    };
  };
  const cold = phase('cold');
  const warm = phase('warm');
  const penalty =
    cold.total && warm.total && cold.total.p50 !== warm.total.p50 ? cold.total.p50 - warm.total.p50 : null;
  const coldStartShare = Object.fromEntries(
    stageNames.map((name) => {
      const c = cold.stages[name];
      const w = warm.stages[name];
      return [name, penalty !== null && c && w && !milestones.has(name) ? (c.p50 - w.p50) / penalty : null];
    }),
  );
  return { cold, warm, coldStartShare };
}

/** Each stage's source and reference point (see the definitions above). */
export function stageInfo(profile: Pick<Profile, 'target'>): StageInfo[] {
  return profile.target.stages.map((stage) =>
    'log' in stage
      ? { name: stage.name, source: 'log', measuredFrom: 'previous' }
      : { name: stage.name, source: 's3', measuredFrom: 'sent' },
  );
}

function requiredOf(info: readonly StageInfo[], names: readonly string[]): StageInfo[] {
  return info.filter((s) => names.includes(s.name));
}

function sessionReport({ record, timings }: Timed): SessionReport {
  return {
    sessionId: record.sessionId,
    scenario: record.scenario,
    ...(record.phase ? { phase: record.phase } : {}),
    userId: record.userId,
    scheduledAt: record.scheduledAt ?? null,
    sentAt: record.sentAt ?? null,
    stages: { ...record.stages },
    segments: timings.segments,
    total: timings.total,
    lateness: timings.lateness,
    status: record.status,
    ...(record.error !== undefined ? { error: record.error } : {}),
    ...(record.values !== undefined ? { values: { ...record.values } } : {}),
    ...(record.status === 'failed' && record.failureReason !== undefined
      ? { failureReason: record.failureReason }
      : {}),
    ...(record.firstOnUser !== undefined ? { firstOnUser: record.firstOnUser } : {}),
  };
}

function resources(profile: Profile, input: ReportInput): ResourcesReport {
  const running = input.taskSamples.map((s) => s.running);
  return {
    cluster: profile.target.ecs?.cluster ?? '',
    service: profile.target.ecs?.service ?? '',
    cpu: seriesReport(input.cpu),
    memory: seriesReport(input.memory),
    tasks:
      running.length === 0
        ? null
        : {
            samples: [...input.taskSamples],
            average: plainMean(running),
            max: running.reduce((a, b) => Math.max(a, b)),
          },
  };
}

/** Average and max of a series' points (each point is already a CloudWatch period statistic). */
function seriesReport(series: MetricSeries | null): SeriesReport | null {
  if (!series || series.points.length === 0) return null;
  const points = series.points.map((p) => p.value);
  return {
    name: series.name,
    unit: series.unit,
    points: series.points,
    average: plainMean(points),
    max: points.reduce((a, b) => Math.max(a, b)),
  };
}

function plainMean(numbers: readonly number[]): number {
  return numbers.reduce((a, b) => a + b, 0) / numbers.length;
}

/** The session's artifacts: each of `target.artifacts` whose stage it reached, with its name rendered. */
function withArtifacts(
  session: SessionReport,
  profile: Profile,
  runId: string,
  record: SessionRecord,
): SessionReport {
  const left = profile.target.artifacts
    .filter((a) => record.stages[a.stage] !== undefined)
    .map((a) => `${a.kind} ${renderTemplate(a.name, sessionTemplateValues(runId, record))}`);
  return left.length > 0 ? { ...session, artifacts: left } : session;
}

function summarizeArtifacts(sessions: readonly SessionReport[]): ArtifactSummary[] {
  const byKind = new Map<string, Set<string>>();
  for (const artifact of sessions.flatMap((s) => s.artifacts ?? [])) {
    const [kind = '', ...rest] = artifact.split(' ');
    byKind.set(kind, (byKind.get(kind) ?? new Set()).add(rest.join(' ')));
  }
  return [...byKind].map(([kind, names]) => ({ kind, names: [...names].sort() }));
}

/** What the target spent, from captured values in US dollars (e.g. Claude's `Cost: $…`); null when none. */
function capturedCost(captures: readonly Capture[], records: readonly SessionRecord[]): TargetCost | null {
  const usd = captures.filter((c) => c.unit === 'usd').map((c) => c.metric);
  if (usd.length === 0) return null;
  let total = 0;
  let sessions = 0;
  for (const record of records) {
    const spent = usd.map((m) => record.values?.[m]).filter((v): v is number => v !== undefined);
    if (spent.length === 0) continue;
    sessions += 1;
    total += spent.reduce((a, b) => a + b, 0);
  }
  return sessions > 0 ? { total, source: usd.join(' + '), sessions } : null;
}
