import { mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRun, runLocal } from '../../local/runner/local-run.js';
import { chromiumPath } from '../support/chromium.js';

/** Where the screenshot goes: under test-output/ (git ignores it), for a person to look at. */
const OUTPUT = resolve('test-output', 'html-report');

/**
 * The HTML report of profiles/local-all.json, opened from disk in a real
 * headless Chromium: it renders with no console error and no request
 * beyond its own file, every chart has drawn marks (in every tab), and a
 * full-page screenshot is saved.
 */
describe('the HTML report of profiles/local-all.json in a browser', () => {
  let run: LocalRun;
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(OUTPUT, { recursive: true });
    const profile = JSON.parse(readFileSync('profiles/local-all.json', 'utf8'));
    run = await runLocal({ profile, baseDir: 'profiles', outDir: OUTPUT });
    browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox'] });
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
  });

  it('renders every chart with marks, without a console error or an outside request, and is screenshotted', async () => {
    expect(run.reportDir).not.toBeNull();
    const file = join(run.reportDir!, 'report.html');
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning')
        problems.push(`console ${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('request', (request) => {
      if (!request.url().startsWith('file:')) problems.push(`outside request: ${request.url()}`);
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });

    const charts = await page.$$eval('svg.chart', (svgs) =>
      svgs.map((svg) => ({
        label: svg.getAttribute('aria-label') ?? '',
        marks: svg.querySelectorAll('.mark').length,
      })),
    );
    // Per scenario (4 + all sessions): histogram, CDF; per scenario: timeline; run-wide: latency tabs
    // (total + 8 stages), flow, CPU, memory, tasks.
    expect(charts.length).toBeGreaterThanOrEqual(5 * 2 + 4 + 9 + 1 + 3);
    expect(charts.filter((c) => c.marks === 0)).toEqual([]);
    for (const kind of [
      'by session start',
      'in flight',
      'Cumulative',
      'Distribution',
      'timeline',
      'CPUUtilization',
    ]) {
      expect(
        charts.some((c) => c.label.includes(kind)),
        kind,
      ).toBe(true);
    }

    // Every chart on screen draws marks of a real size; each latency tab shows its own chart.
    const visibleWithoutSize = () =>
      page.$$eval('svg.chart', (svgs) =>
        svgs
          .filter((svg) => svg.getBoundingClientRect().height > 0)
          .filter(
            (svg) =>
              ![...svg.querySelectorAll('.mark')].some((m) => {
                const box = (m as unknown as { getBBox(): { width: number; height: number } }).getBBox();
                return box.width > 0 || box.height > 0;
              }),
          )
          .map((svg) => svg.getAttribute('aria-label')),
      );
    expect(await visibleWithoutSize()).toEqual([]);
    const tabs = await page.$$('.tabs > label');
    expect(tabs.length).toBe(9);
    for (const tab of tabs) {
      await tab.click();
      const shown = await page.$$eval('.tabs > .panel', (panels) =>
        panels
          .filter((p) => p.getBoundingClientRect().height > 0)
          .map((p) => p.querySelectorAll('.mark').length),
      );
      expect(shown).toHaveLength(1);
      expect(shown[0]).toBeGreaterThan(0);
      expect(await visibleWithoutSize()).toEqual([]);
    }
    await page.click('.tabs > label');
    await page.screenshot({ path: join(OUTPUT, 'local-all.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  }, 120_000);
});
