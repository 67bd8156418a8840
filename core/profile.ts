import { z } from 'zod';

/**
 * The profile: everything one benchmark run needs. The same schema checks the
 * CLI's input and the state machine's input (the Prepare task).
 */

const TEMPLATE_VARS = ['sessionId', 'userId', 'token', 'index', 'runId', 'scenario'] as const;

const template = z
  .string()
  .min(1)
  .max(10_000)
  .refine((value) => unknownTemplateVars(value).length === 0, {
    message: `may use only ${TEMPLATE_VARS.map((v) => `{${v}}`).join(', ')}`,
  });

const name = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'must start with a letter and use only letters, digits, _ and -');

const positiveSeconds = z.number().int().min(1);

/** Units of a captured value: milliseconds, seconds, US dollars, a count, or none. */
export const CAPTURE_UNITS = ['ms', 's', 'usd', 'count', 'none'] as const;
export type CaptureUnit = (typeof CAPTURE_UNITS)[number];

/** Why a session failed, as the report counts it: `build`, `push`, `dropped`, ... */
const reason = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,31}$/, 'must be lower-case letters, digits and -, starting with a letter');
/** A log group name as CloudWatch Logs allows it. */
const logGroup = z
  .string()
  .min(1)
  .max(512)
  .regex(/^[\w#/.-]+$/, 'must be a log group name (letters, digits, _ - / . #)');

/** A marker: text the line must contain, or a regular expression (checked in validate-profile.ts). */
const markerPattern = z.string().min(1).max(1_000);

/** An S3 key prefix: no leading slash, no `..` segment, no control characters. */
const keyPrefix = z
  .string()
  .max(512)
  .refine(
    (value) => !value.startsWith('/') && !value.split('/').includes('..') && !/[\p{Cc}\\]/u.test(value),
    {
      message:
        'must be a plain S3 key prefix: no leading "/", no ".." segment, no backslash or control characters',
    },
  );

const bucketName = z
  .string()
  .min(3)
  .max(63)
  .regex(/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/, 'must be an S3 bucket name (lower-case letters, digits, . and -)');

export const LogStageSchema = z.strictObject({
  name,
  log: z.strictObject({
    group: logGroup,
    /** Text the log line must contain (after ANSI colour codes are removed), or a regular expression. */
    pattern: markerPattern,
    regex: z.boolean().default(false),
    /** `key`: the line carries the session's key. `stream`: the line belongs to the session bound to its log stream. */
    correlation: z.enum(['key', 'stream']).default('key'),
    /**
     * Numbers the marker line carries, captured by the named groups of `regex`
     * (e.g. `Cost: \\$(?<claudeCost>[0-9.]+)`); each group is a per-session
     * metric with its unit, summarized per scenario, usable in thresholds and
     * published to CloudWatch. Unit `usd` adds up to the target's cost.
     */
    capture: z
      .strictObject({
        regex: markerPattern,
        units: z.record(
          z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,31}$/, 'must be a letter then letters or digits'),
          z.enum(CAPTURE_UNITS),
        ),
      })
      .optional(),
  }),
});

export const S3StageSchema = z.strictObject({
  name,
  s3: z.strictObject({
    bucket: template,
    key: template,
    /** `contains`: the object holds the session's token. `modifiedAfter`: LastModified at or after the trigger. */
    check: z.enum(['contains', 'modifiedAfter']),
  }),
});

export const StageSchema = z.union([LogStageSchema, S3StageSchema]);

// Header values are checked for CR/LF and for one address each in validate-profile.ts.
const emailFields = {
  from: z.string().min(3).max(320),
  to: template.max(320),
  subject: template.max(998),
  body: template,
};

export const SesTriggerSchema = z.strictObject({
  type: z.literal('ses'),
  ...emailFields,
  /** `raw` sends SendRawEmail with an RFC 822 message; otherwise SendEmail. */
  raw: z.boolean().default(false),
  /** Upper bound on sends per second; the account's GetSendQuota MaxSendRate applies too. */
  maxSendRate: z.number().positive().max(1_000).optional(),
});

