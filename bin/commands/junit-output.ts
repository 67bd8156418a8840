import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { renderJunit } from '../../core/render-junit.js';
import type { Report } from '../../core/report-model.js';

/** Writes the report's thresholds as JUnit XML (creating the folder) and says where. */
export async function writeJunit(file: string, report: Report): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, renderJunit(report));
  console.error(`JUnit: ${file} (${report.thresholds.length} test case(s))`);
}
