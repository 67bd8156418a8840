import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { LOCAL_REPORTS_BUCKET, localS3 } from '../../local/runner/local-aws-setup.js';
import { useLocalAws } from '../support/local-aws.js';
import { DEMO_MODEL, modelReport, slowerStep } from '../support/model-report.js';

const local = useLocalAws();

describe('bench trend s3://bucket/prefix', () => {
  it('reads every reports/<runId>/report.json under the prefix (S3 through the SDK) and marks the change point', async () => {
    const reports = [
      ...[1, 2, 3].map((seed) => modelReport(seed)),
      modelReport(4, slowerStep(DEMO_MODEL, 'claude', 1.5)),
    ];
    const s3 = localS3();
    for (const [i, report] of reports.entries()) {
      await s3.send(
        new PutObjectCommand({
          Bucket: LOCAL_REPORTS_BUCKET,
          Key: `reports/run-${i + 1}/report.json`,
          Body: JSON.stringify({
            ...report,
            runId: `run-${i + 1}`,
            startedAt: report.startedAt + i * 86_400_000,
          }),
        }),
      );
    }
    // Not a report: the trend leaves it out.
    await s3.send(
      new PutObjectCommand({ Bucket: LOCAL_REPORTS_BUCKET, Key: 'reports/run-1/report.md', Body: '# x' }),
    );
    const page = join(mkdtempSync(join(tmpdir(), 'bench-trend-s3-')), 'trend.html');
    const out = spawnSync(
      process.execPath,
      ['bin/bench.js', 'trend', `s3://${LOCAL_REPORTS_BUCKET}/reports/`, '-o', page],
      { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...local.aws.env } },
    );
    expect(out.status).toBe(0);
    expect(out.stderr).toBe(`Trend of 4 run(s): ${page}\n`);
    const html = readFileSync(page, 'utf8');
    expect(html).toContain('trend over 4 runs');
    expect(html).toMatch(/run-4[\s\S]*claude p50 regression/);
  }, 90_000);

  it('says which object is not a report, without a stack trace', async () => {
    await localS3().send(
      new PutObjectCommand({
        Bucket: LOCAL_REPORTS_BUCKET,
        Key: 'broken/run-9/report.json',
        Body: '{"runId": ',
      }),
    );
    const out = spawnSync(
      process.execPath,
      ['bin/bench.js', 'trend', `s3://${LOCAL_REPORTS_BUCKET}/broken/`],
      {
        encoding: 'utf8',
        timeout: 60_000,
        env: { ...process.env, ...local.aws.env },
      },
    );
    expect(out.status).toBe(2);
    expect(out.stderr).toContain(`s3://${LOCAL_REPORTS_BUCKET}/broken/run-9/report.json: not valid JSON`);
    expect(out.stderr).not.toMatch(/\n\s+at /);
  }, 90_000);
});
