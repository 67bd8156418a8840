import type { Command } from 'commander';
import { compareReports, DEFAULT_COMPARE } from '../../core/compare.js';
import { renderComparison, renderComparisonMarkdown } from '../../core/render-compare.js';
import {
  EXIT,
  exitWith,
  parseFraction,
  parseInteger,
  parseMilliseconds,
  readReport,
  UsageError,
  useColor,
} from '../cli-support.js';

interface CompareCliOptions {
  readonly tolerance: string;
  readonly minDelta: string;
  readonly successDrop: string;
  readonly minSessions: string;
  readonly alpha: string;
  readonly format: string;
}

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .summary('compare two reports; exit 99 on a credible regression')
    .description(
      'Compare two report.json files scenario by scenario, from their raw sessions. A figure regresses only ' +
        'when the change is credible (p50: a rank test, Holm-adjusted; p95: non-overlapping 95 % intervals; ' +
        "success: Fisher's exact test) and material (--tolerance and --min-delta). Warns when the runs come " +
        'from different profiles or stage sets. Exit 99 on a credible regression.',
    )
    .argument('<baseline>', 'the baseline report.json')
    .argument('<current>', 'the current report.json')
    .option('--format <format>', 'text, md (for a CI comment) or json', 'text')
    .option('--tolerance <share>', 'relative change that matters', '10%')
    .option('--min-delta <duration>', 'absolute change a duration must also exceed', '100ms')
    .option('--success-drop <share>', 'success-rate change that matters', '5%')
    .option('--min-sessions <n>', 'fewest sessions a side for a test', String(DEFAULT_COMPARE.minSessions))
    .option('--alpha <share>', 'false-alarm rate over all the figures', '5%')
    .action(exitWith(compare));
}

async function compare(
  baselineFile: string,
  currentFile: string,
  options: CompareCliOptions,
): Promise<number> {
  const render = {
    text: () => renderComparison(comparison, { color: useColor(process.stdout) }),
    md: () => renderComparisonMarkdown(comparison),
    json: () => `${JSON.stringify(comparison, null, 2)}\n`,
  }[options.format];
  if (!render) throw new UsageError(`--format must be text, md or json, got "${options.format}"`);
  const alpha = parseFraction('--alpha', options.alpha);
  if (!(alpha > 0 && alpha < 1))
    throw new UsageError(`--alpha must be between 0 and 1, got "${options.alpha}"`);
  const settings = {
    tolerance: parseFraction('--tolerance', options.tolerance),
    minDeltaMs: parseMilliseconds('--min-delta', options.minDelta),
    successDrop: parseFraction('--success-drop', options.successDrop),
    minSessions: parseInteger('--min-sessions', options.minSessions, 2),
    alpha,
  };
  const [baseline, current] = await Promise.all([readReport(baselineFile), readReport(currentFile)]);
  const comparison = compareReports(baseline, current, settings);
  process.stdout.write(render());
  return comparison.regressions > 0 ? EXIT.thresholds : EXIT.ok;
}
