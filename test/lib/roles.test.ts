import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { BenchmarkStack } from '../../lib/benchmark-stack.js';
import { nightlyScheduleFromContext } from '../../lib/schedule-construct.js';
import { targetPropsFromContext } from '../../lib/target-props.js';
import { roleStatements } from '../support/role-statements.js';

function build() {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new BenchmarkStack(app, 'WebOrdinaryBench', {
    target: targetPropsFromContext(app.node),
    nightly: nightlyScheduleFromContext(app.node),
  });
  return { app, stack };
}

/**
 * Every role of the default stack and every statement it holds, reviewed line
 * by line. A role that gains (or loses) an action, a resource or a condition
 * fails this test: change it only together with the reason in docs/internals.md.
 * - Each handler: its own log group, the table actions it uses, X-Ray (no resource-level permissions).
 * - No Scan, no DeleteItem; BatchWriteItem for prepare only (the plan); BatchGetItem for the collector
 *   and observe (sessions' stream credits, checked after a redelivery); PutItem for the trigger (a pool
 *   user's lease record).
 * - SES only as the configured identities, from their addresses, to the allowed recipient domains.
 * - Start scenario writes the load plans (runs/<runId>/plans/*); the state machine reads them (CDK's
 *   ItemReader grant: GetObject on the stack's reports bucket, as its key is a path) and starts, describes,
 *   stops and redrives its own child executions (CDK's Distributed Map grant). The children run this state
 *   machine's definition, so the callbacks' SendTask* on Workflow/StateMachine covers their task tokens.
 *   The Distributed Map's label (Sessions) narrows CDK's redrive grant to its own children.
 * - The stopped-run restore (a run stopped, timed out or failed): EventBridge may only start it; it may only
 *   invoke its two handlers (unqualified ARNs, no `:*`) and UpdateService on the one target service, plus
 *   log delivery and X-Ray (no resource-level permissions) in policies of their own, as the benchmark’s (lib/workflow-logging.ts). Its handler
 *   stopped-run lists the run's TARGET# records (Query) and frees its slot (UpdateItem), nothing else.
 * - The report reads CloudWatch metrics (GetMetricData: the ECS series and the harness's own usage; AWS allows
 *   no resource there) and its state machine's definition (DescribeStateMachine, for the predicted cost).
 */
