import type { z } from 'zod';
import { captureProblems, profileCaptures } from './captures.js';
import { headerTextProblem, mailboxProblem } from './email.js';
import { keyTemplateProblem, renderTemplate } from './identity.js';
import { limitProblems } from './limit-validation.js';
import { ALL_SCENARIOS } from './metric-data.js';
import { peakConcurrency } from './pool-concurrency.js';
import { isLogStage, type Profile, ProfileSchema, scenarioName } from './profile.js';
import { PROFILE_MAX_BYTES, PROFILE_MAX_DEPTH, valueDepth } from './profile-text.js';
import { provisionProblems } from './provision-plan.js';
import { estimateHistoryEvents, HISTORY_EVENT_LIMIT } from './run-limits.js';
import { regexProblem as linearRegexProblem } from './safe-pattern.js';
import { parseCondition, ThresholdError } from './thresholds.js';
import { poolUsers } from './user-pool.js';

export class ProfileInvalidError extends Error {
  override name = 'ProfileInvalid';
  constructor(readonly problems: readonly string[]) {
    super(`profile is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export type Validation = { ok: true; profile: Profile } | { ok: false; problems: string[] };

/** Checks a profile against the schema and the rules that span fields; lists every problem by path. */
export function validateProfile(input: unknown): Validation {
  const limits = inputLimitProblems(input);
  if (limits.length > 0) return { ok: false, problems: limits };
  const parsed = ProfileSchema.safeParse(input, { reportInput: true });
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.map(formatIssue) };
  const problems = crossFieldProblems(parsed.data);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, profile: parsed.data };
}

/** Like validateProfile, but throws ProfileInvalidError. */
export function parseProfile(input: unknown): Profile {
  const result = validateProfile(input);
  if (!result.ok) throw new ProfileInvalidError(result.problems);
  return result.profile;
}

export const SUCCESS_METRIC = 'success';
export const TOTAL_METRIC = 'total';
export const LATENESS_METRIC = 'lateness';

/** The same limits as a profile file's (core/profile-text.ts), for input that arrives parsed (the execution input). */
function inputLimitProblems(input: unknown): string[] {
  const depth = valueDepth(input, PROFILE_MAX_DEPTH);
  if (depth > PROFILE_MAX_DEPTH)
    return [
      `(profile): nests objects and arrays more than ${PROFILE_MAX_DEPTH} levels deep; a profile needs 5`,
    ];
  const bytes = Buffer.byteLength(JSON.stringify(input) ?? '', 'utf8');
  if (bytes > PROFILE_MAX_BYTES)
    return [
      `(profile): is ${Math.ceil(bytes / 1024)} KiB as JSON; a profile may be at most 256 KiB (the Step Functions execution input limit)`,
    ];
  return [];
}

// Values of the shape each template variable takes, to check what a header template becomes.
const SAMPLE_VALUES = {
  sessionId: 'burst-0000',
  userId: 'bench-abcdef-00000',
  token: 'tokabcdef0123456789',
  index: 0,
  runId: 'run-0000',
  scenario: 'burst',
};

function emailProblems(trigger: Profile['target']['trigger']): string[] {
  const problems: string[] = [];
  const from = mailboxProblem(trigger.from);
  if (from) problems.push(`target.trigger.from: ${from}`);
  const to = mailboxProblem(renderTemplate(trigger.to, SAMPLE_VALUES));
  if (to) problems.push(`target.trigger.to: ${to}`);
  const subject = headerTextProblem(renderTemplate(trigger.subject, SAMPLE_VALUES));
  if (subject) problems.push(`target.trigger.subject: ${subject}`);
  return problems;
}

function crossFieldProblems(profile: Profile): string[] {
  const { target } = profile;
  const problems: string[] = emailProblems(target.trigger);

  const stageNames = new Set<string>();
  target.stages.forEach((stage, i) => {
    if (stageNames.has(stage.name)) problems.push(`target.stages[${i}].name: "${stage.name}" is used twice`);
    if ([TOTAL_METRIC, SUCCESS_METRIC, LATENESS_METRIC].includes(stage.name)) {
      problems.push(`target.stages[${i}].name: "${stage.name}" is reserved for the report`);
    }
    stageNames.add(stage.name);
    if (isLogStage(stage)) {
      if (stage.log.regex)
        problems.push(...regexProblem(`target.stages[${i}].log.pattern`, stage.log.pattern));
      if (stage.log.correlation === 'stream') {
        const binder = target.stages
          .slice(0, i)
          .some((s) => isLogStage(s) && s.log.correlation === 'key' && s.log.group === stage.log.group);
        if (!binder) {
          problems.push(
            `target.stages[${i}].log.correlation: "stream" needs an earlier stage with correlation "key" on log group ${stage.log.group} to bind the stream`,
          );
        }
      }
    } else if (stage.s3.check === 'contains' && !/\{token\}/.test(target.trigger.body)) {
      problems.push(
        `target.stages[${i}].s3.check: "contains" looks for the session's token, but target.trigger.body has no {token}`,
      );
    }
  });
  target.failures.forEach((failure, i) => {
    if (failure.regex) problems.push(...regexProblem(`target.failures[${i}].pattern`, failure.pattern));
  });
  problems.push(
    ...captureProblems(profile, new Set([...stageNames, TOTAL_METRIC, SUCCESS_METRIC, LATENESS_METRIC])),
  );
  target.artifacts.forEach((artifact, i) => {
    if (!stageNames.has(artifact.stage))
      problems.push(`target.artifacts[${i}].stage: no stage named "${artifact.stage}" in target.stages`);
  });
  target.rejections.forEach((rejection, i) => {
    if (rejection.regex) problems.push(...regexProblem(`target.rejections[${i}].pattern`, rejection.pattern));
    const streams = target.stages.some(
      (s) => isLogStage(s) && s.log.correlation === 'stream' && s.log.group === rejection.group,
    );
    if (!streams) {
      problems.push(
        `target.rejections[${i}].group: a rejection rejects the job just picked up on its log stream, but ${rejection.group} has no stage with correlation "stream"`,
      );
    }
  });
  if (target.userPool && 'users' in target.userPool) {
    const seen = new Set<string>();
    target.userPool.users.forEach((user, i) => {
      if (seen.has(user)) problems.push(`target.userPool.users[${i}]: "${user}" is listed twice`);
      seen.add(user);
    });
  }
  problems.push(...provisionProblems(target));
  const pool = poolUsers(target).length;
  const peak = peakConcurrency(profile);
  if (pool > 0 && pool < peak.sessions) {
    problems.push(
      `target.userPool: ${pool} user(s), but scenario ${peak.scenario} can have ${peak.sessions} sessions in flight at once, and each needs a user of its own (the same user on another thread interrupts the running job); make the pool at least ${peak.sessions}`,
    );
  }
  if (!/\{(userId|token|sessionId)\}/.test(target.key)) {
    problems.push(
      'target.key: must contain {userId}, {token} or {sessionId} so that each session has its own key',
    );
  }
  const keyProblem = keyTemplateProblem(target.key);
  if (keyProblem) problems.push(`target.key: ${keyProblem}`);

  const scenarioNames = new Map<string, number>();
  let resources = 0;
  profile.scenarios.forEach((scenario, i) => {
    const named = scenarioName(scenario);
    if (scenarioNames.has(named)) {
      problems.push(
        `scenarios[${i}].name: "${named}" is used twice; give each scenario of one type its own name`,
      );
    }
    scenarioNames.set(named, i);
    if (named === ALL_SCENARIOS)
      problems.push(`scenarios[${i}].name: "${named}" is reserved for the whole run's metrics`);
    if (scenario.type === 'resources') resources += 1;
    if ((scenario.type === 'coldWarm' || scenario.type === 'resources') && !target.ecs) {
      problems.push(`scenarios[${i}]: a ${scenario.type} scenario needs target.ecs (cluster and service)`);
    }
    scenario.stages?.forEach((stage, j) => {
      if (!stageNames.has(stage)) {
        problems.push(
          `scenarios[${i}].stages[${j}]: no stage named "${stage}" (stages: ${[...stageNames].join(', ')})`,
        );
      }
    });
    if (scenario.type === 'coldWarm' && scenario.cold + scenario.warm === 0) {
      problems.push(`scenarios[${i}]: cold + warm must be >= 1, got 0`);
    }
  });
  if (resources > 1) problems.push(`scenarios: at most one resources scenario, got ${resources}`);
  if (resources > 0 && resources === profile.scenarios.length) {
    problems.push('scenarios: a resources scenario samples while load runs; add a load scenario to sample');
  }

  const history = estimateHistoryEvents(profile);
  if (history.total > HISTORY_EVENT_LIMIT) {
    const parts = history.byScenario.map((s) => `${s.name} ${s.events}`).join(', ');
    problems.push(
      `scenarios: the run could write up to ${history.total} execution history events (${parts}), over Step Functions' ${HISTORY_EVENT_LIMIT} per execution; use fewer sessions, a shorter sessionTimeoutSeconds, a longer observe.intervalSeconds, or split the profile into several runs`,
    );
  }

  const metrics = new Set([
    ...stageNames,
    TOTAL_METRIC,
    LATENESS_METRIC,
    SUCCESS_METRIC,
    ...profileCaptures(profile).map((c) => c.metric),
  ]);
  problems.push(...limitProblems(profile, metrics));

  profile.thresholds.forEach((threshold, i) => {
    const where = `thresholds[${i}]`;
    const known = threshold.metric === TOTAL_METRIC || threshold.metric === SUCCESS_METRIC;
    const captured = profileCaptures(profile).some((c) => c.metric === threshold.metric);
    if (!known && !captured && threshold.metric !== LATENESS_METRIC && !stageNames.has(threshold.metric)) {
      problems.push(
        `${where}.metric: no stage or metric named "${threshold.metric}" (stages: ${[...stageNames].join(', ')}; or total, success, lateness, or a captured value)`,
      );
    }
    if (threshold.scenario !== undefined) {
      const index = scenarioNames.get(threshold.scenario);
      if (index === undefined) {
        problems.push(
          `${where}.scenario: no scenario named "${threshold.scenario}" (scenarios: ${[...scenarioNames.keys()].join(', ')})`,
        );
      } else if (profile.scenarios[index]?.type === 'resources') {
        problems.push(
          `${where}.scenario: "${threshold.scenario}" is a resources scenario; it has no sessions`,
        );
      }
    }
    try {
      const condition = parseCondition(threshold.condition);
      const isRate = condition.aggregate.kind === 'rate';
      if (isRate && threshold.metric !== SUCCESS_METRIC) {
        problems.push(`${where}.condition: rate applies only to metric "success", not "${threshold.metric}"`);
      }
      if (!isRate && threshold.metric === SUCCESS_METRIC) {
        problems.push(`${where}.condition: metric "success" takes a rate condition such as "rate > 95%"`);
      }
    } catch (error) {
      if (!(error instanceof ThresholdError)) throw error;
      problems.push(`${where}.condition: ${error.message}`);
    }
  });
  return problems;
}

