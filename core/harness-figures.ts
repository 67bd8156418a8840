import type { HarnessPrediction } from './harness-cost-model.js';
import { type HandlerMemory, type HarnessUsage, priceUsage, sumItems } from './harness-usage.js';
import type { CostReport, Report } from './report-model.js';

/** The prediction as the report carries it. */
export function predictedFigures(prediction: HarnessPrediction): NonNullable<CostReport['predicted']> {
  return {
    counts: prediction.usage,
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
  how: Pick<
    NonNullable<CostReport['measured']>,
    'source' | 'notMeasured' | 'byHandler' | 'unmeasured' | 'estimated'
  >,
): NonNullable<CostReport['measured']> {
  const items = priceUsage(usage, memoryMiB);
  const total = sumItems(items);
  const perThousandSessions = sessions > 0 ? (total / sessions) * 1_000 : total;
  return { counts: usage, items, total, sessions, perThousandSessions, ...how };
}

/** The report with the predicted and measured harness cost beside its estimate. */
export function withHarnessFigures(
  report: Report,
  extra: Pick<CostReport, 'predicted' | 'measured'>,
): Report {
  if (!report.cost) return report;
  return { ...report, cost: { ...report.cost, ...extra } };
}
