import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Profile } from '../../core/profile.js';
import { renderHtml } from '../../core/render-html.js';
import { renderMarkdown } from '../../core/render-markdown.js';
import { buildReport } from '../../core/report.js';
import type { Report } from '../../core/report-model.js';
import type { StoredSession } from '../../lambdas/shared/store.js';

/**
 * The report of a run that stopped early, from the session records as last
 * read, marked partial with the reason; written straight to `<outDir>/<runId>/`
 * (the local S3 may be what stopped).
 */
export async function writePartialReport(options: {
  readonly runId: string;
  readonly profile: Profile;
  readonly startedAt: number;
  readonly sessions: readonly StoredSession[];
  readonly reason: string;
  readonly outDir: string | undefined;
}): Promise<{ report: Report; dir: string | null }> {
  const built = buildReport({
    run: { runId: options.runId, profile: options.profile, startedAt: options.startedAt },
    sessions: [...options.sessions],
    taskSamples: [],
    cpu: null,
    memory: null,
    finishedAt: Date.now(),
    partial: { reason: options.reason },
  });
  const report: Report = built;
  if (options.outDir === undefined) return { report, dir: null };
  const dir = join(options.outDir, options.runId);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(join(dir, 'report.md'), renderMarkdown(report));
  await writeFile(join(dir, 'report.html'), renderHtml(report));
  return { report, dir };
}
