import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { compareReports } from '../core/compare.js';
import { profileJsonSchema } from '../core/json-schema.js';
import { renderComparison } from '../core/render-compare.js';
import { renderHtml } from '../core/render-html.js';
import { renderMarkdown } from '../core/render-markdown.js';
import { renderText } from '../core/render-text.js';
import type { Report } from '../core/report-model.js';
import { sendRateNotes } from '../core/run-limits.js';
import { validateProfile } from '../core/validate-profile.js';
import {
  EXIT,
  loadValidProfile,
  parseFraction,
  parseMilliseconds,
  readProfileFile,
  UsageError,
} from './cli-support.js';

const USAGE = `Usage: bench <command> [options]

Commands:
  local <profile.json>       run the benchmark on this machine against the WebOrdinary simulator
      --model <file>         the simulator's target model (default: the profile's local.model)
      --seed <n>             seed of the simulator's latency draws
      --out <dir>            where reports/<runId>/ goes (default: reports)
      --quiet                no progress line
  validate <profile.json>... check profiles; lists every problem with its path
  start <profile.json>       start a run on AWS
      --state-machine-arn <arn>   the deployed benchmark (or env BENCH_STATE_MACHINE_ARN)
      --name <runId>         execution name (default: generated)
  compare <baseline.json> <current.json>
                             p50 / p95 of every stage and scenario side by side; exit 99 on a regression
      --tolerance <n%>       relative growth that counts (default 10%)
      --min-delta <ms|s>     absolute growth a duration must also exceed (default 100ms)
      --success-drop <n%>    success-rate drop that counts (default 5%)
  provision <profile.json>   create the queues target.provision names for every pool user (idempotent)
      --dry-run              print the plan, call nothing
  preflight <profile.json>   check that everything the profile names exists and is reachable
      --state-machine-arn <arn>   also check the deployed benchmark (or env BENCH_STATE_MACHINE_ARN)
  restore <runId>            set back what a run changed on the target and did not restore (a stopped run)
      --table <name>         the benchmark's table, stack output TableName (or env BENCH_TABLE_NAME)
      --dry-run              print what would be set, change nothing
  report <report.json>       render a report again
      --format text|md|html  (default: text)
  schema                     print the profile's JSON Schema

Exit codes: 0 ok, 99 thresholds breached (or a regression), 104 invalid profile, 3 preflight found something
missing, 2 usage error, 1 run error.`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'validate':
      return validate(rest);
    case 'local':
      return local(rest);
    case 'start':
      return start(rest);
    case 'report':
      return report(rest);
    case 'compare':
      return compare(rest);
    case 'provision': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { 'dry-run': { type: 'boolean', default: false } },
      });
      if (positionals.length !== 1) throw new UsageError('provision needs exactly one profile file');
      const { provision } = await import('./commands/provision.js');
      return provision({ file: positionals[0] ?? '', dryRun: values['dry-run'] });
    }
    case 'preflight': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { 'state-machine-arn': { type: 'string' } },
      });
      if (positionals.length !== 1) throw new UsageError('preflight needs exactly one profile file');
      const arn = values['state-machine-arn'] ?? process.env.BENCH_STATE_MACHINE_ARN;
      const { preflight } = await import('./commands/preflight.js');
      return preflight({ file: positionals[0] ?? '', ...(arn ? { stateMachineArn: arn } : {}) });
    }
    case 'restore': {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { table: { type: 'string' }, 'dry-run': { type: 'boolean', default: false } },
      });
      if (positionals.length !== 1) throw new UsageError('restore needs exactly one runId');
      const table = values.table ?? process.env.BENCH_TABLE_NAME;
      if (!table) throw new UsageError('restore needs --table (or BENCH_TABLE_NAME); `cdk deploy` prints it');
      const { restore } = await import('./commands/restore.js');
      return restore({ runId: positionals[0] ?? '', table, dryRun: values['dry-run'] });
    }
    case 'schema':
      process.stdout.write(`${JSON.stringify(profileJsonSchema(), null, 2)}\n`);
      return EXIT.ok;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return command === undefined ? EXIT.usage : EXIT.ok;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