export const S3EmlTriggerSchema = z.strictObject({
  type: z.literal('s3-eml'),
  ...emailFields,
  bucket: bucketName,
  prefix: keyPrefix.default('emails/'),
});

export const TriggerSchema = z.discriminatedUnion('type', [SesTriggerSchema, S3EmlTriggerSchema]);

/** A pool user's name: it becomes an SQS queue name part and an email local part. */
export const POOL_USER_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/;
const poolUser = z
  .string()
  .regex(
    POOL_USER_PATTERN,
    'must be 1 to 32 lower-case letters, digits and -, starting and ending with a letter or digit (it is used in SQS queue names and email addresses)',
  );

/**
 * The fixed set of users the sessions run as: `{prefix, count}` names them
 * `prefix-1` .. `prefix-count`, `{users}` lists them.
 */
export const UserPoolSchema = z.union([
  z.strictObject({
    prefix: z
      .string()
      .regex(/^[a-z][a-z0-9-]{0,19}$/, 'must be lower-case letters, digits and -, starting with a letter'),
    count: z.number().int().min(1).max(1_000),
  }),
  z.strictObject({ users: z.array(poolUser).min(1).max(1_000) }),
]);

/** An SQS queue name with `{projectId}` and `{userId}`; checked once expanded (see core/provision-plan.ts). */
const queueTemplate = z
  .string()
  .min(1)
  .max(80)
  .refine(
    (value) =>
      [...value.matchAll(/\{([^{}]*)\}/g)].every((m) => ['projectId', 'userId'].includes(m[1] ?? '')),
    {
      message: 'may use only {projectId} and {userId}',
    },
  );

/** What the target needs per pool user before a run; `bench provision` creates it, Prepare checks it. */
export const ProvisionSchema = z.strictObject({
  /** The target's project the pool users belong to (`{projectId}` in queue names). */
  projectId: z
    .string()
    .regex(/^[a-z0-9](?:[a-z0-9-]{0,30}[a-z0-9])?$/, 'must be 1 to 32 lower-case letters, digits and -'),
  /** SQS queues per pool user; attributes as CreateQueue takes them (all strings). */
  queues: z
    .array(
      z.strictObject({
        name: queueTemplate,
        attributes: z
          .record(z.string().regex(/^[A-Za-z]+$/, 'must be an SQS attribute name'), z.string())
          .default({}),
      }),
    )
    .default([]),
});

