import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { renderHtml } from '../../core/render-html.js';
import { renderMarkdown } from '../../core/render-markdown.js';
import { renderText } from '../../core/render-text.js';
import type { Report } from '../../core/report-model.js';
import { EXIT, exitWith, readReport, UsageError, useColor } from '../cli-support.js';
import { writeJunit } from './junit-output.js';

interface ReportOptions {
  readonly format: string;
  readonly output?: string;
  readonly junit?: string;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .summary('render a report.json again (text, md or html; JUnit)')
    .description(
      'Render a report.json as text, Markdown or one self-contained HTML page; optionally its thresholds as JUnit XML.',
    )
    .argument('<report>', 'a report.json')
    .option('--format <format>', 'text, md or html', 'text')
    .option('-o, --output <file>', 'write to a file instead of standard output')
    .option('--junit <file>', 'also write the thresholds as JUnit XML, one test case each')
    .action(exitWith(report));
}

async function report(file: string, options: ReportOptions): Promise<number> {
  const renderers: Record<string, (r: Report) => string> = {
    text: (r) => renderText(r, { color: useColor(process.stdout) && !options.output }),
    md: renderMarkdown,
    html: renderHtml,
  };
  const render = renderers[options.format];
  if (!render) throw new UsageError(`--format must be text, md or html, got "${options.format}"`);
  const loaded = await readReport(file);
  const text = render(loaded);
  if (options.output) await writeFile(options.output, text);
  else process.stdout.write(`${text}\n`);
  if (options.junit) await writeJunit(options.junit, loaded);
  return EXIT.ok;
}
