import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { unscopedPolicy } from './nag-acknowledgements.js';

export interface LogAndTraceOptions {
  /**
   * The role to give the policies to, when the state machine's own is
   * immutable (`withoutPolicyUpdates()`: it would drop them). Default: its role.
   */
  readonly role?: iam.IRole;
  /** Log inputs and outputs too. Default false: the benchmark's carry task tokens, the profile and addresses. */
  readonly includeExecutionData?: boolean;
}

/**
 * Execution logging (level ALL, by default without execution data: inputs and
 * outputs carry task tokens, the profile and email addresses) and X-Ray
 * tracing for a state machine. Set on the resource rather than through the StateMachine props: CDK
 * would put their `*` statements in the role's default policy, where an
 * acknowledgement would also cover any `*` statement added there later. Here each
 * is a policy of its own, acknowledged with its own reason, and the state machine
 * waits for both (Step Functions checks the log destination when it is created).
 */
export function logAndTrace(
  stateMachine: sfn.StateMachine,
  logGroup: logs.ILogGroup,
  options: LogAndTraceOptions = {},
): void {
  const role = options.role ?? stateMachine.role;
  const resource = stateMachine.node.defaultChild as sfn.CfnStateMachine;
  resource.loggingConfiguration = {
    destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: logGroup.logGroupArn } }],
    includeExecutionData: options.includeExecutionData ?? false,
    level: sfn.LogLevel.ALL,
  };
  resource.tracingConfiguration = { enabled: true };
  const delivery = unscopedPolicy(
    stateMachine,
    'LogDeliveryPolicy',
    role,
    [
      'logs:CreateLogDelivery',
      'logs:GetLogDelivery',
      'logs:UpdateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:DescribeResourcePolicies',
      'logs:DescribeLogGroups',
    ],
    'CloudWatch Logs vended log delivery (the execution log) has no resource-level permissions: Step Functions requires these actions on "*".',
  );
  const tracing = unscopedPolicy(
    stateMachine,
    'TracingPolicy',
    role,
    ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets'],
    'X-Ray trace writes and sampling reads have no resource-level permissions (tracing of the executions).',
  );
  resource.node.addDependency(delivery, tracing);
}
