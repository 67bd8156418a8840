import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../core/report-model.js';

/**
 * `bench local` as a person runs it: a profile in its own folder whose model
 * path is relative to that folder, interrupted with Ctrl-C (SIGINT) mid-run:
 * it writes a partial report, marked as such, and exits 130.
 */
describe('bench local, interrupted', () => {
  it("reads local.model from the profile's folder and writes a partial report on Ctrl-C", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-interrupt-'));
    mkdirSync(join(dir, 'profiles'));
    mkdirSync(join(dir, 'models'));
    copyFileSync('local/models/webordinary-demo.json', join(dir, 'models', 'demo.json'));
    const demo = JSON.parse(readFileSync('profiles/local-demo.json', 'utf8'));
    const profile = {
      ...demo,
      $schema: undefined,
      name: 'interrupted',
      scenarios: [{ type: 'sustained', ratePerMinute: 60, durationMinutes: 2 }],
      local: { model: '../models/demo.json', seed: 3, sesMaxSendRate: 50 },
    };
    const file = join(dir, 'profiles', 'p.json');
    writeFileSync(file, JSON.stringify(profile));
    const out = join(dir, 'reports');
    const child = spawn(process.execPath, ['bin/bench.js', 'local', file, '--out', out], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let interrupted = false;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      // Interrupt once, when some sessions are done (a plain progress line every 5 s: no terminal here).
      // A second Ctrl-C would leave at once, without the partial report.
      if (!interrupted && / [1-9]\d*\/120 sessions/.test(stderr)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    const exit = await new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.on('exit', (code, signal) => resolve({ code, signal })),
    );
    expect(stderr).toContain('SIGINT: stopping the run, writing a partial report');
    // It leaves the way the signal would (a shell reports 130), once it has cleaned up.
    expect(exit.signal === 'SIGINT' || exit.code === 130, stderr).toBe(true);
    expect(stderr).toMatch(/Partial report: .*report\.\{json,md,html\}/);
    const [runId] = readdirSync(out);
    const report = JSON.parse(readFileSync(join(out, runId!, 'report.json'), 'utf8')) as Report;
    expect(report.partial?.reason).toContain('SIGINT');
    expect(report.overall.sessions.ok).toBeGreaterThan(0);
    expect(report.overall.sessions.unfinished).toBeGreaterThan(0);
    expect(readFileSync(join(out, runId!, 'report.md'), 'utf8')).toContain('Partial report');
    expect(stderr).toMatch(/Partial report: .*report\.\{json,md,html\}/);
  }, 120_000);
});