export const TargetSchema = z.strictObject({
  trigger: TriggerSchema,
  /** Prefix of the generated userIds; each session gets its own userId (one FIFO lane each). */
  userIdPrefix: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,19}$/, 'must be lower-case letters, digits and -, starting with a letter')
    .default('bench'),
  /** Template of the correlation key that keyed markers carry. */
  key: template.default('{userId}'),
  stages: z.array(StageSchema).min(1).max(64),
  /** Log lines that end a session as failed at once (same correlation as stages), with the reason the report counts. */
  failures: z
    .array(
      z.strictObject({
        group: logGroup,
        pattern: markerPattern,
        regex: z.boolean().default(false),
        correlation: z.enum(['key', 'stream']).default('key'),
        reason: reason.default('failed'),
        /**
         * The target does nothing more for the job after this line (WebOrdinary's
         * `Failed to process message:`), so a pool user can be given back at once.
         * Without it the job is taken to go on (`Build failed ...` does) and the
         * session keeps its user until the job's last stage or its timeout.
         */
        endsJob: z.boolean().default(false),
      }),
    )
    .max(32)
    .default([]),
  /**
   * Log lines that reject the job just picked up on the same log stream: the
   * container was busy and dropped it (WebOrdinary's `Already processing a
   * message`). The rejected session ends at once as failed with `reason`; the
   * stream stays with the job that was running.
   */
  rejections: z
    .array(
      z.strictObject({
        group: logGroup,
        pattern: markerPattern,
        regex: z.boolean().default(false),
        reason: reason.default('dropped'),
      }),
    )
    .max(32)
    .default([]),
  sessionTimeoutSeconds: positiveSeconds.max(86_400).default(600),
  observe: z
    .strictObject({
      mode: z.enum(['push', 'poll']).default('push'),
      intervalSeconds: z.number().int().min(1).max(300).default(5),
      /**
       * Poll mode: each pass re-reads this trailing window, so events that
       * CloudWatch Logs ingests late are still read (writes are idempotent).
       */
      pollWindowSeconds: z.number().int().min(1).max(3_600).default(60),
      /**
       * How long the run waits after its last scenario before it reports, so log
       * events delivered late (async retries, ingestion lag) are counted.
       */
      settleSeconds: z.number().int().min(0).max(900).default(10),
    })
    .default({ mode: 'push', intervalSeconds: 5, pollWindowSeconds: 60, settleSeconds: 10 }),
  ecs: z
    .strictObject({ cluster: z.string().min(1).max(255), service: z.string().min(1).max(255) })
    .optional(),
  /**
   * What a session leaves in the target once a stage shows it was made (e.g. the
   * `thread-{token}` branch once `push` is seen): the report lists them so they
   * can be cleaned up. `name` is a session template.
   */
  artifacts: z
    .array(
      z.strictObject({
        kind: z
          .string()
          .regex(
            /^[a-z][a-z0-9-]{0,31}$/,
            'must be lower-case letters, digits and -, starting with a letter',
          ),
        name: template,
        stage: name,
      }),
    )
    .max(16)
    .default([]),
  /** Pre-provisioned users the sessions run as (see core/user-pool.ts). */
  userPool: UserPoolSchema.optional(),
  /** What each pool user needs in the target; needs userPool. */
  provision: ProvisionSchema.optional(),
});

const scenarioBase = {
  name: name.optional(),
  sessionTimeoutSeconds: positiveSeconds.max(86_400).optional(),
  /**
   * The stages this scenario's sessions must reach to be ok (default: all).
   * E.g. leave out an S3 `contains` stage where concurrent sessions of one
   * project overwrite each other's deploy (the last deploy wins).
   */
  stages: z.array(name).min(1).max(64).optional(),
};

export const StagesScenarioSchema = z.strictObject({ type: z.literal('stages'), ...scenarioBase });
export const BurstScenarioSchema = z.strictObject({
  type: z.literal('burst'),
  ...scenarioBase,
  sessions: z.number().int().min(1).max(10_000),
});
export const SustainedScenarioSchema = z.strictObject({
  type: z.literal('sustained'),
  ...scenarioBase,
  ratePerMinute: z.number().positive().max(6_000),
  durationMinutes: z.number().positive().max(1_440),
});
export const ColdWarmScenarioSchema = z.strictObject({
  type: z.literal('coldWarm'),
  ...scenarioBase,
  cold: z.number().int().min(0).max(100),
  warm: z.number().int().min(0).max(1_000),
  /** `bench`: the state machine sets the desired count after the trigger. `external`: the target scales itself. */
  scaleUp: z.enum(['bench', 'external']).default('bench'),
  desiredCount: z.number().int().min(1).max(100).default(1),
  /** Pause between warm sessions, so each finds the container idle. */
  warmGapSeconds: z.number().int().min(0).max(3_600).default(2),
});
export const ResourcesScenarioSchema = z.strictObject({
  type: z.literal('resources'),
  ...scenarioBase,
  /** CloudWatch period of the CPU / memory series (AWS/ECS publishes every 60 s). */
  periodSeconds: z.number().int().min(1).max(3_600).default(60),
});

/** The most steps a limit scenario may have. */
export const MAX_LIMIT_STEPS = 20;

