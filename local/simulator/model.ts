import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { DistributionSchema } from './distribution.js';
import { checkModel } from './model-checks.js';

/**
 * The target model: everything the simulator knows about the system it
 * imitates. Log group, marker lines, stage names, identities, buckets, ECS
 * names, latencies and capacity all live here, never in the simulator's code,
 * so another pipeline is another file.
 */

const stepName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'must start with a letter and use only letters, digits, _ and -');

/** A regular expression source that must compile and define the named groups. */
function regexWithGroups(groups: readonly string[]) {
  return z
    .string()
    .min(1)
    .superRefine((source, ctx) => {
      let regex: RegExp;
      try {
        regex = new RegExp(source, 'i');
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          message: `is not a valid regular expression: ${(error as Error).message}`,
        });
        return;
      }
      for (const group of groups) {
        if (!new RegExp(`\\(\\?<${group}>`).test(regex.source)) {
          ctx.addIssue({ code: 'custom', message: `must define the named group (?<${group}>...)` });
        }
      }
    });
}

/** One log line a container writes. */
export const LineSchema = z.strictObject({
  /** Template of the message; see `JOB_VARS` in model-checks.ts for the placeholders. */
  text: z.string().min(1),
  /** Log level (NestJS names); colours and the level column follow it. */
  level: z.enum(['log', 'error', 'warn', 'debug', 'verbose', 'fatal']).default('log'),
  /** Logger context, e.g. `MessageProcessor` (NestJS prints `[MessageProcessor]`). */
  context: z.string().min(1).optional(),
  /** This line is the step's marker (its timestamp is the step's ground truth). Default: the first line. */
  marker: z.boolean().optional(),
  /** Pause before this line after the previous line of the same step, in ms. Default 0. */
  delayMs: DistributionSchema.optional(),
});

/** One stage of a job: wait its latency, then write its lines. */
export const StepSchema = z.strictObject({
  /** Stage name, as a benchmark profile would call it (`pickup`, `build`...). */
  name: stepName,
  /** Time from the previous step's marker (or the job's start) to this step's marker. */
  latencyMs: DistributionSchema,
  lines: z.array(LineSchema).min(1),
});

const LoadSchema = z.strictObject({
  /** Percent while the task waits for work (or for a claim). */
  idle: z.number().min(0).max(100),
  /** Percent while the task runs a job. */
  busy: z.number().min(0).max(100),
  /** Half-width of uniform noise added to each task's value, in percent points. */
  noise: z.number().min(0).max(100).default(0),
});

const NestFormatSchema = z.strictObject({
  /** NestJS `ConsoleLogger` default format: `[Nest] 1  - 11/27/2026, 6:20:01 AM     LOG [Context] message`. */
  style: z.literal('nest'),
  /** Include ANSI colour codes as NestJS does on a TTY-less container with colours on. */
  ansi: z.boolean().default(true),
  /** Process id printed after the app name (1 in a container). */
  pid: z.number().int().min(0).default(1),
  /** The bracketed prefix. */
  appName: z.string().min(1).default('Nest'),
  /** IANA time zone of the printed date (containers run in UTC). */
  timeZone: z.string().min(1).default('UTC'),
});

/**
 * A container that is busy with a job can still claim a second lane, and then
 * drops that lane's jobs while the first job runs. In WebOrdinary,
 * `claude-code-container/src/services/generic-container.service.ts`
 * `handleUnclaimedMessage` claims a project+user with no busy check and starts
 * a second `pollProjectQueue` loop (which abandons the lane it owned: its
 * ownership record stays until its 1 h TTL). That loop logs `Received Step
 * Functions message for {p}/{u}` and hands the message to
 * `message-processor.service.ts` `handleMessage`, which logs `Received Step
 * Functions message for {p}#{u}` and the task token line before it checks
 * `isProcessing`; busy, it logs the WARN `Already processing a message, this
 * should not happen with FIFO` and returns, and the loop deletes the message:
 * the job is lost, with no failure line and no callback. The simulator writes
 * the first step's lines, then `dropLines`, to the busy container's stream.
 */
export const ClaimWhileBusySchema = z.strictObject({
  /**
   * Chance, drawn once per job that waits for an unowned lane, that its claim
   * request is taken by a busy container (when one is running) rather than by
   * a free one. Every container polls the unclaimed queue, busy or not.
   */
  share: z.number().min(0).max(1),
  /** What the container logs after the first step's lines when it drops a job (the WARN line). */
  dropLines: z.array(LineSchema).min(1),
  /** How long the lane the container abandoned stays owned by nobody who polls it (ownership TTL). */
  abandonedLaneMs: DistributionSchema.default(3_600_000),
});

