import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, TimeZone } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as targets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct, type Node } from 'constructs';
import { validateProfile } from '../core/validate-profile.js';

/** The nightly run: which profile, and when. */
export interface NightlyScheduleProps {
  /** The profile document the nightly run starts with, as read by {@link readNightlyProfile}. */
  readonly profile: unknown;
  /** Where the profile came from (for the schedule's description). */
  readonly profilePath: string;
  /** An EventBridge Scheduler `cron(...)` or `rate(...)` expression. */
  readonly expression: string;
  /** IANA time zone the expression is read in. */
  readonly timeZone: string;
}

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * The nightly schedule from CDK context: `nightlyProfile` (default
 * `profiles/webordinary-nightly.json`), `nightlySchedule` (default
 * `cron(0 3 * * ? *)`) and `nightlyTimeZone` (default `UTC`). Reads and checks
 * the profile at once, so a missing or bad one stops synth before any bundling.
 */
export function nightlyScheduleFromContext(node: Node): NightlyScheduleProps {
  const text = (key: string, fallback: string): string => {
    const value: unknown = node.tryGetContext(key);
    return typeof value === 'string' && value.trim() !== '' ? value.trim() : fallback;
  };
  const profilePath = text('nightlyProfile', 'profiles/webordinary-nightly.json');
  return {
    profile: readNightlyProfile(profilePath),
    profilePath,
    expression: text('nightlySchedule', 'cron(0 3 * * ? *)'),
    timeZone: text('nightlyTimeZone', 'UTC'),
  };
}

/** Reads and validates the nightly profile at synth time, so a bad one never reaches the account. */
export function readNightlyProfile(profilePath: string): unknown {
  const path = isAbsolute(profilePath) ? profilePath : resolve(PROJECT_ROOT, profilePath);
  if (!existsSync(path)) {
    throw new Error(
      `nightly profile ${path} does not exist: add it, or point context nightlyProfile at another profile ` +
        '(cdk synth -c nightlyProfile=profiles/<name>.json)',
    );
  }
  let profile: unknown;
  try {
    profile = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`nightly profile ${path} is not valid JSON: ${(error as Error).message}`);
  }
  const result = validateProfile(profile);
  if (!result.ok)
    throw new Error(`nightly profile ${path} is invalid:\n  - ${result.problems.join('\n  - ')}`);
  return profile;
}

export interface ScheduleConstructProps extends NightlyScheduleProps {
  readonly stateMachine: sfn.IStateMachine;
}

/**
 * Starts the benchmark every night with the nightly profile as its input, and
 * raises an alarm when a run fails. A run fails on `ThresholdsBreached` as well
 * as on errors, so the alarm is the nightly verdict (manual runs count too).
 */
export class ScheduleConstruct extends Construct {
  readonly schedule: scheduler.Schedule;
  readonly verdictAlarm: cloudwatch.Alarm;
  readonly stoppedAlarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: ScheduleConstructProps) {
    super(scope, id);
    this.schedule = new scheduler.Schedule(this, 'Nightly', {
      description: `WebOrdinary Bench: nightly run of ${props.profilePath}`,
      schedule: scheduler.ScheduleExpression.expression(props.expression, TimeZone.of(props.timeZone)),
      timeWindow: scheduler.TimeWindow.off(),
      target: new targets.StepFunctionsStartExecution(props.stateMachine, {
        input: scheduler.ScheduleTargetInput.fromObject(props.profile),
        // A start that fails for an hour is better reported than run late into the working day.
        retryAttempts: 3,
        maxEventAge: Duration.hours(1),
      }),
    });

    this.verdictAlarm = new cloudwatch.Alarm(this, 'RunFailed', {
      alarmDescription:
        'A benchmark run failed: thresholds breached, invalid profile, or an error (see its report)',
      metric: props.stateMachine.metricFailed({ period: Duration.days(1), statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // A stopped execution runs no Catch: the stopped-run restore (lib/stopped-run-restore-construct.ts) sets
    // the target back; this alarm says that a run was cut short, so its night has no report.
    this.stoppedAlarm = new cloudwatch.Alarm(this, 'RunStopped', {
      alarmDescription:
        'A benchmark run was stopped (aborted): it wrote no report. The stopped-run restore sets back what a ' +
        'coldWarm scenario left changed on the ECS service (the RunNotRestored alarm fires if it cannot)',
      metric: props.stateMachine.metricAborted({ period: Duration.days(1), statistic: cloudwatch.Stats.SUM }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }
}