const EXPECTED: Record<string, string[]> = {
  'Handlers/PrepareRole': [
    'Allow dynamodb:BatchWriteItem, dynamodb:GetItem, dynamodb:PutItem, dynamodb:UpdateItem on Storage/Table.Arn',
    'Allow logs:CreateLogStream, logs:PutLogEvents on Handlers/PrepareLogs.Arn',
    'Allow sqs:GetQueueUrl on arn:sqs:<Region>:<AccountId>:webordinary-*',
    'Allow xray:PutTelemetryRecords, xray:PutTraceSegments on *',
  ],
  'Handlers/StartScenarioRole': [
    'Allow dynamodb:GetItem, dynamodb:PutItem, dynamodb:Query on Storage/Table.Arn',
    'Allow logs:CreateLogStream, logs:PutLogEvents on Handlers/StartScenarioLogs.Arn',
    'Allow s3:PutObject on Storage/Reports.Arn/runs/*/plans/*',
    'Allow xray:PutTelemetryRecords, xray:PutTraceSegments on *',
  ],
  'Handlers/StoppedRunRole': [
    'Allow dynamodb:GetItem, dynamodb:Query, dynamodb:UpdateItem on Storage/Table.Arn',
    'Allow logs:CreateLogStream, logs:PutLogEvents on Handlers/StoppedRunLogs.Arn',
    'Allow xray:PutTelemetryRecords, xray:PutTraceSegments on *',
  ],
  'Handlers/TargetChangeRole': [
    'Allow dynamodb:PutItem, dynamodb:UpdateItem on Storage/Table.Arn',
    'Allow logs:CreateLogStream, logs:PutLogEvents on Handlers/TargetChangeLogs.Arn',
    'Allow xray:PutTelemetryRecords, xray:PutTraceSegments on *',
  ],
  'Handlers/TriggerRole': [
    'Allow dynamodb:GetItem, dynamodb:PutItem, dynamodb:UpdateItem on Storage/Table.Arn',
    'Allow logs:CreateLogStream, logs:PutLogEvents on Handlers/TriggerLogs.Arn',
    'Allow s3:PutObject on arn:s3:::webordinary-ses-emails/emails/*',
    'Allow ses:GetSendQuota on *',
    'Allow ses:SendEmail, ses:SendRawEmail on arn:ses:<Region>:<AccountId>:identity/webordinary.com if {"StringLike":{"ses:FromAddress":["*@webordinary.com"]},"ForAllValues:StringLike":{"ses:Recipients":["*@bench.webordinary.com"]}}',
    'Allow xray:PutTelemetryRecords, xray:PutTraceSegments on *',
  ],
  'Handlers/AwaitRole': [
    'Allow dynamodb:GetItem, dynamodb:UpdateItem on Storage/Table.Arn',
    'Allow logs:CreateLogStream, logs:PutLogEvents on Handlers/AwaitLogs.Arn',
    'Allow states:SendTaskFailure, states:SendTaskHeartbeat, states:SendTaskSuccess on Workflow/StateMachine',
    'Allow xray:PutTelemetryRecords, xray:PutTraceSegments on *',
  ],
  'Handlers/FinalizeRole': [
    'Allow dynamodb:GetItem, dynamodb:UpdateItem on Storage/Table.Arn',
    'Allow logs:CreateLogStream, logs:PutLogEvents on Handlers/FinalizeLogs.Arn',
    'Allow xray:PutTelemetryRecords, xray:PutTraceSegments on *',
  ],
  'Handlers/ObserveRole': [
    'Allow dynamodb:BatchGetItem, dynamodb:GetItem, dynamodb:PutItem, dynamodb:Query, dynamodb:UpdateItem on Storage/Table.Arn',
    'Allow ecs:DescribeServices on arn:ecs:<Region>:<AccountId>:service/webordinary-edit-cluster/webordinary-edit-service',
    'Allow logs:CreateLogStream, logs:PutLogEvents on Handlers/ObserveLogs.Arn',
    'Allow logs:FilterLogEvents on arn:logs:<Region>:<AccountId>:log-group:/ecs/webordinary/edit:*',
    'Allow s3:GetObject on arn:s3:::edit.*.webordinary.com/*',
    'Allow s3:ListBucket on arn:s3:::edit.*.webordinary.com',
    'Allow states:SendTaskFailure, states:SendTaskHeartbeat, states:SendTaskSuccess on Workflow/StateMachine',
    'Allow xray:PutTelemetryRecords, xray:PutTraceSegments on *',
  ],
  'Handlers/CollectorRole': [
    'Allow dynamodb:BatchGetItem, dynamodb:GetItem, dynamodb:Query, dynamodb:UpdateItem on Storage/Table.Arn',
    'Allow logs:CreateLogStream, logs:PutLogEvents on Handlers/CollectorLogs.Arn',
    'Allow sqs:GetQueueAttributes, sqs:GetQueueUrl, sqs:SendMessage on LostBatches/Queue.Arn',
    'Allow states:SendTaskFailure, states:SendTaskHeartbeat, states:SendTaskSuccess on Workflow/StateMachine',
    'Allow xray:PutTelemetryRecords, xray:PutTraceSegments on *',
  ],
  'Handlers/ReportRole': [
    'Allow cloudwatch:GetMetricData on *',
    'Allow cloudwatch:PutMetricData on * if {"StringEquals":{"cloudwatch:namespace":"WebOrdinary/Performance"}}',
    'Allow dynamodb:GetItem, dynamodb:PutItem, dynamodb:Query, dynamodb:UpdateItem on Storage/Table.Arn',
    'Allow logs:CreateLogStream, logs:PutLogEvents on Handlers/ReportLogs.Arn',
    'Allow s3:PutObject on Storage/Reports.Arn/reports/*',
    'Allow sqs:DeleteMessage, sqs:ReceiveMessage on LostBatches/Queue.Arn',
    'Allow states:DescribeStateMachine on Workflow/StateMachine',
    'Allow xray:PutTelemetryRecords, xray:PutTraceSegments on *',
  ],
  'Workflow/StateMachine/Role': [
    'Allow ecs:describeServices on arn:ecs:<Region>:<AccountId>:service/webordinary-edit-cluster/webordinary-edit-service',
    'Allow ecs:updateService on arn:ecs:<Region>:<AccountId>:service/webordinary-edit-cluster/webordinary-edit-service',
    'Allow lambda:InvokeFunction on Handlers/Await.Arn, Handlers/Await.Arn:*',
    'Allow lambda:InvokeFunction on Handlers/Finalize.Arn, Handlers/Finalize.Arn:*',
    'Allow lambda:InvokeFunction on Handlers/Observe.Arn, Handlers/Observe.Arn:*',
    'Allow lambda:InvokeFunction on Handlers/Prepare.Arn, Handlers/Prepare.Arn:*',
    'Allow lambda:InvokeFunction on Handlers/Report.Arn, Handlers/Report.Arn:*',
    'Allow lambda:InvokeFunction on Handlers/StartScenario.Arn, Handlers/StartScenario.Arn:*',
    'Allow lambda:InvokeFunction on Handlers/TargetChange.Arn, Handlers/TargetChange.Arn:*',
    'Allow lambda:InvokeFunction on Handlers/Trigger.Arn, Handlers/Trigger.Arn:*',
    'Allow logs:CreateLogDelivery, logs:DeleteLogDelivery, logs:DescribeLogGroups, logs:DescribeResourcePolicies, logs:GetLogDelivery, logs:ListLogDeliveries, logs:PutResourcePolicy, logs:UpdateLogDelivery on *',
    'Allow s3:GetObject on arn:s3:::Storage/Reports/*',
    'Allow states:DescribeExecution, states:StopExecution on arn:states:<Region>:<AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"WorkflowStateMachine8F1B1C15"}]}]}:*',
    'Allow states:RedriveExecution on arn:states:<Region>:<AccountId>:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"WorkflowStateMachine8F1B1C15"}]}]}/Sessions:*',
    'Allow states:StartExecution on Workflow/StateMachine',
    'Allow xray:GetSamplingRules, xray:GetSamplingTargets, xray:PutTelemetryRecords, xray:PutTraceSegments on *',
  ],
  'SchedulerRoleForTarget-9b648f': ['Allow states:StartExecution on Workflow/StateMachine'],
  'StoppedRunRestore/Role': [
    'Allow ecs:UpdateService on arn:ecs:<Region>:<AccountId>:service/webordinary-edit-cluster/webordinary-edit-service',
    'Allow lambda:InvokeFunction on Handlers/StoppedRun.Arn, Handlers/TargetChange.Arn',
    'Allow logs:CreateLogDelivery, logs:DeleteLogDelivery, logs:DescribeLogGroups, logs:DescribeResourcePolicies, logs:GetLogDelivery, logs:ListLogDeliveries, logs:PutResourcePolicy, logs:UpdateLogDelivery on *',
    'Allow xray:GetSamplingRules, xray:GetSamplingTargets, xray:PutTelemetryRecords, xray:PutTraceSegments on *',
  ],
  'StoppedRunRestore/StartRole': ['Allow states:StartExecution on StoppedRunRestore/StateMachine'],
};

