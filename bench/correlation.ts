import { compileRun, matchEvents } from '../core/correlation.js';
import { planRun } from '../core/session-plan.js';
import { attributeStream, type StreamMarker } from '../core/stream-attribution.js';
import { createRng } from '../local/simulator/rng.js';
import { EDIT_GROUP, interleave, jobStreams, parsedProfile } from './fixtures/webordinary-run.js';
import { type Benchmark, round, summarizeSamples, timeRepeated } from './harness.js';

const SESSIONS = 10_000;
/** Containers the jobs run on: each stream binds and unbinds 100 times. */
const TASKS = 100;
const REPETITIONS = 7;
const RUN_ID = 'bench-correlation';

/**
 * matchEvents() over every batch of a 10,000-session run, in delivery order,
 * then each stream attributed as a whole from its markers (attributeStream),
 * as the collector does (apply-observations.ts).
 */
export const benchmark: Benchmark = {
  name: 'correlation',
  description: 'events/s through matchEvents() and attributeStream() for a 10,000-session run',
  async run() {
    const profile = parsedProfile(SESSIONS);
    const planned = planRun(RUN_ID, profile);
    const deliveries = interleave(jobStreams(planned, TASKS, Date.UTC(2026, 10, 27, 6), createRng(7)));
    const events = deliveries.reduce((sum, d) => sum + d.events.length, 0);
    const expectedStages = SESSIONS * profile.target.stages.length;

    // Once per run in the collector (run-cache.ts): outside the timed pass.
    const matcher = compileRun(RUN_ID, profile);
    const keys = new Map(planned.map((s) => [s.key, s.sessionId]));
    const pass = (): number => {
      const markers = new Map<string, StreamMarker[]>();
      let stages = 0;
      for (const { stream, events: batch } of deliveries) {
        for (const m of matchEvents(matcher, EDIT_GROUP, batch, (key) => keys.get(key))) {
          if (m.kind === 'stage') stages += 1;
          else if (m.kind === 'marker') {
            const list = markers.get(stream) ?? [];
            list.push(m.marker);
            markers.set(stream, list);
          }
        }
      }
      for (const list of markers.values())
        for (const credit of attributeStream(list).values()) stages += Object.keys(credit.stages).length;
      return stages;
    };

    const seen = pass();
    if (seen !== expectedStages)
      throw new Error(`correlation attributed ${seen} stage events, expected ${expectedStages}`);
    const { ms } = await timeRepeated(REPETITIONS, pass);
    const rates = ms.map((m) => (events / m) * 1_000);
    const samples = summarizeSamples(rates);
    return [
      {
        key: 'events-per-second',
        what: `matchEvents() + attributeStream() on ${events.toLocaleString('en-US')} events (${deliveries.length.toLocaleString('en-US')} batches), median of ${REPETITIONS}`,
        value: round(samples.median),
        unit: 'events/s',
        target: { op: '>=', value: 100_000 },
        samples,
      },
      {
        key: 'run-ms',
        what: `one pass over the whole ${SESSIONS.toLocaleString('en-US')}-session run, median`,
        value: round(summarizeSamples(ms).median, 1),
        unit: 'ms',
        samples: summarizeSamples(ms),
      },
    ];
  },
};
