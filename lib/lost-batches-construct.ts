import { Duration, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface LostBatchesConstructProps {
  /** The collector, invoked asynchronously by the log subscriptions. */
  readonly collector: lambda.Function;
  /** The report handler's role, which drains the queue into the table (lambdas/shared/lost-batches.ts). */
  readonly report: lambda.Function;
  readonly reportRole: iam.IRole;
}

/**
 * Nothing lost silently: a subscription batch the collector fails on after
 * Lambda's two retries goes to an SQS queue (the async invocation's
 * on-failure destination) instead of disappearing. The report drains the
 * queue into the table and names the batches that fell inside its run.
 */
export class LostBatchesConstruct extends Construct {
  readonly queue: sqs.Queue;

  constructor(scope: Construct, id: string, props: LostBatchesConstructProps) {
    super(scope, id);
    this.queue = new sqs.Queue(this, 'Queue', {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    Validations.of(this.queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is itself the collector's dead-letter destination; the report drains it, so it needs no DLQ of its own.",
    });
    props.collector.configureAsyncInvoke({
      onFailure: new SqsDestination(this.queue),
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
    });
    props.report.addEnvironment('LOST_BATCHES_QUEUE_URL', this.queue.queueUrl);
    props.reportRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['sqs:ReceiveMessage', 'sqs:DeleteMessage'],
        resources: [this.queue.queueArn],
      }),
    );
  }
}