/** The loads a limit scenario steps through: a list in increasing order, or start, step and ceiling. */
function limitLoads(value: z.ZodNumber) {
  return z.union([
    z.array(value).min(1).max(MAX_LIMIT_STEPS),
    z.strictObject({ start: value, step: value, ceiling: value }),
  ]);
}
/** A condition one step of a limit scenario must meet: a metric (stage, total, lateness, success) and a k6-style condition. */
export const StepConditionSchema = z.strictObject({
  metric: z.string().min(1).max(64),
  condition: z.string().min(1).max(100),
});

/**
 * Finds the limit: runs a burst (or a sustained rate) at each load in turn,
 * judges each step by `pass`, and stops at the first step that fails or at
 * the last (the ceiling). The report's measured limit is the highest step
 * that passed (core/limit-steps.ts).
 */
export const LimitScenarioSchema = z.strictObject({
  type: z.literal('limit'),
  ...scenarioBase,
  steps: z.union([
    z.strictObject({ burst: limitLoads(z.number().int().min(1).max(10_000)) }),
    z.strictObject({
      ratePerMinute: limitLoads(z.number().positive().max(6_000)),
      durationMinutes: z.number().positive().max(1_440),
    }),
  ]),
  pass: z.array(StepConditionSchema).min(1).max(10),
});

export const ScenarioSchema = z.discriminatedUnion('type', [
  StagesScenarioSchema,
  BurstScenarioSchema,
  SustainedScenarioSchema,
  ColdWarmScenarioSchema,
  ResourcesScenarioSchema,
  LimitScenarioSchema,
]);

export const ThresholdSchema = z.strictObject({
  /** A stage name, `total`, or `success` (the share of sessions that finished ok). */
  metric: z.string().min(1).max(64),
  /** Limit the threshold to one scenario; absent means all sessions of the run. */
  scenario: z.string().max(64).optional(),
  /** k6 style: `p(95) < 180s`, `avg < 5s`, `max <= 60000`, `rate > 95%`. */
  condition: z.string().min(1).max(100),
});

export const PublishSchema = z
  .strictObject({
    cloudwatch: z.boolean().default(true),
    namespace: z.string().min(1).max(255).default('WebOrdinary/Performance'),
  })
  .default({ cloudwatch: true, namespace: 'WebOrdinary/Performance' });

/**
 * Local mode's CloudWatch Logs delivery made as hostile as AWS's (absent: each
 * stream's payloads in order, once, to one collector, readable at once). A
 * subscription invokes its Lambda asynchronously: payloads of one stream can
 * arrive late, out of order, twice, and at several warm instances at once;
 * FilterLogEvents sees an event only after its ingestion delay.
 */
export const LocalDeliverySchema = z.strictObject({
  /** Each payload is held a random 0..shuffleWindowMs, so later batches of a stream can overtake earlier ones. */
  shuffleWindowMs: z.number().int().min(0).max(600_000).default(0),
  /** Share of payloads delivered a second time (same payload, same event ids), as an async retry, 0 to 1. */
  redeliverShare: z.number().min(0).max(1).default(0),
  /** When the second delivery comes, after the first (uniform). */
  redeliverDelayMs: z
    .strictObject({ min: z.number().int().min(0).max(600_000), max: z.number().int().min(0).max(600_000) })
    .superRefine((d, ctx) => {
      if (d.max < d.min)
        ctx.addIssue({ code: 'custom', path: ['max'], input: d.max, message: `must be >= min (${d.min})` });
    })
    .default({ min: 1_000, max: 3_000 }),
  /** Concurrent collector instances, each a process of its own (separate warm state); payloads of one stream are spread over them. */
  instances: z.number().int().min(1).max(16).default(1),
  /** FilterLogEvents returns an event only once now >= its timestamp + ingestionLagMs (poll mode). */
  ingestionLagMs: z.number().int().min(0).max(3_600_000).default(0),
  /** Seed of the delivery draws (default: `local.seed`, else 1): the same seed gives the same draws per payload. */
  seed: z.number().int().optional(),
});

