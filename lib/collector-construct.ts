import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { LambdaDestination } from 'aws-cdk-lib/aws-logs-destinations';
import { Construct } from 'constructs';

export interface CollectorConstructProps {
  /** The collector handler: matches events against the active runs' stages. */
  readonly collector: lambda.IFunction;
  /** Log groups of the target; they must exist and each allows at most two subscription filters. */
  readonly logGroupNames: readonly string[];
}

/**
 * Pushes the target's log events to the collector: one subscription filter per
 * log group. The filter pattern takes every event because the stage and failure
 * patterns are chosen per run by its profile (and several runs may be active);
 * a filter fixed at deploy time could not follow them. The collector drops
 * what no active run wants, which costs one invocation per batch, not per event.
 */
export class CollectorConstruct extends Construct {
  readonly filters: readonly logs.SubscriptionFilter[];

  constructor(scope: Construct, id: string, props: CollectorConstructProps) {
    super(scope, id);
    const destination = new LambdaDestination(props.collector);
    this.filters = props.logGroupNames.map((name, index) => {
      const logGroup = logs.LogGroup.fromLogGroupName(this, `LogGroup${index}`, name);
      return new logs.SubscriptionFilter(this, `Subscription${index}`, {
        logGroup,
        destination,
        filterPattern: logs.FilterPattern.allEvents(),
      });
    });
  }
}
