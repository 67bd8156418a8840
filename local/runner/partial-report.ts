import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderHtml } from '../../core/render-html.js';
import { renderMarkdown } from '../../core/render-markdown.js';
import { buildReport } from '../../core/report.js';
import type { Report } from '../../core/report-model.js';
import type { Store } from '../../lambdas/shared/store.js';

/**
 * The report of an interrupted run: built by the same code as the report
 * handler from whatever the table holds now, marked `partial`, and written
 * to `<outDir>/<runId>/`. Null when the run had not been prepared yet.
 */
export async function writePartialReport(
  store: Store,
  runId: string,
  outDir: string,
): Promise<{ dir: string; report: Report } | null> {
  const run = await store.getRun(runId);
  if (!run) return null;
  const [sessions, taskSamples] = await Promise.all([store.sessions(runId), store.samples(runId)]);
  const report = buildReport({
    run,
    sessions,
    taskSamples,
    cpu: null,
    memory: null,
    finishedAt: Date.now(),
    partial: true,
  });
  const dir = join(outDir, runId);
  await mkdir(dir, { recursive: true });
  await Promise.all([
    writeFile(join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`),
    writeFile(join(dir, 'report.md'), renderMarkdown(report)),
    writeFile(join(dir, 'report.html'), renderHtml(report)),
  ]);
  return { dir, report };
}
