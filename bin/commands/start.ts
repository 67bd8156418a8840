import type { Command } from 'commander';
import { EXIT, exitWith, loadValidProfile, UsageError } from '../cli-support.js';

interface StartOptions {
  readonly stateMachineArn?: string;
  readonly name?: string;
}

export function registerStart(program: Command): void {
  program
    .command('start')
    .summary('start a run on AWS')
    .description('Validate a profile and start an execution of the deployed benchmark with it as the input.')
    .argument('<profile>', 'profile JSON file')
    .option('--state-machine-arn <arn>', 'the deployed benchmark (default: env BENCH_STATE_MACHINE_ARN)')
    .option('--name <runId>', 'execution name (default: <profile>-<time>)')
    .action(exitWith(start));
}

async function start(file: string, options: StartOptions): Promise<number> {
  const arn = options.stateMachineArn ?? process.env.BENCH_STATE_MACHINE_ARN;
  if (!arn)
    throw new UsageError('needs --state-machine-arn (or BENCH_STATE_MACHINE_ARN); `cdk deploy` prints it');
  const valid = await loadValidProfile(file);
  if (!valid) return EXIT.invalidProfile;
  const { SFNClient, StartExecutionCommand } = await import('@aws-sdk/client-sfn');
  const name = options.name ?? `${valid.profile.name}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  const out = await new SFNClient({}).send(
    new StartExecutionCommand({ stateMachineArn: arn, name, input: JSON.stringify(valid.json) }),
  );
  console.log(`Started ${name}\n  ${out.executionArn}`);
  return EXIT.ok;
}
