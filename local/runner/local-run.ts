import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { runScenarios } from '../../core/limit-steps.js';
import { type LocalDelivery, type Profile, scenarioName } from '../../core/profile.js';
import type { Report } from '../../core/report-model.js';
import { planRun } from '../../core/session-plan.js';
import { parseProfile } from '../../core/validate-profile.js';
import {
  cloudwatch,
  dynamo,
  ecs as ecsClient,
  s3 as handlerS3,
  logs,
  resetClients,
  ses,
} from '../../lambdas/shared/clients.js';
import { Store, type StoredSession } from '../../lambdas/shared/store.js';
import { isHandlerName } from '../../lib/handlers-construct.js';
import { WEBORDINARY_TARGET } from '../../lib/target-props.js';
import type { AwsEndpointOptions } from '../aws-endpoint/index.js';
import { applyEnv, type LocalAws, startLocalAws } from '../emulators.js';
import { renderDefinition } from '../render-definition.js';
import { type JobTruth, loadTargetModel, startSimulator } from '../simulator/index.js';
import { type CollectorInstances, startCollectorInstances } from './collector-instances.js';
import {
  createBuckets,
  createLogGroups,
  createTable,
  ecsControl,
  LOCAL_REPORTS_BUCKET,
  LOCAL_TABLE,
  localS3,
  logSink,
  lostBatchesQueue,
  metricSink,
} from './local-aws-setup.js';
import { attachLocalCost, itemReaderStandIns } from './local-cost.js';
import { localHandlerFunctions } from './local-handler-functions.js';
import { localStackPolicy } from './local-stack-policy.js';
import { profileModelPath } from './model-path.js';
import { type HistoryCount, ParentHistory } from './parent-history.js';
import { writePartialReport } from './partial-report.js';
import { type PlannedScenario, type ProgressMode, startProgress } from './progress.js';
import { guardRun } from './run-guard.js';
import { type ExecutionOutcome, type Handler, runStateMachine } from './state-machine.js';
import { UsageMeter } from './usage-meter.js';

export interface LocalRunOptions {
  /** The profile as given (the execution input); it is validated again here, as Prepare does. */
  readonly profile: unknown;
  /** The simulator's target model; default: the profile's `local.model`, read from `baseDir`. */
  readonly modelPath?: string;
  /** The folder the profile's own paths (`local.model`) are relative to: the profile file's folder (default: the working directory). */
  readonly baseDir?: string;
  readonly seed?: number;
  /** Reports go to `<outDir>/<runId>/`; none are written when absent. */
  readonly outDir?: string;
  readonly progress?: ProgressMode;
  readonly runId?: string;
  /** Tests: called once the local AWS is up, before the run starts (to define services, or make an emulator die). */
  readonly onLocalAws?: (aws: LocalAws) => void;
}

export interface LocalRun {
  readonly runId: string;
  readonly execution: ExecutionOutcome;
  readonly report: Report | null;
  readonly reportDir: string | null;
  /** What the simulator really did, for checking the measurements. */
  readonly groundTruth: readonly JobTruth[];
  readonly sessions: readonly StoredSession[];
  /** The history events AWS would record for the run's (parent) execution, child executions left out. */
  readonly parentHistory: HistoryCount;
}

/**
 * The handlers the state machine calls, imported only after the environment
 * points at the local endpoints (handlers read it at load). The collector is
 * not among them: it runs in processes of its own (collector-instances.ts).
 */
const HANDLER_MODULES: Readonly<Record<string, () => Promise<{ handler: Handler }>>> = {
  prepare: () => import('../../lambdas/prepare.js'),
  'start-scenario': () => import('../../lambdas/start-scenario.js'),
  trigger: () => import('../../lambdas/trigger.js'),
  await: () => import('../../lambdas/await.js'),
  finalize: () => import('../../lambdas/finalize.js'),
  observe: () => import('../../lambdas/observe.js'),
  report: () => import('../../lambdas/report.js'),
  'target-change': () => import('../../lambdas/target-change.js'),
};

/** The local SES account's 24-hour quota, which the stack policy's daily send budget follows locally. */
const LOCAL_MAX_24_HOUR_SEND = 50_000;

/**
 * Runs one benchmark on this machine: emulators and the project's endpoint on
 * 127.0.0.1, the WebOrdinary simulator, and the state machine rendered from
 * the CDK construct, executing the same handlers that run in AWS.
 */