export const TargetModelSchema = z
  .strictObject({
    $schema: z.string().optional(),
    /** Name of the modelled system. */
    name: z.string().min(1),
    description: z.string().optional(),
    /** How an email names its project, user and thread. */
    identity: z.strictObject({
      /** Regex over the bare recipient address (case-insensitive) with groups `projectId` and `userId`. */
      recipient: regexWithGroups(['projectId', 'userId']),
      /** Regex over the subject with group `threadId`. */
      thread: regexWithGroups(['threadId']),
      /** Thread id when the subject has none; placeholders `{epochMs}` and `{rand}` (6 base-36 chars). */
      threadIdFallback: z.string().min(1).default('{epochMs}-{rand}'),
    }),
    /** Where emails come from and how long until a job is queued. */
    intake: z.strictObject({
      /** Read emails sent through the local SES store. */
      ses: z.boolean().default(true),
      /** Read raw `.eml` objects dropped into this bucket and prefix. */
      s3: z
        .strictObject({
          /** The bucket the SES receipt rule (or a test) writes raw emails to. */
          bucket: z.string().min(3),
          /** Key prefix of the emails, e.g. `emails/`. */
          prefix: z.string().default(''),
          /** Only keys ending so (`.eml`); empty: every object, as SES itself writes keys without extension. */
          suffix: z.string().default(''),
        })
        .optional(),
      /** How often both sources are polled, in ms. */
      pollMs: z.number().int().min(10).max(60_000).default(250),
      /** Email arrival -> the job is queued for a container (execution start). */
      delayMs: DistributionSchema,
    }),
    /** The ECS service whose tasks are the containers. */
    ecs: z.strictObject({
      /** ClusterName of the service (metric dimension, runner's local ECS). */
      cluster: z.string().min(1),
      /** ServiceName of the service. */
      service: z.string().min(1),
      /** Desired count the runner should create the service with; tasks counted at start are already warm. */
      initialDesiredCount: z.number().int().min(0).max(1_000).default(0),
      /** Task launch -> ready to take work. */
      coldStartMs: DistributionSchema,
      /** Lines a task writes when it becomes ready; placeholder `{taskId}`. */
      startupLines: z.array(LineSchema).default([]),
      /**
       * The target's own scaling from zero (absent: nothing scales the service
       * up, as in WebOrdinary today): when work waits and the desired count is
       * 0, it sets `desiredCount` after `afterMs` (an alarm on queue depth and
       * a scaling policy). What a coldWarm scenario with `scaleUp: external` waits for.
       */
      scaleFromZero: z
        .strictObject({ afterMs: DistributionSchema, desiredCount: z.number().int().min(1).max(1_000) })
        .optional(),
    }),
    /** FIFO lanes: a container must own (claim) a lane to run its jobs, in order. */
    lanes: z.strictObject({
      /** Template of the FIFO lane key over `{projectId}` and `{userId}`. */
      key: z.string().min(1).default('{projectId}#{userId}'),
      /** Cost of claiming an unowned lane. */
      claimMs: DistributionSchema,
      /** An owner releases its lane after this long idle (drawn per release). */
      idleReleaseMs: DistributionSchema,
      /** Lines the claiming task writes when the claim completes; placeholders `{projectId}`, `{userId}`, `{laneKey}`, `{taskId}`. */
      claimLines: z.array(LineSchema).default([]),
      /** Lines the owner writes when it lets the lane go (same placeholders). */
      releaseLines: z.array(LineSchema).default([]),
      /** A busy container may claim a waiting lane and then drop its jobs; absent: only free containers claim. */
      claimWhileBusy: ClaimWhileBusySchema.optional(),
    }),
    /** The per-lane workspace (shared storage): cloned and installed once per simulator run. */
    workspace: z.strictObject({
      /** Template of the workspace key (first job per key pays the setup) over `{projectId}` and `{userId}`. */
      key: z.string().min(1).default('{projectId}#{userId}'),
      /** Clone and install cost, added to the latency of `step` on the key's first job. */
      setupMs: DistributionSchema,
      /** The step whose latency includes the setup. */
      step: stepName,
      /** Lines written when the setup ends (before the step's own lines); job placeholders. */
      setupLines: z.array(LineSchema).default([]),
    }),
    /** Where and how containers log. */
    logs: z.strictObject({
      /** Log group every container writes to. */
      group: z.string().min(1),
      /** awslogs stream prefix; a stream is `{streamPrefix}/{containerName}/{taskId}`. */
      streamPrefix: z.string().min(1),
      /** Container name in the task definition (middle part of the stream name). */
      containerName: z.string().min(1),
      /**
       * The log driver's publish period: a container's lines are put together every this many ms
       * (awslogs: 5,000), so each PutLogEvents, and each subscription payload, carries several.
       * 0 (the default): every write of lines is a put of its own. A job's last lines are put when
       * it ends, without waiting for the tick.
       */
      publishMs: z.number().int().min(0).max(60_000).default(0),
      /** How a line is printed; default `plain`. */
      format: z
        .discriminatedUnion('style', [
          NestFormatSchema,
          /** The message alone. */
          z.strictObject({ style: z.literal('plain') }),
          /** One JSON object per line: `{"level", "time", "context", "msg"}`. */
          z.strictObject({ style: z.literal('json') }),
        ])
        .default({ style: 'plain' }),
    }),
    /** Extra placeholders drawn per job, e.g. `cost` with 4 decimals. */
    vars: z
      .record(
        z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'must be a placeholder name'),
        z.strictObject({
          /** The value's distribution. */
          draw: DistributionSchema,
          /** Digits after the point when printed. */
          decimals: z.number().int().min(0).max(6).default(0),
        }),
      )
      .default({}),
    /** The job's stages in order. */
    steps: z.array(StepSchema).min(1),
    /** The object the job deploys (site), written just before `step`'s marker. */
    site: z
      .strictObject({
        /** The step that deploys. */
        step: stepName,
        /** Bucket template (job placeholders), e.g. `edit.{projectId}.webordinary.com`. */
        bucket: z.string().min(1),
        /** Key template, e.g. `index.html`. */
        key: z.string().min(1),
        /** Must contain `{instruction}` so a token in the instruction can be found. */
        body: z.string().min(1),
        /** Content-Type of the object. */
        contentType: z.string().min(1).default('text/html; charset=utf-8'),
        /** Create the bucket when it does not exist. */
        createBucket: z.boolean().default(true),
      })
      .optional(),
    /** Injected failures: a share of jobs write `lines` at `step` instead of its lines, and stop. */
    faults: z
      .array(
        z.strictObject({
          /** The step at which the job fails (after that step's latency). */
          step: stepName,
          /** Share of jobs that fail here, 0 to 1. */
          rate: z.number().min(0).max(1),
          /** What the container logs instead of the step's lines. */
          lines: z.array(LineSchema).min(1),
          /** A later step the job goes on with (a failed build still reports success); absent: the job stops. */
          resumeAt: stepName.optional(),
        }),
      )
      .default([]),
    /** CPUUtilization / MemoryUtilization of the service, averaged over running tasks. */
    resources: z.strictObject({
      /** Metric namespace (`AWS/ECS` as ECS publishes it). */
      namespace: z.string().min(1).default('AWS/ECS'),
      /** Publishing period; nothing is published while no task runs. */
      publishEveryMs: z.number().int().min(100),
      cpu: LoadSchema,
      memory: LoadSchema,
    }),
  })
  .superRefine(checkModel);

export type TargetModel = z.infer<typeof TargetModelSchema>;
export type TargetModelInput = z.input<typeof TargetModelSchema>;
export type ModelStep = z.infer<typeof StepSchema>;
export type ModelLine = z.infer<typeof LineSchema>;
export type LogFormat = TargetModel['logs']['format'];

export class TargetModelError extends Error {
  override readonly name = 'TargetModelError';
  constructor(
    message: string,
    readonly problems: readonly string[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/** Validates a parsed model; every problem names its field (`steps[2].latencyMs.max: must be >= min`). */
export function parseTargetModel(value: unknown, source = 'target model'): TargetModel {
  const result = TargetModelSchema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
  throw new TargetModelError(`${source} is invalid:\n  ${problems.join('\n  ')}`, problems);
}

/** Reads and validates a target model file. */
export async function loadTargetModel(path: string): Promise<TargetModel> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new TargetModelError(`cannot read target model ${path}: ${(error as Error).message}`, [], {
      cause: error,
    });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new TargetModelError(`${path} is not valid JSON: ${(error as Error).message}`, [], {
      cause: error,
    });
  }
  return parseTargetModel(value, path);
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(model)';
  return path
    .map((part, index) =>
      typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`,
    )
    .join('');
}
