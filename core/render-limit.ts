import { formatRatio } from './bottlenecks.js';
import { formatDuration, formatPercent } from './format.js';
import type { LimitReport, LimitStepReport } from './limit-report.js';
import type { Table } from './render-text.js';

/** A limit scenario's result as every rendering shows it (text, Markdown, HTML say the same). */

const NONE = '–';

export function formatLoad(load: number, unit: LimitReport['unit']): string {
  return unit === 'sessions' ? `${load} sessions` : `${load}/min`;
}

/** `Limit find-limit: 5 sessions`, or `none found`. */
export function limitTitle(limit: LimitReport): string {
  return `Limit ${limit.scenario}: ${limit.limit === null ? 'none found' : formatLoad(limit.limit, limit.unit)}`;
}

/** One or two sentences: what the limit is, why the run stopped stepping, which stage broke first. */
export function limitSummary(limit: LimitReport): string {
  const conditions = limit.pass.map((p) => `${p.metric} ${p.condition}`).join(' and ');
  const broke = limit.steps.find((s) => s.step === limit.brokeAt);
  const failed = broke?.checks
    .filter((c) => !c.ok)
    .map((c) => `${c.metric} ${c.condition}`)
    .join(', ');
  const head =
    limit.limit === null
      ? broke
        ? `No step passed: the first step (${formatLoad(broke.load, limit.unit)}) failed ${failed}.`
        : 'No step passed or failed yet.'
      : limit.stoppedBy === 'ceiling'
        ? `Every step passed (${conditions}) up to the ceiling, ${formatLoad(limit.limit, limit.unit)}: the limit is at least that.`
        : limit.stoppedBy === 'failure' && broke
          ? `The highest load that passed (${conditions}) is ${formatLoad(limit.limit, limit.unit)}; step ${broke.step} (${formatLoad(broke.load, limit.unit)}) failed ${failed}, so later steps did not run.`
          : `The highest load that passed (${conditions}) is ${formatLoad(limit.limit, limit.unit)}; the next step did not run.`;
  return limit.degraded ? `${head} ${degradedSentence(limit)}` : head;
}

function degradedSentence(limit: LimitReport): string {
  const d = limit.degraded!;
  const credible = d.credible
    ? 'credibly slower at p50'
    : `p50 change not credible at n ${d.from.n} vs ${d.to.n}`;
  const verb = limit.brokeAt === d.toStep ? 'Broke first' : 'Degraded most';
  return `${verb}: ${d.stage}, p95 ${formatDuration(d.from.p95)} → ${formatDuration(d.to.p95)} (${formatRatio(d.ratioP95)}, +${formatDuration(d.addedP95)}) from step ${d.fromStep} to step ${d.toStep}; ${credible}.`;
}

export function limitTable(limit: LimitReport): Table {
  const row = (s: LimitStepReport): string[] => [
    String(s.step),
    formatLoad(s.load, limit.unit),
    s.verdict === 'notRun' ? 'not run' : s.verdict,
    String(s.planned),
    s.verdict === 'notRun' ? NONE : String(s.ok),
    s.successRate === null ? NONE : formatPercent(s.successRate),
    s.total.p50 === null ? NONE : formatDuration(s.total.p50),
    s.total.p95 === null ? NONE : formatDuration(s.total.p95),
  ];
  return {
    header: ['step', 'load', 'verdict', 'n', 'ok', 'success', 'total p50', 'total p95'],
    rows: limit.steps.map(row),
    numeric: [true, true, false, true, true, true, true, true],
  };
}