export async function runLocal(options: LocalRunOptions): Promise<LocalRun> {
  const profile = parseProfile(options.profile);
  const model = await loadTargetModel(
    options.modelPath ?? profileModelPath(options.profile, options.baseDir),
  );
  const runId = options.runId ?? localRunId();
  const seed = options.seed ?? profile.local?.seed;
  const sesAccount = applyEnv({
    AWS_SES_ACCOUNT: JSON.stringify(sesAccountFor(profile.local?.sesMaxSendRate ?? 14)),
  });
  const delivery = profile.local?.delivery;
  const aws = await startLocalAws({ endpoint: endpointOptions(delivery, seed) });
  const restoreEnv = applyEnv({
    ...aws.env,
    TABLE_NAME: LOCAL_TABLE,
    REPORTS_BUCKET: LOCAL_REPORTS_BUCKET,
    MAX_SESSION_CONCURRENCY: String(WEBORDINARY_TARGET.maxSessionConcurrency),
    // The handlers' INFO lines (one per send and per session) would bury the progress line.
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'WARN',
    STACK_POLICY: JSON.stringify(
      localStackPolicy(profile, model, {
        dailySendBudget: LOCAL_MAX_24_HOUR_SEND,
        maxDesiredCount: WEBORDINARY_TARGET.maxDesiredCount,
      }),
    ),
    LOST_BATCHES_QUEUE_URL: lostBatchesQueue(aws),
    HANDLER_FUNCTIONS: localHandlerFunctions(),
  });
  resetClients();
  // Counts what the handlers and the execution use, for the report's measured harness cost.
  const meter = new UsageMeter();
  meter.attach({ dynamo: dynamo(), s3: handlerS3(), ses: ses(), logs: logs(), cloudwatch: cloudwatch() });
  const s3 = localS3();
  let simulator: Awaited<ReturnType<typeof startSimulator>> | undefined;
  let instances: CollectorInstances | undefined;
  let progress: { stop(): void } | undefined;
  // An emulator that dies or a signal (Ctrl-C, kill) stops the run: partial report, then clean up.
  const guard = guardRun(aws);
  const startedAt = Date.now();
  const store = new Store(LOCAL_TABLE);
  let lastSessions: StoredSession[] = [];
  const snapshots = setInterval(() => {
    store.sessions(runId).then(
      (sessions) => {
        lastSessions = sessions;
      },
      () => undefined,
    );
  }, 1_000);
  try {
    const handlers = meter.wrapAll(await loadHandlers());
    await createTable();
    await createBuckets(s3, profile, model);
    // The collector runs in processes of its own (collector-instances.ts): one, or as many as
    // the profile's adversarial delivery asks for, each with its own warm state.
    instances = await startCollectorInstances(delivery?.instances ?? 1);
    await createLogGroups(aws, profile, model, instances.handlers);
    const ecs = ecsControl(aws, model);
    options.onLocalAws?.(aws);
    simulator = await startSimulator({
      model,
      io: { logs: logSink(), metrics: metricSink(aws), s3, sesStoreUrl: aws.endpoints.ses, ecs },
      ...(seed !== undefined ? { seed } : {}),
    });
    progress = startProgress(
      options.progress ?? 'none',
      runId,
      store,
      simulator,
      plannedScenarios(runId, profile),
    );
    const rendered = renderDefinition();
    const { definition, handlerOf, timeoutSecondsOf } = rendered;
    const meterEvents = meter.stateEvents(itemReaderStandIns(definition));
    const history = new ParentHistory(definition);
    const execution = await runStateMachine({
      definition,
      input: options.profile,
      executionName: runId,
      handlerOf,
      handlers,
      tokens: aws.endpoint.sfn,
      ecs: ecsClient,
      s3: () => s3,
      timeoutSecondsOf: (handler) => (isHandlerName(handler) ? timeoutSecondsOf(handler) : 3),
      signal: guard.signal,
      onStateEvent: (event) => {
        meterEvents(event);
        history.listener(event);
      },
      // The report reads the definition as deployed (DescribeStateMachine), as on AWS.
      stateMachineArn: aws.endpoint.sfn.defineStateMachine(
        'WebOrdinaryBench',
        JSON.stringify(rendered.deployed),
      ),
    });
    progress.stop();
    const stoppedEarly = async (reason: string): Promise<LocalRun> => {
      // The records as they are now if DynamoDB still answers, else as last read.
      const sessions = await Promise.race([
        store.sessions(runId),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no answer')), 2_000).unref()),
      ]).catch(() => lastSessions);
      const partial = await writePartialReport({
        runId,
        profile,
        startedAt,
        sessions,
        reason,
        outDir: options.outDir,
      });
      process.stderr.write(
        `\n${runId} stopped: ${reason}.${partial.dir ? ` Partial report: ${partial.dir}/report.{json,md,html}` : ''}\n`,
      );
      const name = (guard.signal.reason as Error | undefined)?.name ?? 'EmulatorStopped';
      return {
        runId,
        execution: { status: 'FAILED', error: name, cause: reason },
        report: partial.report,
        reportDir: partial.dir,
        groundTruth: simulator?.groundTruth() ?? [],
        sessions,
        parentHistory: history.count(),
      };
    };
    if (guard.signal.aborted) return await stoppedEarly((guard.signal.reason as Error).message);
    try {
      await aws.endpoint.logs.drain();
      meter.include(await instances.usage());
      const written = await fetchReport(s3, runId);
      const report =
        written &&
        (await attachLocalCost({
          s3,
          report: written,
          profile,
          rendered,
          meter,
        }));
      const reportDir = report && options.outDir ? await saveReports(s3, runId, options.outDir) : null;
      const sessions = await store.sessions(runId);
      return {
        runId,
        execution,
        report,
        reportDir,
        groundTruth: simulator.groundTruth(),
        sessions,
        parentHistory: history.count(),
      };
    } catch (error) {
      // An emulator that died just before the end makes the execution fail before the watch says so.
      const reason = await Promise.race([
        aws.stopped,
        new Promise<null>((resolve) => setTimeout(() => resolve(null), 3_000).unref()),
      ]);
      if (reason === null) throw error;
      return await stoppedEarly(reason);
    }
  } finally {
    clearInterval(snapshots);
    guard.dispose();
    progress?.stop();
    // After a stop, a dead emulator makes parts of the cleanup fail; the rest (temp files included) still runs.
    let stopped = guard.signal.aborted;
    void aws.stopped.then(() => {
      stopped = true;
    });
    const tolerate = (error: Error) => {
      if (!stopped) throw error;
    };
    await simulator?.stop().catch(tolerate);
    await aws.close().catch(tolerate);
    await instances?.close().catch(tolerate);
    restoreEnv();
    sesAccount();
    resetClients();
    // Killed by a signal: leave the way a signal would, now that everything is cleaned up.
    const signal = guard.interruptedBy();
    if (signal) process.kill(process.pid, signal);
  }
}

