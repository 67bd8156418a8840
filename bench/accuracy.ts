import { compileRun, type LogEvent } from '../core/correlation.js';
import { percentile, sortValues } from '../core/percentiles.js';
import { isLogStage } from '../core/profile.js';
import { planRun } from '../core/session-plan.js';
import { applyLogEvents } from '../lambdas/shared/apply-observations.js';
import { resetClients } from '../lambdas/shared/clients.js';
import type { ActiveRun } from '../lambdas/shared/run-cache.js';
import { Store, type StoredSession } from '../lambdas/shared/store.js';
import { StreamStore } from '../lambdas/shared/stream-store.js';
import { applyEnv, startLocalAws } from '../local/emulators.js';
import { createTable, LOCAL_TABLE } from '../local/runner/local-aws-setup.js';
import { createRng, type Rng } from '../local/simulator/rng.js';
import {
  GROUP,
  generatedLogsProfile,
  type JobSpec,
  renderLogs,
  type SessionTruth,
  STAGES,
  usersNeeded,
} from '../test/support/generated-logs.js';
import { type Benchmark, round } from './harness.js';

/**
 * Stage attribution under adversarial delivery: the collector's stream
 * attribution against the original plan's detector, on the same events and
 * the same arrival times (docs/benchmarks.md, `accuracy`).
 */

const SESSIONS = 1_000;
const STREAMS = 50;
const INSTANCES = 3;
const RUN_ID = 'bench-accuracy';
/** Log time of the first line: fixed, so the run is the same every time. */
const START = Date.parse('2026-01-01T00:00:00Z');
/** The plan's detector: one poll a second, from the send (2 s before the pickup), a 60 s wait a stage. */
const POLL_MS = 1_000;
const SEND_LEAD_MS = 2_000;
const STAGE_WAIT_MS = 60_000;

interface Delivery {
  readonly stream: string;
  readonly events: readonly LogEvent[];
  readonly arrival: number;
}

/** Jobs on STREAMS containers, back to back, using exactly SESSIONS users. */
function jobSpecs(random: Rng): JobSpec[][] {
  const streams: JobSpec[][] = Array.from({ length: STREAMS }, () => []);
  let used = 0;
  for (let n = 0; used < SESSIONS; n++) {
    const kind = random() < 0.08 ? 'foreign' : 'session';
    const draw = random();
    const failure = draw < 0.03 ? 'fatal' : draw < 0.06 ? 'soft' : 'none';
    const failAt = Math.floor(random() * (STAGES.length - 1));
    // A fatal failure ends the job: a pickup is rejected only while it runs.
    const runs = failure === 'fatal' ? failAt + 1 : STAGES.length;
    const left = SESSIONS - used - (kind === 'session' ? 1 : 0);
    const rejected = left > 0 && random() < 0.11 ? [Math.floor(random() * runs)] : [];
    const job: JobSpec = {
      kind,
      twoPickupLines: random() < 0.5,
      failure,
      failAt,
      rejected,
      // Tens of ms to a few seconds between lines (log-uniform 20 ms to 4 s), now and then the same ms.
      gaps: Array.from({ length: 16 }, () => (random() < 0.05 ? 0 : Math.round(20 * 200 ** random()))),
    };
    streams[n % STREAMS]?.push(job);
    used += (kind === 'session' ? 1 : 0) + rejected.length;
  }
  return streams;
}

/**
 * Each stream cut into batches of 1-4 events, each arriving up to 1.5 s after
 * its last event, a fifth of them again 1.5-3 s later; sorted by arrival.
 */
function deliveries(streams: ReadonlyMap<string, readonly LogEvent[]>, random: Rng): Delivery[] {
  const out: Delivery[] = [];
  for (const [stream, events] of streams) {
    for (let i = 0; i < events.length; ) {
      const batch = events.slice(i, i + 1 + Math.floor(random() * 4));
      i += batch.length;
      const arrival = batch.at(-1)!.timestamp + random() * 1_500;
      out.push({ stream, events: batch, arrival });
      if (random() < 0.2) out.push({ stream, events: batch, arrival: arrival + 1_500 + random() * 1_500 });
    }
  }
  return out.sort((a, b) => a.arrival - b.arrival);
}

interface Score {
  readonly exact: number;
  /** Stages stored exactly as true. */
  readonly stagesRight: number;
  readonly maxErrorMs: number;
  readonly misattributed: number;
  readonly missing: number;
  readonly firstWrong?: number;
}

