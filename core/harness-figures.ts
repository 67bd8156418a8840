import type { HarnessPrediction } from './harness-cost-model.js';
import { type HandlerMemory, type HarnessUsage, priceUsage, sumItems } from './harness-usage.js';
import type { CostReport, HarnessFigures, Report } from './report-model.js';

/** The prediction as the report carries it. */
export function predictedFigures(prediction: HarnessPrediction): NonNullable<CostReport['predicted']> {
  return {
    items: prediction.items,
    total: prediction.total,
    sessions: prediction.sessions,
    perThousandSessions: prediction.perThousandSessions,
    assumptions: prediction.assumptions,
  };
}

/** A run's counted usage, priced at the same table as the prediction. */
export function measuredFigures(
  usage: HarnessUsage,
  memoryMiB: HandlerMemory,
  sessions: number,
  how: { readonly source: string; readonly notMeasured: readonly string[] },
): NonNullable<CostReport['measured']> {
  const items = priceUsage(usage, memoryMiB);
  const total = sumItems(items);
  return { ...figures(items, total, sessions), source: how.source, notMeasured: how.notMeasured };
}

function figures(items: HarnessFigures['items'], total: number, sessions: number): HarnessFigures {
  return { items, total, sessions, perThousandSessions: sessions > 0 ? (total / sessions) * 1_000 : total };
}

/** The report with the predicted and measured harness cost beside its estimate. */
export function withHarnessFigures(
  report: Report,
  extra: Pick<CostReport, 'predicted' | 'measured'>,
): Report {
  if (!report.cost) return report;
  return { ...report, cost: { ...report.cost, ...extra } };
}