async function validate(args: string[]): Promise<number> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length === 0) throw new UsageError('validate needs at least one profile file');
  let code: number = EXIT.ok;
  for (const file of positionals) {
    const loaded = await readProfileFile(file);
    const result = loaded.ok ? validateProfile(loaded.json) : loaded;
    if (result.ok) {
      console.log(`✓ ${file} is valid: ${result.profile.scenarios.length} scenario(s)`);
      for (const note of sendRateNotes(result.profile)) console.log(`  · ${note}`);
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

async function local(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      model: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string', default: 'reports' },
      quiet: { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 1) throw new UsageError('local needs exactly one profile file');
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isInteger(seed))
    throw new UsageError(`--seed must be an integer, got "${values.seed}"`);
  const file = positionals[0] ?? '';
  const valid = await loadValidProfile(file);
  if (!valid) return EXIT.invalidProfile;
  const { runLocal } = await import('../local/runner/local-run.js');
  const run = await runLocal({
    profile: valid.json,
    ...(values.model ? { modelPath: values.model } : {}),
    ...(seed !== undefined ? { seed } : {}),
    outDir: values.out,
    progress: values.quiet ? 'none' : process.stderr.isTTY ? 'tty' : 'lines',
  });
  if (run.report) {
    process.stdout.write(`\n${renderText(run.report, { color: process.stdout.isTTY })}\n`);
    console.log(`Reports: ${run.reportDir}/report.{json,md,html}`);
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

async function start(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { 'state-machine-arn': { type: 'string' }, name: { type: 'string' } },
  });
  if (positionals.length !== 1) throw new UsageError('start needs exactly one profile file');
  const arn = values['state-machine-arn'] ?? process.env.BENCH_STATE_MACHINE_ARN;
  if (!arn)
    throw new UsageError(
      'start needs --state-machine-arn (or BENCH_STATE_MACHINE_ARN); `cdk deploy` prints it',
    );
  const file = positionals[0] ?? '';
  const valid = await loadValidProfile(file);
  if (!valid) return EXIT.invalidProfile;
  const { SFNClient, StartExecutionCommand } = await import('@aws-sdk/client-sfn');
  const name = values.name ?? `${valid.profile.name}-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  const out = await new SFNClient({}).send(
    new StartExecutionCommand({
      stateMachineArn: arn,
      name,
      input: JSON.stringify(valid.json),
    }),
  );
  console.log(`Started ${name}\n  ${out.executionArn}`);
  return EXIT.ok;
}

async function compare(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      tolerance: { type: 'string', default: '10%' },
      'min-delta': { type: 'string', default: '100ms' },
      'success-drop': { type: 'string', default: '5%' },
    },
  });
  if (positionals.length !== 2)
    throw new UsageError('compare needs a baseline report.json and a current one');
  const [baseline, current] = await Promise.all(positionals.map(readReport));
  const comparison = compareReports(baseline!, current!, {
    tolerance: parseFraction('--tolerance', values.tolerance),
    minDeltaMs: parseMilliseconds('--min-delta', values['min-delta']),
    successDrop: parseFraction('--success-drop', values['success-drop']),
  });
  process.stdout.write(renderComparison(comparison, { color: process.stdout.isTTY }));
  return comparison.regressions > 0 ? EXIT.thresholds : EXIT.ok;
}

async function readReport(file: string): Promise<Report> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Report;
    if (!Array.isArray(parsed.scenarios) || !parsed.overall)
      throw new Error('not a report.json (no scenarios or overall)');
    return parsed;
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`);
  }
}

async function report(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { format: { type: 'string', default: 'text' }, output: { type: 'string', short: 'o' } },
  });
  if (positionals.length !== 1) throw new UsageError('report needs exactly one report.json');
  const renderers: Record<string, (r: Report) => string> = {
    text: (r) => renderText(r, { color: process.stdout.isTTY && !values.output }),
    md: renderMarkdown,
    html: renderHtml,
  };
  const render = renderers[values.format];
  if (!render) throw new UsageError(`--format must be text, md or html, got "${values.format}"`);
  const text = render(await readReport(positionals[0] ?? ''));
  if (values.output) await writeFile(values.output, text);
  else process.stdout.write(`${text}\n`);
  return EXIT.ok;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      console.error(`bench: ${error.message}\n\n${USAGE}`);
      process.exitCode = EXIT.usage;
      return;
    }
    console.error(`bench: ${error.name}: ${error.message}`);
    if (process.env.BENCH_DEBUG) console.error(error.stack);
    process.exitCode = EXIT.error;
  },
);
