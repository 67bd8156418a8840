import { CloudWatchStore } from './cloudwatch.js';
import { EcsStore } from './ecs.js';
import { LogsStore, type LogsStoreOptions } from './logs.js';
import { type JsonService, startJsonServer } from './server.js';
import { SfnStore } from './sfn.js';
import { SQS_QUERY_CODES, SqsStore } from './sqs.js';

export { CloudWatchStore } from './cloudwatch.js';
export type { AdversarialDeliveryOptions } from './delivery-plan.js';
export type { DesiredCountChange, EcsService, ServiceDefinition } from './ecs.js';
export { EcsStore } from './ecs.js';
export { AwsEndpointError } from './errors.js';
export { LogsStore, type LogsStoreOptions } from './logs.js';
export { type IssuedToken, SfnStore, TaskFailedError } from './sfn.js';
export { SqsStore } from './sqs.js';
export type {
  DeliveryFailure,
  DestinationHandler,
  SubscriptionDataMessage,
  SubscriptionEvent,
} from './subscription-delivery.js';

/** The local CloudWatch Logs, CloudWatch, ECS, Step Functions and SQS endpoint and its in-memory state. */
export interface AwsEndpoint {
  /** `http://127.0.0.1:<port>`, for every AWS_ENDPOINT_URL_* this endpoint serves. */
  url: string;
  logs: LogsStore;
  cloudwatch: CloudWatchStore;
  ecs: EcsStore;
  sfn: SfnStore;
  sqs: SqsStore;
  /** Waits for the subscription deliveries already queued, then stops the server. */
  close(): Promise<void>;
}

export interface AwsEndpointOptions {
  logs?: LogsStoreOptions;
}

/** CloudWatch's query-compatible error codes, where they differ from the JSON error type. */
const CLOUDWATCH_QUERY_CODES: Record<string, string> = {
  InvalidParameterValueException: 'InvalidParameterValue',
  MissingRequiredParameterException: 'MissingParameter',
  InvalidParameterCombinationException: 'InvalidParameterCombination',
};

/** Starts the endpoint on 127.0.0.1 and an ephemeral port. */
export async function startAwsEndpoint(options: AwsEndpointOptions = {}): Promise<AwsEndpoint> {
  const logs = new LogsStore(options.logs);
  const cloudwatch = new CloudWatchStore();
  const ecs = new EcsStore();
  const sfn = new SfnStore();
  let url = '';
  const sqs = new SqsStore(() => url);
  const services: JsonService[] = [
    {
      targetPrefix: 'Logs_20140328',
      jsonVersion: '1.1',
      operations: {
        CreateLogGroup: (b) => logs.createLogGroup(b),
        CreateLogStream: (b) => logs.createLogStream(b),
        DescribeLogGroups: (b) => logs.describeLogGroups(b),
        DescribeLogStreams: (b) => logs.describeLogStreams(b),
        PutLogEvents: (b) => logs.putLogEvents(b),
        GetLogEvents: (b) => logs.getLogEvents(b),
        FilterLogEvents: (b) => logs.filterLogEvents(b),
        PutSubscriptionFilter: (b) => logs.putSubscriptionFilter(b),
        DescribeSubscriptionFilters: (b) => logs.describeSubscriptionFilters(b),
        DeleteSubscriptionFilter: (b) => logs.deleteSubscriptionFilter(b),
      },
    },
    {
      targetPrefix: 'GraniteServiceVersion20100801',
      jsonVersion: '1.0',
      operations: {
        PutMetricData: (b, { payloadBytes }) => cloudwatch.putMetricData(b, payloadBytes),
        GetMetricData: (b) => cloudwatch.getMetricData(b),
        ListMetrics: (b) => cloudwatch.listMetrics(b),
      },
      queryErrorCode: (type) => CLOUDWATCH_QUERY_CODES[type] ?? type,
    },
    {
      targetPrefix: 'AmazonEC2ContainerServiceV20141113',
      jsonVersion: '1.1',
      operations: {
        DescribeServices: (b) => ecs.describeServices(b),
        UpdateService: (b) => ecs.updateService(b),
        ListTasks: (b) => ecs.listTasks(b),
      },
    },
    {
      targetPrefix: 'AWSStepFunctions',
      jsonVersion: '1.0',
      operations: {
        SendTaskSuccess: (b) => sfn.sendTaskSuccess(b),
        SendTaskFailure: (b) => sfn.sendTaskFailure(b),
        SendTaskHeartbeat: (b) => sfn.sendTaskHeartbeat(b),
        DescribeStateMachine: (b) => sfn.describeStateMachine(b),
      },
    },
    {
      targetPrefix: 'AmazonSQS',
      jsonVersion: '1.0',
      operations: {
        CreateQueue: (b) => sqs.createQueue(b),
        GetQueueUrl: (b) => sqs.getQueueUrl(b),
        GetQueueAttributes: (b) => sqs.getQueueAttributes(b),
        ListQueues: (b) => sqs.listQueues(b),
        DeleteQueue: (b) => sqs.deleteQueue(b),
        SendMessage: (b) => sqs.sendMessage(b),
        ReceiveMessage: (b) => sqs.receiveMessage(b),
        DeleteMessage: (b) => sqs.deleteMessage(b),
      },
      queryErrorCode: (type) => SQS_QUERY_CODES[type] ?? type,
    },
  ];
  const server = await startJsonServer(services);
  url = server.url;
  return {
    url: server.url,
    logs,
    cloudwatch,
    ecs,
    sfn,
    sqs,
    close: async () => {
      // Deliver what is queued first: the collector calls back into this endpoint (SendTaskSuccess).
      await logs.drain();
      await server.close();
    },
  };
}
