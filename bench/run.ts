process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import { fork } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, platform, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Benchmark, type Figure, MIB, round, type Verdict, verdictOf } from './harness.js';

/**
 * `npm run bench [-- [--record] <name>...]`: runs each benchmark in its own
 * Node process (a clean heap, --expose-gc, a time limit), prints the table,
 * writes the figures to reports/bench/latest.json (not tracked by git), and
 * exits 1 when a figure misses its target (2 on an unknown name or option).
 * With `--record` the figures also go on record in bench/results/latest.json
 * (tracked: commit it with the change that moved them).
 */

const BENCHMARKS: Readonly<Record<string, () => Promise<{ benchmark: Benchmark }>>> = {
  correlation: () => import('./correlation.js'),
  percentiles: () => import('./percentiles.js'),
  'metric-data': () => import('./metric-data.js'),
  collector: () => import('./collector.js'),
  accuracy: () => import('./accuracy.js'),
  'local-run': () => import('./local-run.js'),
};

// The handlers' INFO lines (one per stage record) would bury the figures; children inherit this.
process.env.LOG_LEVEL ??= 'WARN';

const TIME_LIMIT_MS = 120_000;
/** Longer limits: `accuracy` drives 3,100 deliveries through 3 collector instances, `collector` 8,000 markers, against dynalite. */
const TIME_LIMITS_MS: Readonly<Record<string, number>> = {
  accuracy: 600_000,
  collector: 600_000,
  'local-run': 900_000,
};
const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
/** Every run's figures: under reports/, which git ignores. */
const LATEST = join(ROOT, 'reports', 'bench', 'latest.json');
/** The figures on record (tracked), written only with --record. */
const RECORD = join(ROOT, 'bench', 'results', 'latest.json');

interface FigureResult extends Figure {
  readonly verdict: Verdict;
}

interface BenchResult {
  readonly name: string;
  readonly description: string;
  readonly ranAt: string;
  readonly seconds: number;
  readonly figures: readonly FigureResult[];
  readonly error?: string;
}

interface Machine {
  readonly node: string;
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly os: string;
}

interface ResultsFile {
  readonly machine: Machine;
  readonly date: string;
  readonly results: Record<string, BenchResult>;
}

type ChildMessage = { ok: true; description: string; figures: Figure[] } | { ok: false; error: string };

