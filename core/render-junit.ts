/**
 * The thresholds of a report as JUnit XML, for CI systems that read test
 * results: one test suite per run, one test case per threshold (a failed
 * threshold is a `<failure>`, one that could not be evaluated an `<error>`).
 * Valid against the JUnit schema that Jenkins' xUnit plugin ships (junit-10.xsd).
 */
import { formatThresholdActual } from './render-text.js';
import type { Report, ThresholdReport } from './report-model.js';

export function escapeXml(text: string): string {
  return (
    text
      // Characters XML 1.0 cannot hold at all (control characters other than tab, newline, return).
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;')
      .replace(/'/g, '&apos;')
  );
}

export function renderJunit(report: Report): string {
  const seconds = ((report.finishedAt - report.startedAt) / 1_000).toFixed(3);
  const failures = report.thresholds.filter((t) => !t.ok && !t.error).length;
  const errors = report.thresholds.filter((t) => t.error).length;
  const attrs = (pairs: Record<string, string>): string =>
    Object.entries(pairs)
      .map(([k, v]) => ` ${k}="${escapeXml(v)}"`)
      .join('');
  const suite = attrs({
    name: `bench ${report.profile}`,
    tests: String(report.thresholds.length),
    failures: String(failures),
    errors: String(errors),
    skipped: '0',
    time: seconds,
    timestamp: new Date(report.startedAt).toISOString().replace(/\.\d{3}Z$/, ''),
    id: report.runId,
  });
  const cases = report.thresholds.map((t) => testCase(report, t));
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({ name: 'WebOrdinary Bench', tests: String(report.thresholds.length), failures: String(failures), errors: String(errors), time: seconds })}>`,
    `  <testsuite${suite}>`,
    `    <properties><property${attrs({ name: 'runId', value: report.runId })}/><property${attrs({ name: 'verdict', value: report.verdict })}/>${report.partial ? `<property${attrs({ name: 'partial', value: 'true' })}/>` : ''}</properties>`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

function testCase(report: Report, t: ThresholdReport): string {
  const scope = t.scenario ?? 'all sessions';
  const name = `${t.metric} ${t.condition} [${scope}]`;
  const open = `    <testcase name="${escapeXml(name)}" classname="${escapeXml(`bench.${report.profile}.${t.scenario ?? 'all'}`)}" time="0">`;
  const measured = `got ${formatThresholdActual(t)} over n = ${t.count}`;
  if (t.error)
    return `${open}\n      <error type="ThresholdError" message="${escapeXml(t.error)}">${escapeXml(`${name}: ${t.error}`)}</error>\n    </testcase>`;
  if (!t.ok)
    return `${open}\n      <failure type="ThresholdBreached" message="${escapeXml(`${t.condition}: ${measured}`)}">${escapeXml(`${name}: ${measured}`)}</failure>\n    </testcase>`;
  return `${open}\n      <system-out>${escapeXml(measured)}</system-out>\n    </testcase>`;
}