/** Stored stages and outcomes against the truth. */
function scoreCollector(
  stored: readonly (StoredSession | undefined)[],
  truth: (i: number) => SessionTruth,
): Score {
  let exact = 0;
  let stagesRight = 0;
  let maxErrorMs = 0;
  let misattributed = 0;
  let missing = 0;
  let firstWrong: number | undefined;
  stored.forEach((session, i) => {
    const want = truth(i);
    const got = session?.stages ?? {};
    let same = Object.keys(got).length === Object.keys(want.stages).length;
    for (const [stage, at] of Object.entries(got)) {
      const expected = want.stages[stage];
      if (expected === undefined) misattributed += 1;
      else maxErrorMs = Math.max(maxErrorMs, Math.abs(at - expected));
      if (at === expected) stagesRight += 1;
      else same = false;
    }
    for (const stage of Object.keys(want.stages)) if (got[stage] === undefined) missing += 1;
    const outcome = session?.failureReason ? `${session.failureReason}@${session.failedAt}` : 'none';
    const wanted = want.failure ? `${want.failure.reason}@${want.failure.at}` : 'none';
    if (same && outcome === wanted) exact += 1;
    else firstWrong ??= i;
  });
  return {
    exact,
    stagesRight,
    maxErrorMs,
    misattributed,
    missing,
    ...(firstWrong === undefined ? {} : { firstWrong }),
  };
}

interface Marker {
  readonly stream: string;
  readonly event: LogEvent;
  /** When the event can first be read: its first delivery. */
  readonly arrival: number;
}

/**
 * The original plan's detector, computed offline: for each session, from its
 * send, wait for each stage's marker text in turn, polling the whole group
 * once a second for events logged since the wait began that have arrived;
 * take the first (earliest) match, timed at the poll that noticed it.
 */
function planDetector(
  markers: ReadonlyMap<string, readonly Marker[]>,
  stages: readonly string[],
  sendAt: number,
): { stage: string; match: Marker; noticedAt: number }[] {
  const found: { stage: string; match: Marker; noticedAt: number }[] = [];
  let since = sendAt;
  for (const stage of stages) {
    let best: { poll: number; match: Marker } | undefined;
    for (const marker of markers.get(stage) ?? []) {
      if (marker.event.timestamp < since) continue;
      const poll = Math.max(1, Math.ceil((marker.arrival - since) / POLL_MS));
      const earlier =
        best &&
        (poll < best.poll || (poll === best.poll && marker.event.timestamp < best.match.event.timestamp));
      if (!best || earlier) best = { poll, match: marker };
    }
    if (!best || best.poll * POLL_MS > STAGE_WAIT_MS) break;
    since += best.poll * POLL_MS;
    found.push({ stage, match: best.match, noticedAt: since });
  }
  return found;
}

