import type { Command } from 'commander';
import { profileJsonSchema } from '../../core/json-schema.js';
import { EXIT, exitWith } from '../cli-support.js';

export function registerSchema(program: Command): void {
  program
    .command('schema')
    .summary("print the profile's JSON Schema")
    .description("Print the profile's JSON Schema (for editors): bench schema > schema/profile.schema.json")
    .action(
      exitWith(async () => {
        process.stdout.write(`${JSON.stringify(profileJsonSchema(), null, 2)}\n`);
        return EXIT.ok;
      }),
    );
}
