import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { renderTrendHtml } from '../../core/render-trend.js';
import type { Report } from '../../core/report-model.js';
import { buildTrend } from '../../core/trend.js';
import { EXIT, exitWith, readReport, UsageError } from '../cli-support.js';

interface TrendOptions {
  readonly output?: string;
  readonly format: string;
}

export function registerTrend(program: Command): void {
  program
    .command('trend')
    .summary('one HTML page of p50 / p95 per stage and verdicts over many runs')
    .description(
      'Build one self-contained HTML page from many reports: p50 and p95 of every stage per scenario, run after ' +
        "run, each run's verdict and bottlenecks, and the change points (credible changes from the run before, " +
        'by the tests of bench compare). Sources: report.json files, folders holding <runId>/report.json, or an ' +
        'S3 prefix (s3://bucket/reports/).',
    )
    .argument('<reports...>', 'report.json files, folders of runs, or s3://bucket/prefix')
    .option('-o, --output <file>', 'write the page to a file (default: standard output)')
    .option('--format <format>', 'html or json', 'html')
    .action(exitWith(trend));
}

async function trend(sources: string[], options: TrendOptions): Promise<number> {
  if (options.format !== 'html' && options.format !== 'json')
    throw new UsageError(`--format must be html or json, got "${options.format}"`);
  const reports: Report[] = [];
  for (const source of sources) reports.push(...(await load(source)));
  if (reports.length === 0) throw new UsageError('no report.json found in the sources given');
  const built = buildTrend(reports);
  const text = options.format === 'json' ? `${JSON.stringify(built, null, 2)}\n` : renderTrendHtml(built);
  if (options.output) {
    await writeFile(options.output, text);
    console.error(`Trend of ${reports.length} run(s): ${options.output}`);
  } else process.stdout.write(text);
  return EXIT.ok;
}

async function load(source: string): Promise<Report[]> {
  if (source.startsWith('s3://')) return loadS3(source);
  const info = await stat(source).catch(() => null);
  if (!info) throw new UsageError(`cannot read ${source}: no such file or folder`);
  if (info.isFile()) return [await readReport(source)];
  const files: string[] = [];
  const direct = join(source, 'report.json');
  if (await stat(direct).catch(() => null)) files.push(direct);
  for (const entry of await readdir(source, { withFileTypes: true })) {
    const nested = join(source, entry.name, 'report.json');
    if (entry.isDirectory() && (await stat(nested).catch(() => null))) files.push(nested);
  }
  return Promise.all(files.map(readReport));
}

/** Every `.../report.json` under an S3 prefix (the reports bucket's `reports/<runId>/` layout). */
async function loadS3(url: string): Promise<Report[]> {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!match) throw new UsageError(`not an S3 URL: ${url} (use s3://bucket/prefix)`);
  const [, bucket, prefix] = match as unknown as [string, string, string];
  const { S3Client, ListObjectsV2Command, GetObjectCommand } = await import('@aws-sdk/client-s3');
  const s3 = new S3Client({});
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
    );
    for (const object of page.Contents ?? []) if (object.Key?.endsWith('/report.json')) keys.push(object.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return Promise.all(
    keys.map(async (key) => {
      const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const text = (await out.Body?.transformToString('utf8')) ?? '';
      try {
        return JSON.parse(text) as Report;
      } catch (error) {
        throw new UsageError(`s3://${bucket}/${key}: not valid JSON (${(error as Error).message})`);
      }
    }),
  );
}