export const benchmark: Benchmark = {
  name: 'accuracy',
  description: `stage attribution of ${SESSIONS.toLocaleString('en-US')} generated sessions under adversarial delivery: the collector vs the original plan's detector`,
  async run() {
    const random = createRng(6);
    const specs = jobSpecs(random);
    const profile = generatedLogsProfile(usersNeeded(specs));
    const sessions = planRun(RUN_ID, profile);
    const logs = renderLogs(
      specs,
      sessions.map((s) => s.userId),
      START,
    );
    if (logs.sessionsUsed !== SESSIONS)
      throw new Error(`generated logs use ${logs.sessionsUsed} sessions, expected ${SESSIONS}`);
    const truth = (i: number): SessionTruth => {
      const known = logs.truth.get(i);
      if (!known) throw new Error(`generated logs have no truth for session ${i}`);
      return known;
    };
    const plan = deliveries(logs.streams, random);
    const queues: Delivery[][] = Array.from({ length: INSTANCES }, () => []);
    for (const delivery of plan) queues[Math.floor(random() * INSTANCES)]?.push(delivery);
    const events = [...logs.streams.values()].reduce((n, e) => n + e.length, 0);

    const aws = await startLocalAws();
    const restoreEnv = applyEnv({ ...aws.env, TABLE_NAME: LOCAL_TABLE });
    resetClients();
    let collector: Score;
    let deliverMs: number;
    let stored: (StoredSession | undefined)[];
    try {
      await createTable();
      const stores = { store: new Store(LOCAL_TABLE), streams: new StreamStore(LOCAL_TABLE) };
      await stores.store.putSessions(RUN_ID, sessions);
      const keys = new Map(sessions.map((s) => [s.key, s.sessionId]));
      const start = performance.now();
      // Each instance its own warm state, its queue in order; the instances at once.
      await Promise.all(
        queues.map(async (queue) => {
          const own: ActiveRun = {
            runId: RUN_ID,
            profile,
            matcher: compileRun(RUN_ID, profile),
            sessionOfKey: (k) => keys.get(k),
          };
          for (const d of queue) await applyLogEvents(stores, own, GROUP, d.stream, d.events);
        }),
      );
      deliverMs = performance.now() - start;
      const byId = new Map((await stores.store.sessions(RUN_ID)).map((s) => [s.sessionId, s]));
      stored = sessions.map((s) => byId.get(s.sessionId));
      collector = scoreCollector(stored, truth);
    } finally {
      await aws.close();
      restoreEnv();
      resetClients();
    }
    if (collector.firstWrong !== undefined) {
      const i = collector.firstWrong;
      const s = stored[i];
      console.error(
        `accuracy: session ${i} (${sessions[i]?.userId}) truth ${JSON.stringify(truth(i))}, stored ${JSON.stringify({ stages: s?.stages, failureReason: s?.failureReason, failedAt: s?.failedAt })}`,
      );
    }

    // The plan's detector on the same events and arrival times.
    const arrival = new Map<string, number>();
    for (const d of plan)
      for (const e of d.events)
        arrival.set(e.id ?? '', Math.min(arrival.get(e.id ?? '') ?? Infinity, d.arrival));
    const texts = profile.target.stages.flatMap((s) =>
      isLogStage(s) ? [[s.name, s.log.pattern] as const] : [],
    );
    const markers = new Map<string, Marker[]>(texts.map(([stage]) => [stage, []]));
    const streamOfUser = new Map<string, string>();
    const seen = new Set<string>();
    for (const [stream, list] of logs.streams) {
      for (const event of list) {
        for (const [stage, text] of texts) {
          if (!event.message.includes(text)) continue;
          // A stage's own event is told by stream and time (and user, for a pickup): that must be unique.
          const at = `${stream}|${stage}|${event.timestamp}`;
          if (stage !== 'pickup' && seen.has(at)) throw new Error(`two ${stage} lines at ${at}: reseed`);
          seen.add(at);
          markers.get(stage)?.push({ stream, event, arrival: arrival.get(event.id ?? '') ?? Infinity });
        }
        const user = /message for amelia[#/](\S+)/.exec(event.message)?.[1];
        if (user) streamOfUser.set(user, stream);
      }
    }
    const stageNames = texts.map(([stage]) => stage);
    const errors: number[] = [];
    let sessionsRight = 0;
    let stagesRight = 0;
    let phantom = 0;
    const truthStages = sessions.reduce((n, _, i) => n + Object.keys(truth(i).stages).length, 0);
    sessions.forEach((session, i) => {
      const want = truth(i);
      const stream = streamOfUser.get(session.userId);
      const found = planDetector(markers, stageNames, (want.stages.pickup ?? 0) - SEND_LEAD_MS);
      let right = found.length === Object.keys(want.stages).length;
      for (const { stage, match, noticedAt } of found) {
        const expected = want.stages[stage];
        if (expected === undefined) {
          phantom += 1;
          right = false;
          continue;
        }
        errors.push(Math.abs(noticedAt - expected));
        const own =
          match.stream === stream &&
          match.event.timestamp === expected &&
          (stage !== 'pickup' || match.event.message.includes(session.userId));
        if (own) stagesRight += 1;
        else right = false;
      }
      if (right) sessionsRight += 1;
    });
    const sorted = sortValues(errors);
    const pct = (p: number) => (sorted.length > 0 ? percentile(sorted, p) : 0);
    const rate = (n: number, of: number) => round((n / of) * 100, 1);
    const collectorRate = rate(collector.exact, SESSIONS);
    const planRate = rate(sessionsRight, SESSIONS);
    const collectorStages = rate(collector.stagesRight, truthStages);
    const planStages = rate(stagesRight, truthStages);

    return [
      {
        key: 'headline',
        what: `exact attribution, stages ${collectorStages} % vs ${planStages} %, sessions ${collectorRate} % vs ${planRate} % (collector vs plan's detector): stage ratio`,
        value: round(collectorStages / Math.max(planStages, 0.1), 1),
        unit: '×',
      },
      {
        key: 'collector-exact-attribution',
        what: `collector: sessions with every stage and outcome exactly as generated (${collector.exact.toLocaleString('en-US')} of ${SESSIONS.toLocaleString('en-US')})`,
        value: collectorRate,
        unit: '%',
        target: { op: '>=', value: 100 },
      },
      {
        key: 'collector-max-error',
        what: 'collector: largest stage-time error over stages stored and true',
        value: collector.maxErrorMs,
        unit: 'ms',
        target: { op: '<=', value: 0 },
      },
      {
        key: 'collector-misattributed',
        what: `collector: stages credited to a session that does not own them (${collector.missing} true stages missing)`,
        value: collector.misattributed,
        unit: 'stages',
        target: { op: '<=', value: 0 },
      },
      {
        key: 'plan-attribution',
        what: `plan's detector: sessions with every true stage matched to its own event and none extra`,
        value: planRate,
        unit: '%',
      },
      {
        key: 'plan-stage-attribution',
        what: `plan's detector: true stages matched to their own event (${stagesRight.toLocaleString('en-US')} of ${truthStages.toLocaleString('en-US')}; ${phantom.toLocaleString('en-US')} stages a session never had)`,
        value: planStages,
        unit: '%',
      },
      ...([50, 95, 99, 100] as const).map((p) => ({
        key: `plan-error-${p === 100 ? 'max' : `p${p}`}`,
        what: `plan's detector: stage-time error ${p === 100 ? 'max' : `p${p}`} over the ${errors.length.toLocaleString('en-US')} true stages it found`,
        value: pct(p),
        unit: 'ms',
      })),
      {
        key: 'collector-wall-time',
        what: `collector: ${plan.length.toLocaleString('en-US')} deliveries of ${events.toLocaleString('en-US')} events on ${STREAMS} streams, ${INSTANCES} instances at once: wall time`,
        value: round(deliverMs / 1_000, 1),
        unit: 's',
      },
    ];
  },
};
