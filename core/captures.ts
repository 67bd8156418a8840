import { RE2JS } from 're2js';
import { type CaptureUnit, isLogStage, type Profile } from './profile.js';
import { regexProblem } from './safe-pattern.js';

/**
 * Values captured from marker lines (`target.stages[].log.capture`): each named
 * group of the capture's regex is a per-session metric, e.g. WebOrdinary's
 * `Task completed - Cost: $0.0712, Duration: 8123ms` gives `claudeCost` (usd)
 * and `claudeMs` (ms). A session's value is the one on the stage's marker that
 * counted (the earliest).
 */

export interface Capture {
  readonly metric: string;
  readonly stage: string;
  readonly unit: CaptureUnit;
}

/** Every captured metric of the profile, in stage order. */
export function profileCaptures(profile: Pick<Profile, 'target'>): Capture[] {
  return profile.target.stages.flatMap((stage) =>
    isLogStage(stage) && stage.log.capture
      ? Object.entries(stage.log.capture.units).map(([metric, unit]) => ({ metric, stage: stage.name, unit }))
      : [],
  );
}

/** The named groups of a capture regex, in order. */
function groupNames(regex: string): string[] {
  return [...regex.matchAll(/\(\?P?<([A-Za-z][A-Za-z0-9]*)>/g)].map((m) => m[1] ?? '');
}

/**
 * A stage's capture as a function of a line: the numbers its named groups
 * matched (none: undefined). Linear-time matching, like the markers
 * (core/safe-pattern.ts).
 */
export function captureOf(
  capture: { regex: string } | undefined,
): ((line: string) => Record<string, number> | undefined) | undefined {
  if (!capture) return undefined;
  const regex = RE2JS.compile(capture.regex);
  const names = groupNames(capture.regex);
  return (line) => {
    const matcher = regex.matcher(line);
    if (!matcher.find()) return undefined;
    const values: Record<string, number> = {};
    for (const name of names) {
      const text = matcher.group(name);
      const value = text === null || text === undefined ? Number.NaN : Number(text.replace(/,/g, ''));
      if (Number.isFinite(value)) values[name] = value;
    }
    return Object.keys(values).length > 0 ? values : undefined;
  };
}

/** Problems with the profile's captures, by path. */
export function captureProblems(profile: Pick<Profile, 'target'>, reserved: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const seen = new Map<string, string>();
  profile.target.stages.forEach((stage, i) => {
    if (!isLogStage(stage) || !stage.log.capture) return;
    const where = `target.stages[${i}].log.capture`;
    const problem = regexProblem(stage.log.capture.regex);
    if (problem) {
      problems.push(`${where}.regex: ${problem}`);
      return;
    }
    const groups = groupNames(stage.log.capture.regex);
    const units = Object.keys(stage.log.capture.units);
    for (const group of groups)
      if (!units.includes(group)) problems.push(`${where}.units: the named group "${group}" has no unit`);
    for (const metric of units) {
      if (!groups.includes(metric))
        problems.push(`${where}.units.${metric}: the regex has no named group "${metric}"`);
      if (reserved.has(metric))
        problems.push(`${where}.units.${metric}: "${metric}" is a stage or report metric name`);
      const other = seen.get(metric);
      if (other !== undefined)
        problems.push(`${where}.units.${metric}: "${metric}" is captured by stage ${other} too`);
      seen.set(metric, stage.name);
    }
  });
  return problems;
}
