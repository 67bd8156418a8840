import type { JobIdentity } from './identity.js';

/**
 * What really happened to one job, as the simulator did it, with who it was
 * for (recipient, project, user, thread, lane, workspace, instruction).
 */
export interface JobTruth extends JobIdentity {
  readonly jobId: string;
  readonly source: 'ses' | 's3';
  /** SES store message id, or the Message-ID header / object key of an `.eml`. */
  readonly messageId: string;
  readonly subject: string;
  /** When the simulator found the email (epoch ms). */
  readonly receivedAt: number;
  /** After the intake delay: the job is queued for a container (execution start). */
  enqueuedAt?: number;
  /** A container began on it (its claim, or the pickup wait when it already owned the lane). */
  startedAt?: number;
  /** startedAt - enqueuedAt: waiting for a container (cold starts, busy lanes, idle releases). */
  queueWaitMs?: number;
  taskId?: string;
  /** The task was launched after the job was queued and this is its first job. */
  coldStart: boolean;
  /** The task's launch -> ready time when `coldStart`, else 0. */
  coldStartMs: number;
  /** Lane claim cost paid by this job (0 when its container already owned the lane). */
  claimMs: number;
  /** Workspace setup (clone + install) paid by this job (0 after the first job of its workspace). */
  setupMs: number;
  /** Step name -> the exact `timestamp` given to the step's marker log event. */
  readonly markers: Record<string, number>;
  /** Every line written for the job (message without formatting). */
  readonly lines: LineTruth[];
  site?: SiteTruth;
  /**
   * `dropped`: a busy container picked the job up and lost it (see the model's
   * `lanes.claimWhileBusy`); its only marker is the first step's (the pickup).
   */
  status: 'received' | 'queued' | 'running' | 'ok' | 'failed' | 'dropped' | 'abandoned';
  /** Where and when the job was dropped, when `status` is `dropped`. */
  dropped?: DropTruth;
  failedStep?: string;
  finishedAt?: number;
}

export interface LineTruth {
  readonly step: string;
  readonly timestamp: number;
  readonly text: string;
  readonly marker: boolean;
}

export interface SiteTruth {
  readonly bucket: string;
  readonly key: string;
  /** PutObject was called (epoch ms). */
  readonly putStartedAt: number;
  /** PutObject returned (epoch ms). */
  readonly putAt: number;
  /**
   * LastModified as HeadObject reports it. It comes from the HTTP
   * `Last-Modified` header: the write's time truncated to whole seconds (s3rver
   * and AWS alike). The write happened between the call and its return, so
   * `putStartedAt - 1000 < lastModified <= putAt`.
   */
  readonly lastModified: number;
  readonly etag?: string;
}

export interface DropTruth {
  /** The `timestamp` of the log event of the first drop line (the WARN `Already processing a message...`). */
  readonly at: number;
  /** The busy container (ECS task id) that dropped the job. */
  readonly taskId: string;
  readonly logGroup: string;
  /** The busy container's stream: the one its running job writes to. */
  readonly logStream: string;
  /** The job that was running in that container when this one was dropped. */
  readonly runningJobId?: string;
}
