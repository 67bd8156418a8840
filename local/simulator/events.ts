/** What the simulator reports as it goes (for progress output and tests). */
export type SimulatorEvent = { readonly at: number } & (
  | {
      readonly type: 'email-ignored';
      readonly source: 'ses' | 's3';
      readonly messageId: string;
      readonly reason: string;
    }
  | { readonly type: 'job-received'; readonly jobId: string; readonly laneKey: string }
  | { readonly type: 'job-queued'; readonly jobId: string; readonly laneKey: string }
  | {
      readonly type: 'task-launched';
      readonly taskId: string;
      readonly coldStartMs: number;
      readonly warm: boolean;
    }
  | { readonly type: 'task-ready'; readonly taskId: string }
  | { readonly type: 'scaled-from-zero'; readonly desiredCount: number }
  | { readonly type: 'task-stopped'; readonly taskId: string }
  | {
      readonly type: 'lane-claimed';
      readonly taskId: string;
      readonly laneKey: string;
      readonly claimMs: number;
      /** The container claimed the lane while it was running a job of another lane. */
      readonly whileBusy?: boolean;
    }
  | {
      readonly type: 'lane-abandoned';
      readonly taskId: string;
      readonly laneKey: string;
      /** Until the lane can be claimed again (its ownership record expires). */
      readonly untilMs: number;
    }
  | { readonly type: 'job-dropped'; readonly jobId: string; readonly taskId: string }
  | { readonly type: 'lane-released'; readonly taskId: string; readonly laneKey: string }
  | { readonly type: 'job-started'; readonly jobId: string; readonly taskId: string }
  | { readonly type: 'marker'; readonly jobId: string; readonly step: string; readonly timestamp: number }
  | { readonly type: 'job-finished'; readonly jobId: string; readonly status: 'ok' | 'failed' | 'abandoned' }
  | { readonly type: 'metrics'; readonly cpu: number; readonly memory: number; readonly tasks: number }
  | { readonly type: 'error'; readonly where: string; readonly message: string }
);

/** Distributes `Omit<SimulatorEvent, 'at'>` over the union. */
export type EventBody = SimulatorEvent extends infer E
  ? E extends SimulatorEvent
    ? Omit<E, 'at'>
    : never
  : never;

export type Emit = (event: EventBody) => void;
