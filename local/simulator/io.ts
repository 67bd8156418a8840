import type { S3Client } from '@aws-sdk/client-s3';

/** One log event as PutLogEvents takes it. */
export interface LogEvent {
  readonly timestamp: number;
  readonly message: string;
}

/** Where container log lines go (the runner wires it to CloudWatch Logs PutLogEvents). */
export interface LogSink {
  /** Appends events (in timestamp order) to a stream, creating the group and stream as needed. */
  put(group: string, stream: string, events: readonly LogEvent[]): Promise<void>;
}

/** One data point, shaped like the SDK's `MetricDatum`. */
export interface MetricDatum {
  readonly MetricName: string;
  readonly Dimensions: readonly { readonly Name: string; readonly Value: string }[];
  readonly Timestamp: Date;
  readonly Value: number;
  readonly Unit: 'Percent';
}

/** Where resource metrics go (the runner wires it to CloudWatch PutMetricData). */
export interface MetricSink {
  put(namespace: string, data: readonly MetricDatum[]): Promise<void>;
}

/** The simulator's view of the ECS service (the runner wires it to its local ECS). */
export interface EcsControl {
  getDesiredCount(): number;
  /** Reports the service's running and pending task counts. */
  setCounts(running: number, pending: number): void;
  /** Calls `listener` on every desired count change; returns the unsubscribe function. */
  onDesiredCountChange(listener: (desired: number) => void): () => void;
  /** The target's own scaling sets the desired count (UpdateService). */
  setDesiredCount(desired: number): void;
}

export interface SimulatorIo {
  readonly logs: LogSink;
  readonly metrics: MetricSink;
  /** Client for the intake bucket and the site buckets (path style against s3rver). */
  readonly s3: S3Client;
  /** Base URL of aws-ses-v2-local (its `/store` is polled); absent: no SES intake. */
  readonly sesStoreUrl?: string;
  readonly ecs: EcsControl;
}
