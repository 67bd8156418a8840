import type { Command } from 'commander';
import { validateProfile } from '../../core/validate-profile.js';
import { EXIT, exitWith, readProfileFile } from '../cli-support.js';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .summary('check profiles; lists every problem with its path')
    .description(
      'Check one or more profiles against the schema and the run limits. Exit 104 when any is invalid.',
    )
    .argument('<profiles...>', 'profile JSON files')
    .action(exitWith(validate));
}

async function validate(files: string[]): Promise<number> {
  let code: number = EXIT.ok;
  for (const file of files) {
    const loaded = await readProfileFile(file);
    const result = loaded.ok ? validateProfile(loaded.json) : loaded;
    if (result.ok) {
      console.log(`✓ ${file} is valid: ${result.profile.scenarios.length} scenario(s)`);
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
