import { Annotations, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { runScenarios } from '../core/limit-steps.js';
import { ALL_SCENARIOS, METRIC_NAMES } from '../core/metric-data.js';
import { type Profile, scenarioName } from '../core/profile.js';
import { parseCondition } from '../core/thresholds.js';
import { SUCCESS_METRIC, TOTAL_METRIC } from '../core/validate-profile.js';

export interface DashboardConstructProps {
  /** The nightly profile, parsed: its stages, scenarios and thresholds shape the widgets. */
  readonly profile: Profile;
  /** The namespace the report may publish to (the stack's `metricsNamespace`). */
  readonly namespace: string;
  readonly stateMachine: sfn.IStateMachine;
  /** The nightly verdict alarm, shown as a status widget when given. */
  readonly verdictAlarm?: cloudwatch.IAlarm;
  /** The alarm on a stopped run (its target restore did not run), shown next to the verdict. */
  readonly stoppedAlarm?: cloudwatch.IAlarm;
  /** The alarm on a stopped or failed run whose automatic restore failed, shown next to the verdict. */
  readonly notRestoredAlarm?: cloudwatch.IAlarm;
}

const PERIOD = Duration.days(1);
const DAILY_SUM: cloudwatch.MetricOptions = { period: PERIOD, statistic: cloudwatch.Stats.SUM };
const PERCENTILES = ['p50', 'p95', 'p99'] as const;
const MS_AXIS: cloudwatch.YAxisProps = { label: 'ms', min: 0, showUnits: false };

/**
 * The nightly benchmark across nights: the verdict, success rates against their
 * thresholds, and p50 / p95 / p99 of the total and of every stage, one point
 * per day. Everything comes from the nightly profile, so a new stage or
 * scenario gets its widgets on the next deploy.
 */
export class DashboardConstruct extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: DashboardConstructProps) {
    super(scope, id);
    const { profile, namespace, stateMachine } = props;
    const empty = !profile.publish.cloudwatch
      ? 'has publish.cloudwatch false'
      : profile.publish.namespace !== namespace
        ? `publishes to ${profile.publish.namespace}, but the stack permits only ${namespace}`
        : undefined;
    if (empty) {
      Annotations.of(this).addWarningV2(
        'bench:dashboardEmpty',
        `nightly profile ${profile.name} ${empty}: the dashboard will stay empty`,
      );
    }
    // Resources scenarios have no sessions, so they publish no session metrics.
    const scenarios = [
      ...runScenarios(profile)
        .filter((s) => s.type !== 'resources')
        .map(scenarioName),
      ALL_SCENARIOS,
    ];
    const metric = (
      metricName: string,
      statistic: string,
      dimensions: Record<string, string>,
      label: string,
    ): cloudwatch.Metric =>
      new cloudwatch.Metric({
        namespace,
        metricName,
        statistic,
        label,
        period: PERIOD,
        dimensionsMap: { Profile: profile.name, ...dimensions },
      });
    // Threshold lines on the graph of the metric they judge (rates as percent, durations in ms);
    // with a scenario, only the thresholds on that scenario's sessions.
    const thresholdLines = (name: string, scenario?: string): cloudwatch.HorizontalAnnotation[] =>
      profile.thresholds
        .filter(
          (t) => t.metric === name && (scenario === undefined || (t.scenario ?? ALL_SCENARIOS) === scenario),
        )
        .map((t) => {
          const condition = parseCondition(t.condition);
          const value = condition.aggregate.kind === 'rate' ? condition.value * 100 : condition.value;
          return { value, label: `${t.scenario ?? ALL_SCENARIOS}: ${t.condition}` };
        });
    const percentileGraph = (
      title: string,
      metricName: string,
      dimensions: Record<string, string>,
      thresholds: cloudwatch.HorizontalAnnotation[],
    ): cloudwatch.GraphWidget =>
      new cloudwatch.GraphWidget({
        title,
        left: PERCENTILES.map((p) => metric(metricName, p, dimensions, p)),
        leftYAxis: MS_AXIS,
        leftAnnotations: thresholds,
        width: 8,
      });

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${Stack.of(this).stackName}-nightly`,
      defaultInterval: Duration.days(42),
    });
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        width: 24,
        height: 4,
        markdown: [
          `# WebOrdinary Bench: ${profile.name}`,
          `One point per day from the raw per-session values each run publishes to \`${namespace}\` (any run of this profile, nightly or manual).`,
          'Durations are in ms: a stage is its segment (time since the previous log stage; an S3 stage, since the email was sent), total runs from the scheduled start.',
          "Percentiles come from CloudWatch; the run's report computes them by nearest rank, and on small samples the report is the reference.",
          "Success rate is the worst run of each day; horizontal lines are the profile's thresholds, labelled with the sessions they judge.",
        ].join('\n\n'),
      }),
    );
    if (props.verdictAlarm) {
      this.dashboard.addWidgets(
        new cloudwatch.AlarmStatusWidget({
          title: 'Verdict',
          alarms: [props.verdictAlarm, props.stoppedAlarm, props.notRestoredAlarm].filter(
            (alarm): alarm is cloudwatch.IAlarm => alarm !== undefined,
          ),
          width: 24,
          height: 2,
        }),
      );
    }
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Runs',
        left: [
          stateMachine.metricSucceeded({ ...DAILY_SUM, label: 'succeeded' }),
          stateMachine.metricFailed({ ...DAILY_SUM, label: 'failed' }),
        ],
        leftYAxis: { min: 0, showUnits: false },
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Success rate (%), worst run of the day',
        left: scenarios.map((s) => metric(METRIC_NAMES.successRate, 'Minimum', { Scenario: s }, s)),
        leftYAxis: { label: '%', min: 0, max: 100, showUnits: false },
        leftAnnotations: thresholdLines(SUCCESS_METRIC),
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Lateness p95',
        left: scenarios.map((s) => metric(METRIC_NAMES.lateness, 'p95', { Scenario: s }, s)),
        leftYAxis: MS_AXIS,
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      ...scenarios.map((s) =>
        percentileGraph(
          `Total, ${s}`,
          METRIC_NAMES.total,
          { Scenario: s, Stage: TOTAL_METRIC },
          thresholdLines(TOTAL_METRIC, s),
        ),
      ),
    );
    this.dashboard.addWidgets(
      ...profile.target.stages.map(({ name }) =>
        percentileGraph(
          `Stage ${name}, all scenarios`,
          METRIC_NAMES.stage,
          { Scenario: ALL_SCENARIOS, Stage: name },
          thresholdLines(name),
        ),
      ),
    );
  }
}
