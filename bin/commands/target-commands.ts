import type { Command } from 'commander';
import { exitWith, UsageError } from '../cli-support.js';

/** `provision`, `preflight` and `restore`: what a run needs from the target before, and what it leaves after. */
export function registerTargetCommands(program: Command): void {
  program
    .command('provision')
    .summary('create the queues target.provision names for every pool user (idempotent)')
    .description(
      'Create every queue target.provision names for every user of target.userPool, with its attributes; queues that exist are left alone. Exit 0 when all are there as planned, 1 otherwise, 104 for an invalid profile.',
    )
    .argument('<profile>', 'profile JSON file')
    .option('--dry-run', 'print the plan, call nothing', false)
    .action(
      exitWith(async (file: string, options: { dryRun: boolean }) => {
        const { provision } = await import('./provision.js');
        return provision({ file, dryRun: options.dryRun });
      }),
    );
  program
    .command('preflight')
    .summary('check that everything the profile names exists and is reachable')
    .description(
      'Check with the SDK that the log groups, buckets, ECS service, SES identity and quota, pool queues (and the state machine, when given) exist and are reachable; one line per check. Exit 0 when all pass, 3 when something is missing, 104 for an invalid profile.',
    )
    .argument('<profile>', 'profile JSON file')
    .option('--state-machine-arn <arn>', 'also check the deployed benchmark (or env BENCH_STATE_MACHINE_ARN)')
    .action(
      exitWith(async (file: string, options: { stateMachineArn?: string }) => {
        const { preflight } = await import('./preflight.js');
        const arn = options.stateMachineArn ?? process.env.BENCH_STATE_MACHINE_ARN;
        return preflight({ file, ...(arn ? { stateMachineArn: arn } : {}) });
      }),
    );
  program
    .command('restore')
    .summary('set back what a stopped run changed on the target')
    .description(
      'Set back what a run changed on the target and did not restore (a stopped execution runs no Catch), from the values it recorded before changing anything. Exit 0 when nothing is left changed, 1 when a restore failed.',
    )
    .argument('<runId>', 'the run (execution name)')
    .option('--table <name>', "the benchmark's table, stack output TableName (or env BENCH_TABLE_NAME)")
    .option('--dry-run', 'print what would be set, change nothing', false)
    .action(
      exitWith(async (runId: string, options: { table?: string; dryRun: boolean }) => {
        const table = options.table ?? process.env.BENCH_TABLE_NAME;
        if (!table) throw new UsageError('needs --table (or BENCH_TABLE_NAME); `cdk deploy` prints it');
        const { restore } = await import('./restore.js');
        return restore({ runId, table, dryRun: options.dryRun });
      }),
    );
}