function regexProblem(path: string, pattern: string): string[] {
  const problem = linearRegexProblem(pattern);
  return problem ? [`${path}: ${problem}`] : [];
}

/** Renders a path as `scenarios[0].sessions`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out === '' ? '(profile)' : out;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string')
    return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function formatIssue(issue: z.core.$ZodIssue): string {
  const path = formatPath(issue.path);
  const got = 'input' in issue ? `, got ${describe(issue.input)}` : '';
  switch (issue.code) {
    case 'too_small': {
      const op = issue.inclusive === false ? '>' : '>=';
      if (issue.origin === 'array') {
        const length = Array.isArray(issue.input) ? `, got ${issue.input.length}` : '';
        return `${path}: must have ${op} ${issue.minimum} item(s)${length}`;
      }
      if (issue.origin === 'string')
        return `${path}: must be at least ${issue.minimum} character(s) long${got}`;
      return `${path}: must be ${op} ${issue.minimum}${got}`;
    }
    case 'too_big': {
      const op = issue.inclusive === false ? '<' : '<=';
      if (issue.origin === 'array') return `${path}: must have ${op} ${issue.maximum} item(s)`;
      if (issue.origin === 'string') return `${path}: must be at most ${issue.maximum} character(s) long`;
      return `${path}: must be ${op} ${issue.maximum}${got}`;
    }
    case 'invalid_type':
      return issue.input === undefined
        ? `${path}: is required (${issue.expected})`
        : `${path}: must be ${issue.expected === 'int' ? 'an integer' : `a ${issue.expected}`}${got}`;
    case 'unrecognized_keys':
      return `${path}: unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    case 'invalid_value':
      return `${path}: must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}${got}`;
    case 'invalid_union': {
      const extra = issue as { note?: string; options?: unknown[]; input?: unknown };
      if (extra.note === 'No matching discriminator') {
        const options = (extra.options ?? []).map((o) => JSON.stringify(o)).join(', ');
        const input = extra.input as Record<string, unknown> | undefined;
        const value = input && typeof input === 'object' ? input[String(issue.path.at(-1))] : undefined;
        return `${path}: must be one of ${options}, got ${describe(value)}`;
      }
      // Report the branch that came closest (fewest problems); on a tie, each of them.
      const scored = issue.errors.map((branch) => branch.length);
      const best = Math.min(...scored);
      const inner = issue.errors
        .filter((branch) => branch.length === best)
        .map((branch) =>
          branch.map((i) => formatIssue({ ...i, path: [...issue.path, ...i.path] })).join('; '),
        );
      return inner.length > 0 ? inner.join('; or ') : `${path}: ${issue.message}`;
    }
    case 'invalid_format':
      return `${path}: ${issue.message}${got}`;
    default:
      return `${path}: ${issue.message}${got}`;
  }
}
