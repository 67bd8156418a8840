import { ITEM_COUNTS } from './harness-usage.js';
import type { Table } from './render-text.js';
import { formatMoney } from './render-verdicts.js';
import type { CostReport, HarnessFigures } from './report-model.js';

/**
 * The harness cost predicted by the model beside what the run was measured to
 * use, line by line (report markdown, HTML and text). Absent when the report
 * carries neither (a report written before they existed).
 */
export function costComparisonTable(cost: CostReport): Table | null {
  const { predicted, measured } = cost;
  if (!predicted && !measured) return null;
  const keys: string[] = [];
  const key = (i: { service: string; what: string }) => `${i.service}|${i.what}`;
  for (const i of [...(predicted?.items ?? []), ...(measured?.items ?? [])])
    if (!keys.includes(key(i))) keys.push(key(i));
  const money = (amount: number | undefined) =>
    amount === undefined ? '–' : formatMoney(amount, cost.currency);
  const quantity = (q: number | undefined) =>
    q === undefined ? '–' : Number.isInteger(q) ? q.toLocaleString('en-US') : q.toFixed(2);
  const find = (figures: HarnessFigures | undefined, k: string) => figures?.items.find((i) => key(i) === k);
  // On AWS some quantities are not measured (their 0 is no measurement) or only estimated.
  const count = (k: string) => ITEM_COUNTS[k];
  const unmeasured = (k: string) => {
    const c = count(k);
    return c !== undefined && (measured?.unmeasured ?? []).includes(c);
  };
  const estimated = (k: string) => {
    const c = count(k);
    return c !== undefined && measured?.estimated?.[c] !== undefined;
  };
  const rows = keys.map((k) => {
    const p = find(predicted, k);
    const m = find(measured, k);
    const [service = '', what = ''] = k.split('|');
    const measuredCells = unmeasured(k)
      ? ['not measured', '–']
      : [`${estimated(k) ? '≈ ' : ''}${quantity(m?.quantity)}`, money(m?.amount)];
    return [service, what, quantity(p?.quantity), money(p?.amount), ...measuredCells];
  });
  rows.push(['harness', 'total', '', money(predicted?.total), '', money(measured?.total)]);
  rows.push([
    'harness',
    'per 1,000 sessions',
    '',
    money(predicted?.perThousandSessions),
    '',
    money(measured?.perThousandSessions),
  ]);
  return {
    header: ['service', 'what', 'predicted', 'predicted $', 'measured', 'measured $'],
    rows,
    numeric: [false, false, true, true, true, true],
  };
}

/** One line: predicted and measured harness cost, and where each comes from. */
export function costComparisonLine(cost: CostReport): string | null {
  const { predicted, measured } = cost;
  if (!predicted && !measured) return null;
  const parts = [
    predicted
      ? `predicted ${formatMoney(predicted.total, cost.currency)} (${formatMoney(predicted.perThousandSessions, cost.currency)} per 1,000 sessions, from the state machine's definition)`
      : 'no prediction',
    measured
      ? `measured ${formatMoney(measured.total, cost.currency)} (${formatMoney(measured.perThousandSessions, cost.currency)} per 1,000 sessions, ${measured.source})`
      : 'not measured',
  ];
  const left =
    measured && measured.notMeasured.length > 0 ? ` Not measured: ${measured.notMeasured.join('; ')}.` : '';
  const estimates = Object.entries(measured?.estimated ?? {}).map(([key, how]) => `${key}: ${how}`);
  const derived = estimates.length > 0 ? ` Estimated: ${estimates.join('; ')}.` : '';
  return `Harness: ${parts.join('; ')}.${left}${derived}`;
}
