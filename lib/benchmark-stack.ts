import { Annotations, CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { stackPolicyProblems } from '../core/stack-policy.js';
import { parseProfile } from '../core/validate-profile.js';
import { BenchmarkWorkflow } from './benchmark-workflow.js';
import { CollectorConstruct } from './collector-construct.js';
import { DashboardConstruct } from './dashboard-construct.js';
import { HandlersConstruct } from './handlers-construct.js';
import { LostBatchesConstruct } from './lost-batches-construct.js';
import { type NightlyScheduleProps, ScheduleConstruct } from './schedule-construct.js';
import { StoppedRunRestoreConstruct } from './stopped-run-restore-construct.js';
import { StorageConstruct } from './storage-construct.js';
import { stackPolicyOf, type TargetProps, targetArns } from './target-props.js';

export interface BenchmarkStackProps extends StackProps {
  readonly target: TargetProps;
  /**
   * The nightly run; absent, the stack has no schedule and no dashboard (the
   * local runner needs only the workflow).
   */
  readonly nightly?: NightlyScheduleProps;
}

/**
 * WebOrdinary Bench: storage, handlers, the workflow, the collector subscription,
 * and the nightly schedule with its dashboard.
 */
export class BenchmarkStack extends Stack {
  readonly storage: StorageConstruct;
  readonly handlers: HandlersConstruct;
  readonly workflow: BenchmarkWorkflow;
  /** Sets back what a stopped, timed-out or failed run left changed on the target. */
  readonly stoppedRunRestore: StoppedRunRestoreConstruct;
  /** The nightly dashboard; present when the stack has a nightly run. */
  readonly dashboard?: DashboardConstruct;

  constructor(scope: Construct, id: string, props: BenchmarkStackProps) {
    super(scope, id, props);
    const { target } = props;
    this.storage = new StorageConstruct(this, 'Storage');
    this.handlers = new HandlersConstruct(this, 'Handlers', {
      table: this.storage.table,
      reportsBucket: this.storage.reportsBucket,
      target,
    });
    new LostBatchesConstruct(this, 'LostBatches', {
      collector: this.handlers.functions.collector,
      report: this.handlers.functions.report,
      reportRole: this.handlers.roles.report,
    });
    this.workflow = new BenchmarkWorkflow(this, 'Workflow', {
      functions: this.handlers.functions,
      target,
      plansBucket: this.storage.reportsBucket,
    });
    this.stoppedRunRestore = new StoppedRunRestoreConstruct(this, 'StoppedRunRestore', {
      benchmark: this.workflow.stateMachine,
      serviceArn: targetArns(this, target).ecsService,
      stoppedRun: this.handlers.functions['stopped-run'],
      targetChange: this.handlers.functions['target-change'],
    });
    this.handlers.allowReportToDescribe(this.workflow.stateMachine);
    if (target.subscribeLogGroups) {
      new CollectorConstruct(this, 'Collector', {
        collector: this.handlers.functions.collector,
        logGroupNames: target.logGroupNames,
      });
    }
    const policy = stackPolicyOf(target);
    if (props.nightly) {
      // The nightly run would fail at Prepare with ProfileInvalid; say so at synth already.
      const outside = stackPolicyProblems(parseProfile(props.nightly.profile), policy);
      if (outside.length > 0) {
        Annotations.of(this).addWarningV2(
          'bench:nightly-outside-stack-policy',
          `the nightly profile ${props.nightly.profilePath} reaches outside the stack's policy; Prepare will refuse it:\n${outside.map((p) => `  - ${p}`).join('\n')}`,
        );
      }
      const schedule = new ScheduleConstruct(this, 'Schedule', {
        stateMachine: this.workflow.stateMachine,
        ...props.nightly,
      });
      this.dashboard = new DashboardConstruct(this, 'Dashboard', {
        profile: parseProfile(props.nightly.profile),
        namespace: target.metricsNamespace,
        stateMachine: this.workflow.stateMachine,
        verdictAlarm: schedule.verdictAlarm,
        stoppedAlarm: schedule.stoppedAlarm,
        notRestoredAlarm: this.stoppedRunRestore.notRestoredAlarm,
      });
    }

    new CfnOutput(this, 'StackPolicy', {
      value: JSON.stringify(policy),
      description:
        'What a profile may touch; check a profile with: bench validate --stack <outputs.json> <profile>',
    });
    new CfnOutput(this, 'StateMachineArn', { value: this.workflow.stateMachine.stateMachineArn });
    new CfnOutput(this, 'StoppedRunRestoreArn', {
      value: this.stoppedRunRestore.stateMachine.stateMachineArn,
      description:
        'Started by EventBridge when a run is stopped, times out or fails; its executions show each restore',
    });
    new CfnOutput(this, 'TableName', { value: this.storage.table.tableName });
    new CfnOutput(this, 'ReportsBucketName', { value: this.storage.reportsBucket.bucketName });
    new CfnOutput(this, 'ReportFunctionName', {
      value: this.handlers.functions.report.functionName,
      description:
        'Invoke with {"runId": "<runId>", "rebuild": true} to rebuild a report with late stage times',
    });
  }
}