async function main(): Promise<number> {
  if (process.argv[2] === '--child') {
    // Exit as soon as the figures are sent: a handle some library left open must not hold the run.
    process.exit(await runChild(process.argv[3] ?? ''));
  }
  const args = process.argv.slice(2);
  const recordFigures = args.includes('--record');
  const options = args.filter((a) => a.startsWith('-'));
  const badOption = options.find((o) => o !== '--record');
  if (badOption) {
    console.error(`unknown option ${badOption}; usage: npm run bench -- [--record] [name...]`);
    return 2;
  }
  const names = args.filter((a) => !a.startsWith('-'));
  const unknown = names.filter((name) => !(name in BENCHMARKS));
  if (unknown.length > 0) {
    console.error(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`);
    return 2;
  }
  const selected = names.length > 0 ? names : Object.keys(BENCHMARKS);
  const results: BenchResult[] = [];
  for (const name of selected) {
    process.stdout.write(`bench ${name} ... `);
    const result = await runInChild(name);
    process.stdout.write(`${result.error ? 'error' : 'done'} (${result.seconds} s)\n`);
    results.push(result);
  }
  console.log(`\n${table(results)}`);
  for (const { name, error } of results) if (error) console.log(`\n${name} failed:\n${error}`);
  const machine = machineInfo();
  console.log(
    `\n${machine.os} · ${machine.cpus} × ${machine.cpuModel} · ${machine.memoryGiB} GiB · Node ${machine.node}`,
  );
  await record(LATEST, machine, results);
  if (recordFigures) await record(RECORD, machine, results);
  else console.log('not recorded in bench/results/latest.json (add --record to put these figures on record)');
  const failed = results.filter((r) => r.error || r.figures.some((f) => f.verdict === 'FAIL'));
  if (failed.length > 0) {
    console.log(`missed a target: ${failed.map((r) => r.name).join(', ')}`);
    return 1;
  }
  return 0;
}

/** The benchmark's own process: runs it and sends its figures back. */
async function runChild(name: string): Promise<number> {
  const send = (message: ChildMessage) =>
    new Promise<void>((resolve) => process.send?.(message, () => resolve()) ?? resolve());
  try {
    const load = BENCHMARKS[name];
    if (!load) throw new Error(`unknown benchmark ${name}`);
    const { benchmark } = await load();
    const figures = await benchmark.run();
    await send({ ok: true, description: benchmark.description, figures });
    return 0;
  } catch (error) {
    await send({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    return 1;
  }
}

function runInChild(name: string): Promise<BenchResult> {
  const started = Date.now();
  const ranAt = new Date(started).toISOString();
  return new Promise((resolve) => {
    let message: ChildMessage | undefined;
    const child = fork(fileURLToPath(import.meta.url), ['--child', name], {
      // tsx's loader flags, plus a collector the heap figures can call.
      execArgv: [...process.execArgv, '--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const limit = TIME_LIMITS_MS[name] ?? TIME_LIMIT_MS;
    const timer = setTimeout(() => {
      message = { ok: false, error: `did not finish within ${limit / 1_000} s` };
      child.kill('SIGKILL');
    }, limit);
    child.on('message', (m) => {
      message ??= m as ChildMessage;
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const seconds = round((Date.now() - started) / 1_000, 1);
      const outcome = message ?? { ok: false, error: `exited with ${signal ?? `code ${code}`}` };
      if (!outcome.ok) {
        resolve({ name, description: '', ranAt, seconds, figures: [], error: outcome.error });
        return;
      }
      const figures = outcome.figures.map((f) => ({ ...f, verdict: verdictOf(f) }));
      resolve({ name, description: outcome.description, ranAt, seconds, figures });
    });
  });
}

function table(results: readonly BenchResult[]): string {
  const rows: string[][] = [['name', 'what', 'figure', 'unit', 'target', 'verdict']];
  for (const result of results) {
    if (result.error) {
      rows.push([result.name, result.error.split('\n')[0] ?? '', '', '', '', 'FAIL']);
      continue;
    }
    for (const f of result.figures) {
      const target = f.target ? `${f.target.op} ${formatNumber(f.target.value)}` : '';
      rows.push([result.name, f.what, formatNumber(f.value), f.unit, target, f.verdict]);
    }
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  const numeric = new Set([2, 4]);
  const line = (row: string[]) =>
    row
      .map((cell, c) => (numeric.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join('  ')
      .trimEnd();
  return [line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

function formatNumber(value: number | null): string {
  // NaN travels from the child as null (JSON): a figure that could not be measured.
  if (value === null || !Number.isFinite(value)) return 'n/a';
  const digits = Math.abs(value) >= 100 || Number.isInteger(value) ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function machineInfo(): Machine {
  const cpu = cpus();
  return {
    node: process.version,
    cpus: cpu.length,
    cpuModel: cpu[0]?.model.trim() ?? 'unknown',
    memoryGiB: round(totalmem() / (1024 * MIB), 1),
    os: `${platform()} ${release()}`,
  };
}

/** Writes a results file; a partial run keeps the other benchmarks' figures when they came from this machine. */
async function record(path: string, machine: Machine, results: readonly BenchResult[]): Promise<void> {
  let previous: ResultsFile | undefined;
  try {
    previous = JSON.parse(await readFile(path, 'utf8')) as ResultsFile;
  } catch {
    previous = undefined;
  }
  const sameMachine = previous && JSON.stringify(previous.machine) === JSON.stringify(machine);
  const merged: Record<string, BenchResult> = sameMachine ? { ...previous?.results } : {};
  for (const result of results) merged[result.name] = result;
  const ordered = Object.fromEntries(
    Object.keys(BENCHMARKS)
      .filter((name) => name in merged)
      .map((name) => [name, merged[name]!]),
  );
  const file: ResultsFile = { machine, date: new Date().toISOString(), results: ordered };
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(file, null, 2)}\n`);
  console.log(`figures written to ${path.slice(ROOT.length + 1)}`);
}

process.exitCode = await main();
