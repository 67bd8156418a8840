import { type FilteredLogEvent, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { z } from 'zod';
import { jobOver } from '../core/job-end.js';
import { findRunScenario } from '../core/limit-steps.js';
import { followedDeadline } from '../core/observer-window.js';
import { isLogStage, type Profile } from '../core/profile.js';
import { observerNextPass } from '../core/run-limits.js';
import { sessionTimeoutSeconds } from '../core/session-plan.js';
import { applyLogEvents } from './shared/apply-observations.js';
import { ecs, logs } from './shared/clients.js';
import { settle } from './shared/completion.js';
import { requiredEnv } from './shared/env.js';
import { parseEvent } from './shared/event.js';
import { createLogger } from './shared/logger.js';
import { RunCache } from './shared/run-cache.js';
import { checkS3Stages } from './shared/s3-stages.js';
import { Store, type StoredSession } from './shared/store.js';
import { StreamStore } from './shared/stream-store.js';
import { UserLeases } from './shared/user-leases.js';

const log = createLogger('observe');

const table = requiredEnv('TABLE_NAME');
const store = new Store(table);
const stores = { store, streams: new StreamStore(table) };
const runs = new RunCache(store);
const leases = new UserLeases(table);

const EventSchema = z.object({ runId: z.string().min(1), scenario: z.string().min(1) });

/**
 * One pass of the observer loop, for all open sessions of the scenario
 * together: S3 stage conditions, logs in poll mode (one FilterLogEvents
 * series per log group, never per session), a task-count sample when the
 * profile has a resources scenario. Done when every session is final or the
 * deadline has passed; the deadline follows the open sessions' real start
 * times (a session sent late is still observed up to its own timeout), never
 * past the scenario's hard deadline (core/observer-window.ts).
 */
export async function handler(event: unknown) {
  const { runId, scenario: name } = parseEvent(EventSchema, event, 'observe');
  const [run, scenario] = await Promise.all([store.getRun(runId), store.getScenario(runId, name)]);
  if (!run || !scenario) throw new Error(`run ${runId} has no scenario ${name} started`);
  const { profile } = run;
  const now = Date.now();

  if (profile.target.observe.mode === 'poll') {
    // Re-read a trailing window every pass: CloudWatch Logs ingests events seconds to
    // minutes after their timestamp, and every write below is idempotent.
    const windowMs = profile.target.observe.pollWindowSeconds * 1000;
    const since = Math.max(scenario.startAt - windowMs, (scenario.polledUntil ?? 0) - windowMs);
    await pollLogs(runId, profile, since, now);
    await store.setPolledUntil(runId, name, now);
  }
  const sessions = await store.sessions(runId, name);
  await checkS3Stages(store, runId, profile, sessions);
  // The sweep: a session complete in the table whose wait a failed signal left open.
  const unsignalled = sessions.filter((s) => s.status === 'sent' && s.taskToken !== undefined);
  for (const session of unsignalled) await settle(profile, session);
  const definition = findRunScenario(profile, name);
  const timeoutMs = (definition ? sessionTimeoutSeconds(profile, definition) : 0) * 1000;
  const holding = await sweepHeldUsers(runId, profile, sessions, now, timeoutMs);
  if (profile.scenarios.some((s) => s.type === 'resources') && profile.target.ecs) {
    await sampleService(runId, profile.target.ecs);
  }
  // Statuses as read at the start of this pass: a session finalized meanwhile is seen on the next one.
  const open = sessions.filter((s) => s.status === 'planned' || s.status === 'sent').length;
  // Open sessions not yet sent are due at the scenario start plus their offset.
  const planned = sessions.map((s) =>
    s.scheduledAt === undefined && s.offsetMs !== undefined
      ? { ...s, scheduledAt: scenario.startAt + s.offsetMs }
      : s,
  );
  const deadline = followedDeadline(planned, { now, timeoutMs, hardDeadline: scenario.deadline });
  // Passes are counted against the budget the execution history allows (core/run-limits.ts).
  const pass = await store.countObservePass(runId);
  const next = definition
    ? observerNextPass(profile, definition, pass, deadline - now)
    : { budgetSpent: false, waitSeconds: profile.target.observe.intervalSeconds };
  if (next.budgetSpent && open > 0) {
    log.warn('observer pass budget spent with sessions open; stopping', {
      runId,
      scenario: name,
      passes: pass,
      open,
    });
  }
  return {
    // The scenario ends when no session is open and no finished session's job still holds a user.
    done: (open === 0 && holding === 0) || now > deadline || next.budgetSpent,
    waitSeconds: next.waitSeconds,
    open,
  };
}

/**
 * Users kept by finished sessions whose job went on in the target (lambdas/finalize.ts):
 * given back once the job's end is seen, retired once the session's timeout has passed
 * (the job may still run). Returns how many are still held.
 */
async function sweepHeldUsers(
  runId: string,
  profile: Profile,
  sessions: readonly StoredSession[],
  now: number,
  timeoutMs: number,
): Promise<number> {
  let holding = 0;
  for (const session of sessions) {
    if (!session.userHeld) continue;
    if (jobOver(profile, session)) await leases.releaseHeld(runId, session, false);
    else if (now >= (session.sentAt ?? 0) + timeoutMs) await leases.releaseHeld(runId, session, true);
    else holding += 1;
  }
  return holding;
}

async function pollLogs(runId: string, profile: Profile, since: number, until: number): Promise<void> {
  const run = await runs.run(runId, profile);
  const groups = new Set(profile.target.stages.filter(isLogStage).map((s) => s.log.group));
  for (const failure of profile.target.failures) groups.add(failure.group);
  for (const group of groups) {
    const byStream = new Map<string, FilteredLogEvent[]>();
    let nextToken: string | undefined;
    do {
      const out = await logs().send(
        new FilterLogEventsCommand({ logGroupName: group, startTime: since, endTime: until, nextToken }),
      );
      for (const e of out.events ?? []) {
        const stream = e.logStreamName ?? '';
        byStream.set(stream, [...(byStream.get(stream) ?? []), e]);
      }
      nextToken = out.nextToken;
    } while (nextToken);
    for (const [stream, events] of byStream) {
      const parsed = events.map((e) => ({
        id: e.eventId ?? '',
        timestamp: e.timestamp ?? 0,
        message: e.message ?? '',
      }));
      await applyLogEvents(stores, run, group, stream, parsed);
    }
  }
}

async function sampleService(runId: string, target: { cluster: string; service: string }): Promise<void> {
  const out = await ecs().send(
    new DescribeServicesCommand({ cluster: target.cluster, services: [target.service] }),
  );
  const service = out.services?.[0];
  if (!service) {
    log.warn('DescribeServices found no such service', {
      runId,
      cluster: target.cluster,
      service: target.service,
    });
    return;
  }
  await store.putSample(runId, {
    at: Date.now(),
    running: service.runningCount ?? 0,
    desired: service.desiredCount ?? 0,
    pending: service.pendingCount ?? 0,
  });
}
