import type { Command } from 'commander';
import { explainLimits } from '../../core/limit-explain.js';
import { sendRateNotes } from '../../core/run-limits.js';
import { validateProfile } from '../../core/validate-profile.js';
import { EXIT, exitWith, readProfileFile } from '../cli-support.js';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .summary('check profiles; lists every problem with its path')
    .description(
      'Check one or more profiles against the schema and the run limits (and, with --stack, against what a deployed stack allows). Exit 104 when any is invalid.',
    )
    .argument('<profiles...>', 'profile JSON files')
    .option(
      '--stack <file>',
      'also check them against a stack: CDK outputs (StackPolicy), cdk.json or context JSON',
    )
    .option('--no-cost', "skip the predicted harness cost (it synthesizes the stack's state machine)")
    .action(exitWith(validate));
}

async function validate(files: string[], options: { stack?: string; cost?: boolean }): Promise<number> {
  const { readStackPolicy, stackProblems } = await import('./validate-stack.js');
  const policy = options.stack === undefined ? undefined : await readStackPolicy(options.stack);
  let code: number = EXIT.ok;
  for (const file of files) {
    const loaded = await readProfileFile(file);
    const valid = loaded.ok ? validateProfile(loaded.json) : loaded;
    const outside = valid.ok && policy ? stackProblems(valid.profile, policy) : [];
    const result = outside.length > 0 ? { ok: false as const, problems: outside } : valid;
    if (result.ok) {
      console.log(`✓ ${file} is valid: ${result.profile.scenarios.length} scenario(s)`);
      for (const line of explainLimits(result.profile)) console.log(`  ${line}`);
      for (const note of sendRateNotes(result.profile)) console.log(`  · ${note}`);
      if (options.cost !== false) {
        const { costLines } = await import('./validate-cost.js');
        const [first, ...rest] = await costLines(result.profile);
        console.log(`  · ${first}`);
        for (const line of rest) console.log(`    ${line.trimStart()}`);
      }
    } else {
      code = EXIT.invalidProfile;
      console.error(
        `✗ ${file} is invalid (${result.problems.length} problem${result.problems.length > 1 ? 's' : ''}):`,
      );
      for (const problem of result.problems) console.error(`  - ${problem}`);
    }
  }
  return code;
}