/** Settings for local mode only (`bench local`); ignored on AWS. */
export const LocalSettingsSchema = z.strictObject({
  /** The simulator's target model file, relative to the profile file's folder (absent: the shipped demo model). */
  model: z.string().min(1).max(1_000).default('local/models/webordinary-demo.json'),
  /** Seed of the simulator's latency draws; the same seed gives the same run. */
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 32 - 1)
    .optional(),
  /** The local SES account's MaxSendRate (emails per second) that triggers are paced to. */
  sesMaxSendRate: z.number().positive().max(1_000).default(14),
  /** Adversarial subscription delivery and ingestion lag (absent: ordered, once, one instance, no lag). */
  delivery: LocalDeliverySchema.optional(),
});

export const ProfileSchema = z.strictObject({
  $schema: z.string().max(1_000).optional(),
  name,
  description: z.string().max(10_000).optional(),
  target: TargetSchema,
  scenarios: z.array(ScenarioSchema).min(1),
  thresholds: z.array(ThresholdSchema).max(200).default([]),
  /**
   * Let this run start while other runs are active (and others start beside
   * it), up to the stack's maxConcurrentRuns. Off by default: one run at a
   * time per target, so runs do not distort each other's figures.
   */
  allowConcurrentRuns: z.boolean().default(false),
  publish: PublishSchema,
  local: LocalSettingsSchema.optional(),
});

export type Profile = z.infer<typeof ProfileSchema>;
export type ProfileInput = z.input<typeof ProfileSchema>;
export type Target = Profile['target'];
export type Stage = z.infer<typeof StageSchema>;
export type LogStage = z.infer<typeof LogStageSchema>;
export type S3Stage = z.infer<typeof S3StageSchema>;
export type Trigger = z.infer<typeof TriggerSchema>;
export type UserPool = z.infer<typeof UserPoolSchema>;
export type Provision = z.infer<typeof ProvisionSchema>;
export type Scenario = z.infer<typeof ScenarioSchema>;
export type ScenarioType = Scenario['type'];
export type LimitScenario = z.infer<typeof LimitScenarioSchema>;
export type StepCondition = z.infer<typeof StepConditionSchema>;
export type Threshold = z.infer<typeof ThresholdSchema>;
export type LocalDelivery = z.infer<typeof LocalDeliverySchema>;

export function isLogStage(stage: Stage): stage is LogStage {
  return 'log' in stage;
}

export function unknownTemplateVars(value: string): string[] {
  const known = new Set<string>(TEMPLATE_VARS);
  return [...value.matchAll(/\{([^{}]*)\}/g)].map((m) => m[1] ?? '').filter((v) => !known.has(v));
}

/** The stage names a scenario's sessions must reach, in pipeline order. */
export function requiredStages(profile: Pick<Profile, 'target' | 'scenarios'>, scenario: string): string[] {
  // A limit scenario's steps (`<name>-step<N>`) require what the limit scenario requires.
  const own = profile.scenarios.find(
    (s) => scenarioName(s) === scenario || (s.type === 'limit' && isStepOf(scenario, scenarioName(s))),
  )?.stages;
  const all = profile.target.stages.map((s) => s.name);
  return own ? all.filter((n) => own.includes(n)) : all;
}

/** The name a scenario goes by in the report: its own, or its type. */
export function scenarioName(scenario: Scenario): string {
  return scenario.name ?? scenario.type;
}

/** The name of step N (from 1) of a limit scenario: `<name>-step<N>`. */
export function stepName(limit: string, step: number): string {
  return `${limit}-step${step}`;
}

/** Whether `scenario` names a step of the limit scenario `limit`. */
export function isStepOf(scenario: string, limit: string): boolean {
  return scenario.startsWith(`${limit}-step`) && /^[1-9][0-9]*$/.test(scenario.slice(limit.length + 5));
}
