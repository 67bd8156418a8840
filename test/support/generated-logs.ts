import fc from 'fast-check';
import type { LogEvent } from '../../core/correlation.js';
import { type Profile, type ProfileInput, ProfileSchema } from '../../core/profile.js';

/**
 * Generated container logs with their truth, for the correlation properties
 * and the accuracy benchmark: several log streams (containers), each running
 * jobs back to back; a job may fail (and stop, or go on), another job's
 * pickup may be rejected while it runs (WebOrdinary's busy container), and
 * jobs of other traffic (keys of no session) run in between.
 */

export const GROUP = '/ecs/webordinary/edit';
export const STAGES = ['thread', 'claude', 'build', 'sync', 'done'] as const;
const LINES: Record<(typeof STAGES)[number], string> = {
  thread: 'Switched to thread t (branch: thread-t)',
  claude: 'Task completed - Cost: $0.0500, Duration: 8000ms',
  build: '✅ Astro build successful',
  sync: '✅ S3 sync complete: 3 uploaded, 0 deleted',
  done: 'Successfully processed message and sent callback',
};

/** The profile whose markers the generated lines carry (WebOrdinary's real texts). */
export function generatedLogsProfile(sessions: number, overrides: Partial<ProfileInput> = {}): Profile {
  return ProfileSchema.parse({
    name: 'generated',
    target: {
      trigger: {
        type: 'ses',
        from: 'bench@webordinary.com',
        to: '{userId}@amelia.webordinary.com',
        subject: 's {token}',
        body: 'b',
      },
      stages: [
        {
          name: 'pickup',
          log: { group: GROUP, pattern: 'Received Step Functions message for', correlation: 'key' },
        },
        ...STAGES.map((name) => ({
          name,
          log: { group: GROUP, pattern: LINES[name], correlation: 'stream' },
        })),
      ],
      failures: [
        { group: GROUP, pattern: 'Failed to process message:', correlation: 'stream', reason: 'claude' },
        { group: GROUP, pattern: 'Build failed with code', correlation: 'stream', reason: 'build' },
      ],
      rejections: [{ group: GROUP, pattern: 'Already processing a message', reason: 'dropped' }],
    },
    scenarios: [{ type: 'burst', sessions }],
    ...overrides,
  });
}

export type JobSpec = {
  readonly kind: 'session' | 'foreign';
  /** Log the pickup twice (WebOrdinary logs `{p}/{u}` then `{p}#{u}`). */
  readonly twoPickupLines: boolean;
  /** `fatal`: the job fails at `failAt` and stops; `soft`: a build failure, the job goes on. */
  readonly failure: 'none' | 'fatal' | 'soft';
  readonly failAt: number;
  /** Pickups of other sessions rejected while this job runs, after this many stages. */
  readonly rejected: readonly number[];
  /** Gaps between successive lines, ms (0: the same millisecond). */
  readonly gaps: readonly number[];
};

export const jobArbitrary: fc.Arbitrary<JobSpec> = fc.record({
  kind: fc.constantFrom('session', 'session', 'session', 'foreign'),
  twoPickupLines: fc.boolean(),
  failure: fc.constantFrom('none', 'none', 'none', 'fatal', 'soft'),
  failAt: fc.integer({ min: 0, max: STAGES.length - 2 }),
  rejected: fc.array(fc.integer({ min: 0, max: STAGES.length - 1 }), { maxLength: 2 }),
  gaps: fc.array(fc.constantFrom(0, 1, 3, 40, 700), { minLength: 16, maxLength: 16 }),
}) as fc.Arbitrary<JobSpec>;

/** Streams, each a list of jobs run back to back. */
export const logsArbitrary = fc.array(fc.array(jobArbitrary, { minLength: 1, maxLength: 4 }), {
  minLength: 1,
  maxLength: 4,
});

export interface SessionTruth {
  readonly stages: Record<string, number>;
  readonly failure?: { readonly reason: string; readonly at: number };
}

export interface GeneratedLogs {
  /** Stream name -> its events in the order the container wrote them (ids ascending). */
  readonly streams: Map<string, LogEvent[]>;
  /** Session index (into the run's planned sessions) -> truth. */
  readonly truth: Map<number, SessionTruth>;
  readonly sessionsUsed: number;
}

/**
 * Renders job specs as log lines of the given users (one per session, in
 * order of use), with the truth of every session that appears.
 */
export function renderLogs(
  specs: readonly (readonly JobSpec[])[],
  users: readonly string[],
  start: number,
): GeneratedLogs {
  const streams = new Map<string, LogEvent[]>();
  const truth = new Map<number, SessionTruth>();
  let next = 0;
  let seq = 0;
  const take = () => {
    if (next >= users.length) throw new Error(`the logs need more than ${users.length} users`);
    return next++;
  };
  specs.forEach((jobs, s) => {
    const name = `edit/edit/task-${s}`;
    const events: LogEvent[] = [];
    let t = start + s * 7;
    const write = (message: string) => {
      seq += 1;
      events.push({
        id: `${String(t).padStart(20, '0')}${String(seq).padStart(36, '0')}`,
        timestamp: t,
        message: `[Nest] 1  - LOG ${message}`,
      });
      return t;
    };
    for (const job of jobs) {
      let gap = 0;
      const step = () => {
        t += job.gaps[gap++ % job.gaps.length] ?? 1;
      };
      const own = job.kind === 'session' ? take() : undefined;
      const user = own === undefined ? `scott${s}` : users[own];
      const stages: Record<string, number> = {};
      const pickup = (u: string) => {
        const first = job.twoPickupLines
          ? write(`Received Step Functions message for amelia/${u}`)
          : undefined;
        const keyed = write(`Received Step Functions message for amelia#${u}`);
        return first ?? keyed;
      };
      stages.pickup = pickup(user ?? '');
      let failure: SessionTruth['failure'];
      for (let i = 0; i < STAGES.length; i++) {
        for (const _ of job.rejected.filter((r) => r === i)) {
          step();
          const b = take();
          const at = pickup(users[b] ?? '');
          const rejectedAt = write('Already processing a message, this should not happen with FIFO');
          truth.set(b, { stages: { pickup: at }, failure: { reason: 'dropped', at: rejectedAt } });
        }
        const stage = STAGES[i] as (typeof STAGES)[number];
        step();
        if (job.failure === 'fatal' && i === job.failAt) {
          failure = { reason: 'claude', at: write('Failed to process message: Request timed out') };
          break;
        }
        if (job.failure === 'soft' && stage === 'build') {
          failure ??= { reason: 'build', at: write('Build failed with code 1: [build] error') };
          continue;
        }
        stages[stage] = write(LINES[stage]);
      }
      if (own !== undefined) truth.set(own, failure ? { stages, failure } : { stages });
      step();
    }
    streams.set(name, events);
  });
  return { streams, truth, sessionsUsed: next };
}

/** How many users a spec needs. */
export function usersNeeded(specs: readonly (readonly JobSpec[])[]): number {
  return specs.flat().reduce((n, job) => n + (job.kind === 'session' ? 1 : 0) + job.rejected.length, 0);
}
