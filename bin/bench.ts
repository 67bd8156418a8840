import { CommanderError } from 'commander';
import { EXIT, UsageError } from './cli-support.js';
import { createProgram } from './program.js';

/** Runs the CLI: usage errors exit 2 with one short message, other failures 1, without a stack trace. */
async function main(argv: string[]): Promise<void> {
  const program = createProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed the message (or the help) already.
      process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return;
    }
    if (error instanceof UsageError) {
      const command = argv.find((a) => !a.startsWith('-')) ?? '';
      console.error(`bench ${command}: ${error.message}\n(run bench ${command} --help for usage)`);
      process.exitCode = EXIT.usage;
      return;
    }
    const e = error as Error;
    console.error(`bench: ${e.name}: ${e.message}`);
    if (process.env.BENCH_DEBUG) console.error(e.stack);
    process.exitCode = EXIT.error;
  }
}

await main(process.argv.slice(2));
