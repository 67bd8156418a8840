import { dirname } from 'node:path';
import type { Command } from 'commander';
import { renderText } from '../../core/render-text.js';
import { EXIT, exitWith, loadValidProfile, parseInteger, useColor } from '../cli-support.js';
import { writeJunit } from './junit-output.js';

interface LocalOptions {
  readonly model?: string;
  readonly seed?: string;
  readonly out: string;
  readonly quiet: boolean;
  readonly junit?: string;
}

export function registerLocal(program: Command): void {
  program
    .command('local')
    .summary('run the benchmark on this machine against the WebOrdinary simulator')
    .description(
      'Run a profile on this machine: local AWS emulators, the WebOrdinary simulator, and the state machine ' +
        "rendered from the CDK construct. Paths in the profile (local.model) are read from the profile's own folder. " +
        'Ctrl-C stops the run and writes a partial report, marked as such. Exit 99 when a threshold fails.',
    )
    .argument('<profile>', 'profile JSON file')
    .option('--model <file>', "the simulator's target model (default: the profile's local.model)")
    .option('--seed <n>', "seed of the simulator's latency draws (default: the profile's local.seed)")
    .option('--out <dir>', 'where <runId>/report.{json,md,html} go', 'reports')
    .option('--junit <file>', 'also write the thresholds as JUnit XML, one test case each')
    .option('--quiet', 'no progress', false)
    .action(exitWith(local));
}

async function local(file: string, options: LocalOptions): Promise<number> {
  const seed = options.seed === undefined ? undefined : parseInteger('--seed', options.seed);
  const valid = await loadValidProfile(file);
  if (!valid) return EXIT.invalidProfile;
  const { runLocal } = await import('../../local/runner/local-run.js');
  const run = await runLocal({
    profile: valid.json,
    baseDir: dirname(file),
    ...(options.model ? { modelPath: options.model } : {}),
    ...(seed !== undefined ? { seed } : {}),
    outDir: options.out,
    progress: options.quiet ? 'none' : process.stderr.isTTY ? 'tty' : 'lines',
  });
  if (run.report) {
    process.stdout.write(`\n${renderText(run.report, { color: useColor(process.stdout) })}\n`);
    console.log(`Reports: ${run.reportDir}/report.{json,md,html}`);
    if (options.junit) await writeJunit(options.junit, run.report);
  }
  if (run.execution.status === 'FAILED') {
    console.error(
      `Execution ${run.runId} failed: ${run.execution.error}${run.execution.cause ? `: ${run.execution.cause}` : ''}`,
    );
    if (run.execution.error === 'ThresholdsBreached') return EXIT.thresholds;
    if (run.execution.error === 'ProfileInvalid') return EXIT.invalidProfile;
    return EXIT.error;
  }
  return EXIT.ok;
}
