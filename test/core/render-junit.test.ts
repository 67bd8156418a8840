import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateXML } from 'xmllint-wasm';
import { renderJunit } from '../../core/render-junit.js';
import type { Report } from '../../core/report-model.js';
import { modelReport } from '../support/model-report.js';

const XSD = readFileSync('test/fixtures/schemas/junit-10.xsd', 'utf8');

async function validate(xml: string) {
  const result = await validateXML({ xml: [{ fileName: 'junit.xml', contents: xml }], schema: [XSD] });
  return { valid: result.valid, errors: result.errors.map((e) => e.message) };
}

/** local-all's report with one passing, one failing and one unevaluable threshold, and text that needs escaping. */
function report(): Report {
  const base = modelReport(4);
  return {
    ...base,
    profile: 'a<b>&"c"',
    thresholds: [
      { metric: 'total', scenario: null, condition: 'p(95) < 30s', actual: 3_000, count: 46, ok: true },
      { metric: 'pickup', scenario: 'burst', condition: 'p(95) < 5ms', actual: 900, count: 20, ok: false },
      {
        metric: 'claude',
        scenario: null,
        condition: 'p(95) <> x\u0001',
        actual: null,
        count: 0,
        ok: false,
        error: 'does not parse: <> x',
      },
    ],
  };
}

describe('renderJunit', () => {
  it('writes one test case per threshold, valid against the JUnit schema', async () => {
    const xml = renderJunit(report());
    expect(await validate(xml)).toEqual({ valid: true, errors: [] });
    expect(xml.match(/<testcase /g)).toHaveLength(3);
    expect(xml).toContain(
      '<testsuite name="bench a&lt;b&gt;&amp;&quot;c&quot;" tests="3" failures="1" errors="1"',
    );
    expect(xml).toContain(
      '<failure type="ThresholdBreached" message="p(95) &lt; 5ms: got 900 ms over n = 20">',
    );
    expect(xml).toContain('<error type="ThresholdError"');
    expect(xml).not.toContain('\u0001');
  });

  it('is valid for a run without thresholds too', async () => {
    expect((await validate(renderJunit({ ...report(), thresholds: [] }))).valid).toBe(true);
  });

  it('is checked by a schema that rejects what JUnit does not allow (the check can fail)', async () => {
    const broken = renderJunit(report()).replace('<testcase name=', '<testcase title=');
    expect((await validate(broken)).valid).toBe(false);
  });
});
