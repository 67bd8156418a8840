import type { CostAssumptions, ObserverWindow } from './harness-assumptions.js';
import { FIXED_HARNESS_QUERIES, HARNESS_QUERIES_PER_HANDLER } from './harness-metrics.js';
import { type HarnessUsage, NO_USAGE } from './harness-usage.js';
import type { RunScenario } from './limit-steps.js';
import { pacedSendRate, scenarioSessions } from './observer-window.js';
import { isLogStage, type Profile } from './profile.js';

/**
 * DynamoDB, SES, S3 and CloudWatch requests per invocation, read off the
 * handlers (each GetItem/Query page counted as one read unit, each write as
 * one write unit: items under 1 KB, strongly consistent reads rounded up), and
 * checked against the units a local run counts (`measured.counts` of its
 * report): contended conditional writes that lose are billed too.
 */
export const HANDLER_CALLS = {
  /**
   * lambdas/trigger.ts: getRun, getSession, getScenario; markSent, send budget;
   * the pacer's slot when SES is paced (lambdas/shared/send-pacer.ts: a
   * conditional increment that fails when the last slot is past, then a
   * conditional reset that sessions due at once race for; failed conditional
   * writes are billed: about 4 units a send, measured locally).
   */
  trigger: { reads: 3, writes: 2, pacedWrites: 4, poolWrites: 2 },
  /** lambdas/await.ts: getRun; setTaskToken. */
  await: { reads: 1, writes: 1 },
  /** lambdas/finalize.ts: getRun, getSession; finalize; the user lease back (user pool). */
  finalize: { reads: 2, writes: 1, poolWrites: 1 },
  /**
   * lambdas/collector.ts per delivered batch: the active runs (cached), the
   * stream binding and the stage's conditional writes (docs/internals.md
   * "Stream attribution": about 2 requests a batch; 0.5 read and 1.5 write
   * units measured locally).
   */
  collector: { reads: 0.5, writes: 1.5 },
  /**
   * lambdas/observe.ts per pass: getRun, getScenario, the sessions Query (by
   * pages); the pass count, the sweep's settles (3 write units a pass,
   * measured locally); polledUntil (poll).
   */
  observe: { reads: 2, writes: 3, pollWrites: 1 },
  /** lambdas/prepare.ts: the run record and every session of the plan (batch writes, one unit an item). */
  prepare: { writes: 1, writesPerSession: 1 },
  /** lambdas/start-scenario.ts: getRun; the scenario record; the plan object (S3 PUT) read back by the ItemReader (GET). */
  startScenario: { reads: 1, writes: 1, s3Puts: 1, s3Gets: 1 },
  /** lambdas/report.ts: getRun, the sessions Query, samples, target changes; report.json/.md/.html; the run closed. */
  report: { reads: 4, writes: 1, s3Puts: 3 },
} as const;

/** What one session's handlers call besides the walk's invocations: DynamoDB, SES or S3, the collector. */
export function sessionCalls(
  profile: Profile,
  slotWaits: number,
  assumptions: CostAssumptions,
): HarnessUsage {
  const { trigger, await: awaitCalls, finalize, collector } = HANDLER_CALLS;
  const pool = profile.target.userPool !== undefined;
  const ses = profile.target.trigger.type === 'ses';
  const paced = ses && pacedSendRate(profile.target.trigger) !== undefined;
  const triggers = 1 + slotWaits;
  // Push mode: every log line of the target reaches the collector, in batches.
  const logStages = profile.target.stages.filter(isLogStage).length;
  const batches =
    profile.target.observe.mode === 'push' && logStages > 0 ? assumptions.logBatchesPerSession : 0;
  return {
    ...NO_USAGE,
    lambda:
      batches > 0
        ? {
            collector: {
              invocations: batches,
              seconds: batches * (assumptions.handlerSeconds.collector ?? 0),
            },
          }
        : {},
    dynamoReadUnits: triggers * trigger.reads + awaitCalls.reads + finalize.reads + batches * collector.reads,
    dynamoWriteUnits:
      trigger.writes +
      (paced ? trigger.pacedWrites : 0) +
      (pool ? trigger.poolWrites + finalize.poolWrites : 0) +
      awaitCalls.writes +
      finalize.writes +
      batches * collector.writes,
    sesMessages: ses ? 1 : 0,
    s3Puts: ses ? 0 : 1,
  };
}

/** One observer pass's calls: the DynamoDB reads and write, S3 stage checks, FilterLogEvents in poll mode. */
export function observerCalls(
  profile: Profile,
  scenario: RunScenario,
  window: ObserverWindow,
  assumptions: CostAssumptions,
): HarnessUsage {
  const sessions = scenarioSessions(scenario);
  const { observe } = HANDLER_CALLS;
  const poll = profile.target.observe.mode === 'poll';
  const logGroups = new Set([
    ...profile.target.stages.filter(isLogStage).map((s) => s.log.group),
    ...profile.target.failures.map((f) => f.group),
  ]);
  const s3Stages = profile.target.stages.filter((s) => !isLogStage(s)).length;
  const queryPages = Math.max(1, Math.ceil((sessions * assumptions.sessionItemBytes) / 4_096));
  // S3 stages are checked for the sessions still open: on average, sessions x their length over the window.
  const open = Math.min(sessions, (sessions * window.sessionMs) / window.windowMs);
  const s3Checks = scenario.type === 'resources' ? 0 : s3Stages * Math.ceil(open);
  return {
    ...NO_USAGE,
    dynamoReadUnits: observe.reads + queryPages,
    dynamoWriteUnits: observe.writes + (poll ? observe.pollWrites : 0),
    s3Gets: s3Checks,
    filterLogEventsRequests: poll ? logGroups.size : 0,
  };
}

export function scenarioCalls(scenario: RunScenario): HarnessUsage {
  const { startScenario } = HANDLER_CALLS;
  const load = scenario.type !== 'resources' && scenario.type !== 'coldWarm';
  return {
    ...NO_USAGE,
    dynamoReadUnits: startScenario.reads,
    dynamoWriteUnits: startScenario.writes,
    s3Puts: load ? startScenario.s3Puts : 0,
    s3Gets: load ? startScenario.s3Gets : 0,
  };
}

export function runCalls(
  profile: Profile,
  sessions: number,
  scenarios: readonly { readonly sessions: number }[],
  /** The stack's Lambda functions: the report reads two metrics of each for the measured cost. */
  functions: number,
): HarnessUsage {
  const { prepare, report } = HANDLER_CALLS;
  const groups = scenarios.filter((s) => s.sessions > 0).length + 1;
  const metricsPerGroup = profile.target.stages.length + 2;
  // core/cost.ts metricRequests: one datum per 150 values of each duration metric plus 5 counts, 1,000 a request.
  const datums = groups * (metricsPerGroup * Math.max(1, Math.ceil(sessions / 150)) + 5);
  const resources = profile.scenarios.some((s) => s.type === 'resources') && profile.target.ecs !== undefined;
  return {
    ...NO_USAGE,
    dynamoReadUnits: report.reads + Math.ceil(sessions / 4),
    dynamoWriteUnits: prepare.writes + prepare.writesPerSession * sessions + report.writes,
    s3Puts: report.s3Puts,
    putMetricDataRequests: profile.publish.cloudwatch ? Math.max(1, Math.ceil(datums / 1_000)) : 0,
    // CPU and memory utilization; the harness's own usage (core/harness-metrics.ts).
    getMetricDataMetrics:
      (resources ? 2 : 0) + FIXED_HARNESS_QUERIES + HARNESS_QUERIES_PER_HANDLER * functions,
  };
}