/** The endpoint's log delivery for the profile's `local.delivery` (none: in order, once, no lag). */
function endpointOptions(delivery: LocalDelivery | undefined, seed: number | undefined): AwsEndpointOptions {
  if (!delivery) return {};
  return {
    logs: {
      ingestionLagMs: delivery.ingestionLagMs,
      adversarial: {
        shuffleWindowMs: delivery.shuffleWindowMs,
        redeliverShare: delivery.redeliverShare,
        redeliverDelayMs: delivery.redeliverDelayMs,
        seed: delivery.seed ?? seed ?? 1,
      },
    },
  };
}

/** The load scenarios in order with the sessions each plans (for the progress bar). */
function plannedScenarios(runId: string, profile: Profile): PlannedScenario[] {
  const plan = planRun(runId, profile);
  return runScenarios(profile)
    .filter((s) => s.type !== 'resources')
    .map((s) => ({
      name: scenarioName(s),
      sessions: plan.filter((p) => p.scenario === scenarioName(s)).length,
    }));
}

async function loadHandlers(): Promise<Record<string, Handler>> {
  const entries = await Promise.all(
    Object.entries(HANDLER_MODULES).map(async ([name, load]) => [name, (await load()).handler] as const),
  );
  return Object.fromEntries(entries);
}

async function fetchReport(s3: ReturnType<typeof localS3>, runId: string): Promise<Report | null> {
  try {
    const out = await s3.send(
      new GetObjectCommand({ Bucket: LOCAL_REPORTS_BUCKET, Key: `reports/${runId}/report.json` }),
    );
    return JSON.parse((await out.Body?.transformToString('utf8')) ?? 'null') as Report | null;
  } catch (error) {
    if ((error as Error).name === 'NoSuchKey') return null;
    throw error;
  }
}

/** Copies report.json / .md / .html from the local reports bucket to `<outDir>/<runId>/`. */
async function saveReports(s3: ReturnType<typeof localS3>, runId: string, outDir: string): Promise<string> {
  const dir = join(outDir, runId);
  await mkdir(dir, { recursive: true });
  for (const name of ['report.json', 'report.md', 'report.html']) {
    const out = await s3.send(
      new GetObjectCommand({ Bucket: LOCAL_REPORTS_BUCKET, Key: `reports/${runId}/${name}` }),
    );
    await writeFile(join(dir, name), (await out.Body?.transformToString('utf8')) ?? '');
  }
  return dir;
}

function localRunId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '');
  return `local-${stamp}-${randomBytes(2).toString('hex')}`;
}

/** The local SES account (GetSendQuota and GetAccount answer from it), whose MaxSendRate the triggers are paced to. */
function sesAccountFor(maxSendRate: number) {
  return {
    DedicatedIpAutoWarmupEnabled: false,
    Details: {
      AdditionalContactEmailAddresses: [],
      ContactLanguage: 'EN',
      MailType: 'TRANSACTIONAL',
      ReviewDetails: { CaseId: 'local', Status: 'GRANTED' },
      UseCaseDescription: 'WebOrdinary Bench local mode',
      WebsiteURL: 'http://127.0.0.1',
    },
    EnforcementStatus: 'HEALTHY',
    ProductionAccessEnabled: true,
    SendingEnabled: true,
    SendQuota: { Max24HourSend: LOCAL_MAX_24_HOUR_SEND, MaxSendRate: maxSendRate, SentLast24Hours: 0 },
    SuppressionAttributes: { SuppressedReasons: [] },
  };
}
