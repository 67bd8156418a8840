import { summarize } from '../core/percentiles.js';
import { buildReport, type ReportInput } from '../core/report.js';
import { planRun } from '../core/session-plan.js';
import { createRng } from '../local/simulator/rng.js';
import { parsedProfile, STAGE_NAMES, sessionRecords } from './fixtures/webordinary-run.js';
import {
  type Benchmark,
  type Figure,
  heapOf,
  latencyMs,
  MIB,
  round,
  summarizeSamples,
  timeRepeated,
} from './harness.js';

const VALUES = 100_000;
const SESSIONS = 10_000;
const RUN_ID = 'bench-percentiles';

export const benchmark: Benchmark = {
  name: 'percentiles',
  description: `summarize() of ${VALUES.toLocaleString('en-US')} values and buildReport() for ${SESSIONS.toLocaleString('en-US')} sessions × ${STAGE_NAMES.length} stages`,
  async run() {
    const random = createRng(11);
    // Session totals of the real model: median 35 s, p95 90 s, whole milliseconds (many ties, as measured).
    const values = Array.from({ length: VALUES }, () => latencyMs(random, 35_000, 90_000));
    const summaryFigures = await measure({
      key: 'summarize',
      label: `summarize() of ${VALUES.toLocaleString('en-US')} values`,
      repetitions: 15,
      call: () => summarize(values),
      targets: { ms: 100, heapMiB: 8, retainedMiB: 0.1 },
    });

    const profile = parsedProfile(SESSIONS);
    const startedAt = Date.UTC(2026, 10, 27, 3);
    const input: ReportInput = {
      run: { runId: RUN_ID, profile, startedAt },
      sessions: sessionRecords(RUN_ID, planRun(RUN_ID, profile), startedAt + 2_000, random),
      taskSamples: [],
      cpu: null,
      memory: null,
      finishedAt: startedAt + 3_600_000,
    };
    const reportFigures = await measure({
      key: 'build-report',
      label: `buildReport() of ${SESSIONS.toLocaleString('en-US')} sessions × ${STAGE_NAMES.length} stages`,
      repetitions: 7,
      call: () => buildReport(input),
      targets: { ms: 500, heapMiB: 64, retainedMiB: 16 },
    });
    return [...summaryFigures, ...reportFigures];
  },
};

interface Measured {
  readonly key: string;
  readonly label: string;
  readonly repetitions: number;
  readonly call: () => unknown;
  readonly targets: { readonly ms: number; readonly heapMiB: number; readonly retainedMiB: number };
}

/** Time (median of the repetitions) and heap (harness.ts heapOf, median of 3). */
async function measure(m: Measured): Promise<Figure[]> {
  const { ms } = await timeRepeated(m.repetitions, m.call);
  const heaps = [0, 1, 2].map(() => heapOf(m.call));
  const growth = heaps.map((h) => h.growth / MIB);
  const retained = heaps.map((h) => h.retained / MIB);
  const time = summarizeSamples(ms);
  const heap = summarizeSamples(growth);
  const kept = summarizeSamples(retained);
  return [
    {
      key: `${m.key}-ms`,
      what: `${m.label}: time, median of ${m.repetitions}`,
      value: round(time.median, 2),
      unit: 'ms',
      target: { op: '<=', value: m.targets.ms },
      samples: time,
    },
    {
      key: `${m.key}-heap-growth`,
      what: `${m.label}: heap growth as it returns`,
      value: round(heap.median, 2),
      unit: 'MiB',
      target: { op: '<=', value: m.targets.heapMiB },
      samples: heap,
    },
    {
      key: `${m.key}-heap-retained`,
      what: `${m.label}: heap retained by the result`,
      value: round(kept.median, 2),
      unit: 'MiB',
      target: { op: '<=', value: m.targets.retainedMiB },
      samples: kept,
    },
  ];
}
