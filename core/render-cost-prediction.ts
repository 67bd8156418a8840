import type { HarnessPrediction } from './harness-cost-model.js';
import { formatMoney } from './render-verdicts.js';

/** The harness cost target per 1,000 sessions (issue 9), in USD. */
export const HARNESS_TARGET_PER_THOUSAND = 0.5;

/**
 * What `bench validate` prints of a profile's predicted harness cost: the
 * total and per 1,000 sessions against the target, the main contributors
 * (largest first, down to 90 % of the total), and where the figures come from.
 */
export function predictionLines(prediction: HarnessPrediction, contributors = 3): string[] {
  const { currency } = prediction;
  const money = (amount: number) => formatMoney(amount, currency);
  const perThousand =
    prediction.sessions > 0
      ? `, ${money(prediction.perThousandSessions)} per 1,000 sessions (target under $${HARNESS_TARGET_PER_THOUSAND.toFixed(2)}: ${
          prediction.perThousandSessions < HARNESS_TARGET_PER_THOUSAND ? 'holds' : 'over'
        })`
      : '';
  const main = [...prediction.items]
    .sort((a, b) => b.amount - a.amount)
    .slice(0, contributors)
    .filter((i) => i.amount > 0)
    .map(
      (i) =>
        `${i.service} ${i.what} ${money(i.amount)} (${Math.round((i.amount / prediction.total) * 100)} %, ${formatQuantity(i.quantity)})`,
    );
  return [
    `harness cost (predicted): ${money(prediction.total)} for ${prediction.sessions.toLocaleString('en-US')} session(s)${perThousand}`,
    `  main: ${main.join('; ')}`,
    `  from the state machine's definition; ${prediction.region} list prices of ${prediction.pricesAsOf}; assumes ${prediction.assumptions
      .slice(1, -1)
      .join('; ')}`,
  ];
}

function formatQuantity(quantity: number): string {
  return Number.isInteger(quantity)
    ? quantity.toLocaleString('en-US')
    : quantity.toLocaleString('en-US', { maximumFractionDigits: 1 });
}
