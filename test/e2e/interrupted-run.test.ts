import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Report } from '../../core/report-model.js';
import { Store } from '../../lambdas/shared/store.js';
import { LOCAL_TABLE } from '../../local/runner/local-aws-setup.js';
import { runLocal } from '../../local/runner/local-run.js';

const root = mkdtempSync(join(tmpdir(), 'bench-interrupted-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The demo profile with a longer burst, so that the run is still going when it is cut. */
function longProfile() {
  const input = JSON.parse(readFileSync('profiles/local-demo.json', 'utf8'));
  // The model as an absolute path: the profile is also written outside profiles/ (paths are read from its folder).
  const model = resolve('profiles', input.local.model);
  return { ...input, scenarios: [{ type: 'burst', sessions: 40 }], local: { ...input.local, model } };
}

describe('a local run that is cut short', () => {
  it('stops within seconds when an emulator dies, names it, writes a partial report and removes its temp files', async () => {
    const out = join(root, 'died');
    let s3Directory = '';
    let killedAt = 0;
    const runId = 'local-emulator-dies';
    const run = await runLocal({
      profile: longProfile(),
      outDir: out,
      runId,
      onLocalAws: (aws) => {
        s3Directory = aws.s3Directory;
        // Kill the emulators once sessions are being sent.
        const store = new Store(LOCAL_TABLE);
        const poll = setInterval(() => {
          store.sessions(runId).then(
            (sessions) => {
              if (killedAt === 0 && sessions.some((s) => s.status !== 'planned')) {
                clearInterval(poll);
                killedAt = Date.now();
                process.kill(aws.emulatorPid!, 'SIGKILL');
              }
            },
            () => undefined,
          );
        }, 200);
      },
    });
    const stoppedAfter = Date.now() - killedAt;
    expect(killedAt).toBeGreaterThan(0);
    expect(stoppedAfter).toBeLessThan(10_000);
    expect(run.execution).toMatchObject({ status: 'FAILED', error: 'EmulatorStopped' });
    expect(run.execution.status === 'FAILED' && run.execution.cause).toMatch(/DynamoDB \(dynalite\)/);
    expect(run.report?.partial?.reason).toMatch(/DynamoDB \(dynalite\)/);
    const saved = JSON.parse(readFileSync(join(out, run.runId, 'report.json'), 'utf8')) as Report;
    expect(saved.partial).toEqual(run.report?.partial);
    expect(saved.scenarios[0]?.sessions.planned).toBeGreaterThan(0);
    expect(readFileSync(join(out, run.runId, 'report.md'), 'utf8')).toBeTruthy();
    expect(s3Directory).not.toBe('');
    expect(existsSync(s3Directory)).toBe(false);
  });

  it('stops on SIGTERM of the CLI: partial report, temp files removed, exits as terminated', async () => {
    const out = join(root, 'killed');
    const tmp = join(root, 'tmp');
    mkdirSync(tmp, { recursive: true });
    const profile = join(root, 'long.json');
    await import('node:fs/promises').then((fs) => fs.writeFile(profile, JSON.stringify(longProfile())));
    const child = spawn(process.execPath, ['bin/bench.js', 'local', profile, '--out', out], {
      env: { ...process.env, TMPDIR: tmp },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    // Running: the progress line has appeared and the sessions are going.
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (/Running local-/.test(stderr)) {
          clearInterval(check);
          setTimeout(resolve, 3_000);
        }
      }, 100);
    });
    const sentAt = Date.now();
    child.kill('SIGTERM');
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    expect(Date.now() - sentAt).toBeLessThan(10_000);
    expect([exit, stderr.slice(-2_000)]).toEqual([{ code: null, signal: 'SIGTERM' }, expect.any(String)]);
    expect(stderr).toMatch(/interrupted \(SIGTERM\)/);
    expect(stderr).not.toMatch(/\n\s+at \S+ \(/);
    const [runId] = readdirSync(out);
    const saved = JSON.parse(readFileSync(join(out, runId!, 'report.json'), 'utf8')) as Report;
    expect(saved.partial?.reason).toBe('the run was interrupted (SIGTERM)');
    // No temp directory is left behind (tsx keeps its own compile cache there).
    expect(readdirSync(tmp).filter((name) => !name.startsWith('tsx-'))).toEqual([]);
  });
});