describe('IAM roles', () => {
  it('hold exactly the reviewed statements', () => {
    expect(roleStatements(build().stack)).toEqual(EXPECTED);
  });

  it('differ from the review as soon as a role gains an action', () => {
    const { stack } = build();
    stack.handlers.roles.collector.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: ['dynamodb:Scan'], resources: [stack.storage.table.tableArn] }),
    );
    expect(roleStatements(stack)['Handlers/CollectorRole']).toContain(
      'Allow dynamodb:Scan on Storage/Table.Arn',
    );
    expect(roleStatements(stack)).not.toEqual(EXPECTED);
  });

  it('use no managed policy: each function writes only its own log group', () => {
    const roles = Template.fromStack(build().stack).findResources('AWS::IAM::Role');
    expect(Object.keys(roles).length).toBeGreaterThanOrEqual(10);
    for (const role of Object.values(roles)) expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it('makes cdk-nag report a new "*" statement on a handler role (no blanket acknowledgement)', () => {
    const { app, stack } = build();
    stack.handlers.roles.trigger.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['ses:SendEmail', 'ecs:UpdateService', 's3:PutObject'],
        resources: ['*'],
      }),
    );
    const report = new AwsSolutionsChecks().validateScope(app);
    const findings = report.violations.map(
      (v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(' ')}`,
    );
    expect(
      findings.some(
        (f) => f.includes('AwsSolutions-IAM5') && f.includes('Handlers/TriggerRole/DefaultPolicy'),
      ),
    ).toBe(true);
  });

  it('makes cdk-nag report a new "*" statement on the state machine role (no blanket acknowledgement)', () => {
    const { app, stack } = build();
    stack.workflow.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['ecs:UpdateService'], resources: ['*'] }),
    );
    const report = new AwsSolutionsChecks().validateScope(app);
    const findings = report.violations.map(
      (v) => `${v.ruleName} ${v.violatingResources.map((r) => r.constructPath).join(' ')}`,
    );
    expect(findings).toContainEqual(
      expect.stringMatching(
        /^AwsSolutions-IAM5\[Resource::\*\] .*Workflow\/StateMachine\/Role\/DefaultPolicy/,
      ),
    );
  });
});
