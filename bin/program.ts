import { Command } from 'commander';
import { registerCompare } from './commands/compare.js';
import { registerLocal } from './commands/local.js';
import { registerReport } from './commands/report.js';
import { registerSchema } from './commands/schema.js';
import { registerStart } from './commands/start.js';
import { registerTargetCommands } from './commands/target-commands.js';
import { registerTrend } from './commands/trend.js';
import { registerValidate } from './commands/validate.js';

/**
 * The `bench` command line. Each command lives in bin/commands/<name>.ts and
 * exports `register<Name>(program)`; add a command by adding its file and
 * one line below. A command's action sets the exit code (see EXIT in
 * cli-support.ts); usage errors exit 2, and `--help` works on every command.
 */
const COMMANDS: readonly ((program: Command) => void)[] = [
  registerLocal,
  registerValidate,
  registerStart,
  registerReport,
  registerCompare,
  registerTrend,
  registerTargetCommands,
  registerSchema,
];

export const EXIT_CODES_HELP = `Exit codes: 0 ok, 99 a threshold failed (or, for compare, a credible regression),
104 invalid profile, 3 preflight found something missing, 2 usage error, 1 any other failure,
130 interrupted (bench local: a partial report is written first).`;

export function createProgram(): Command {
  const program = new Command('bench')
    .description(
      'WebOrdinary Bench: end-to-end latency benchmark and load tester for WebOrdinary. ' +
        'Runs locally against a simulator (bench local) or on AWS (bench start).',
    )
    .showSuggestionAfterError(true)
    .showHelpAfterError('(add --help for usage)')
    .exitOverride()
    .addHelpText('after', `\n${EXIT_CODES_HELP}`);
  for (const register of COMMANDS) register(program);
  // Subcommands inherit exitOverride and the error settings only when created after them: set them again.
  for (const command of program.commands) {
    command.showHelpAfterError(`(run bench ${command.name()} --help for usage)`);
  }
  return program;
}
