/**
 * The tables and lines of the bottleneck verdicts and the cost, shared by the
 * text, Markdown and HTML renderings so that they always say the same.
 */
import { formatRatio, type ScenarioVerdict } from './bottlenecks.js';
import type { Table } from './render-text.js';
import type { CostReport } from './report-model.js';

const NONE = '–';
const percent = (v: number | null): string => (v === null ? NONE : `${Math.round(v * 100)}%`);

/** Per stage: its share of the total at p50 and p95, and (when there was an unloaded baseline) its change. */
export function bottleneckTable(verdict: ScenarioVerdict): Table | null {
  if (verdict.shares.length === 0) return null;
  const withChanges = verdict.changes.length > 0;
  const header = [
    'stage',
    'share p50',
    'share p95',
    ...(withChanges ? ['p50 unloaded', 'p50 here', 'change', 'interval', 'n here/unloaded', ''] : []),
  ];
  const rows = verdict.shares.map((share) => {
    const change = verdict.changes.find((c) => c.stage === share.stage);
    const extra = change
      ? [
          ms(change.baseline.p50),
          ms(change.loaded.p50),
          formatRatio(change.ratio),
          change.interval ? `${formatRatio(change.interval.low)}–${formatRatio(change.interval.high)}` : NONE,
          `${change.loaded.n}/${change.baseline.n}`,
          change.stage === verdict.bottleneck ? '◀ bottleneck' : change.slower ? '◀ slower' : '',
        ]
      : [];
    return [share.stage, percent(share.p50), percent(share.p95), ...extra];
  });
  return { header, rows, numeric: header.map((_, i) => i > 0 && i < header.length - 1) };
}

/** The shares on one line, for the text report: `share of total p50/p95: pickup 48/57 %, thread 10/9 %`. */
export function shareLine(verdict: ScenarioVerdict): string | null {
  if (verdict.shares.length === 0) return null;
  const figure = (v: number | null) => (v === null ? NONE : `${Math.round(v * 100)}`);
  return `share of total p50/p95: ${verdict.shares.map((s) => `${s.stage} ${figure(s.p50)}/${figure(s.p95)} %`).join(', ')}`;
}

const ms = (v: number | null): string =>
  v === null ? NONE : v < 1_000 ? `${Math.round(v)} ms` : `${(v / 1_000).toFixed(2)} s`;

export const SHARE_DEFINITION =
  "Share: the stage's p50 (p95) over the total's p50 (p95); shares need not add up to 100 % (the total includes lateness and S3 milestones overlap). " +
  'Change: p50 here over p50 of the unloaded sessions (stages and warm), credible only with a rank test below 5 % (Holm) and at least ×1.25 and 50 ms; ' +
  'the interval holds the ratio with at least 95 % confidence (absent when a side has too few sessions).';

/** Money with enough digits to show small amounts: $0.0123, $1.23. */
export function formatMoney(amount: number, currency = 'USD'): string {
  const symbol = currency === 'USD' ? '$' : `${currency} `;
  const digits = amount >= 1 ? 2 : amount >= 0.01 ? 4 : 6;
  return `${symbol}${amount.toFixed(digits)}`;
}

/** One line: total, harness and target parts, and the price table used. */
export function costLine(cost: CostReport): string {
  const target = cost.target
    ? `target ${formatMoney(cost.target.total, cost.currency)} (${cost.target.source}, ${cost.target.sessions} sessions)`
    : "target not captured (the profile's markers capture no cost)";
  return `${formatMoney(cost.total, cost.currency)} in all: harness ${formatMoney(cost.harness.total, cost.currency)} (estimate, ${cost.region} list prices of ${cost.pricesAsOf}); ${target}.`;
}

export function costTable(cost: CostReport): Table {
  const header = ['service', 'what', 'quantity', 'unit price', 'amount'];
  const rows = cost.harness.items.map((i) => [
    i.service,
    i.what,
    Number.isInteger(i.quantity) ? String(i.quantity) : i.quantity.toFixed(2),
    formatMoney(i.unitPrice, cost.currency).replace(/0+$/, ''),
    formatMoney(i.amount, cost.currency),
  ]);
  rows.push(['harness', 'total', '', '', formatMoney(cost.harness.total, cost.currency)]);
  if (cost.target)
    rows.push([
      'target',
      cost.target.source,
      String(cost.target.sessions),
      '',
      formatMoney(cost.target.total, cost.currency),
    ]);
  return { header, rows, numeric: [false, false, true, true, true] };
}
