import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileRun } from '../../core/correlation.js';
import { parseProfile } from '../../core/validate-profile.js';

/**
 * The nightly profile's markers against the lines the real container writes
 * (claude-code-container/src/services/, jscotthorn/webordinary at 163a3ef).
 */
const profile = parseProfile(JSON.parse(readFileSync('profiles/webordinary-nightly.json', 'utf8')));
const group = '/ecs/webordinary/edit';
const matchers = compileRun('nightly-markers', profile).matchers(group);
const failures = profile.target.failures;

/** The stages a line marks, and the reasons of the failure lines it matches. */
function marks(line: string): { stages: string[]; reasons: string[] } {
  const hits = matchers.filter((m) => m.test(line));
  const stages = hits.flatMap((m) => (m.stage === null ? [] : [m.stage]));
  const reasons = failures.filter((f) =>
    f.regex ? new RegExp(f.pattern).test(line) : line.includes(f.pattern),
  );
  return { stages, reasons: reasons.map((f) => f.reason) };
}

describe('the nightly profile against the real container lines', () => {
  it.each([
    // message-processor.service.ts, syncToS3WithInterrupt
    ['✅ S3 sync complete: 12 uploaded, 0 deleted', ['sync']],
    // s3-sync.service.ts (not on the job's path): must not count as the job's sync
    ['S3 sync completed in 2.1s - 12 files uploaded, 0 deleted', []],
    ['S3 sync completed in 0.4s - no changes', []],
    // git.service.ts safePush: direct push, and handleNonFastForward's rebase and merge paths
    ['Pushed branch thread-tokab12cd34ef56gh successfully', ['push']],
    ['Successfully pushed after rebase', ['push']],
    ['Successfully pushed after merge', ['push']],
    // GIT_PUSH_ENABLED=false writes no push line: the push stage is seen at the done line (first event wins)
    ['Successfully processed message and sent callback', ['push', 'done']],
    // git.service.ts push() (pushWithRetry, not on the job's path) is not the job's push
    ['Pushed branch thread-x to remote', []],
    ['Received Step Functions message for bench#bench-3', ['pickup']],
    ['✅ Astro build successful', ['build']],
  ])('%s marks %j', (line, stages) => {
    expect(marks(line).stages).toEqual(stages);
  });

  it.each([
    ['Build failed with code 1: error TS2304', 'build'],
    ['S3 sync failed with code 1: upload failed', 'sync'],
    ['Dist folder not found, skipping S3 sync', 'sync'],
    ['All push attempts failed', 'push'],
    ['Safe push failed: fatal: Authentication failed', 'push'],
    ['Could not automatically resolve push conflict', 'push'],
    ['Failed to process message: Request timed out', 'failed'],
  ])('%s ends the session as failed with reason %s', (line, reason) => {
    expect(marks(line)).toEqual({ stages: [], reasons: [reason] });
  });

  it('does not end a session on the WARN lines of a preempted or skipped step that the job survives', () => {
    for (const line of [
      'S3 sync interrupted',
      'Push attempt 1/3 failed: timeout',
      'Failed to push auto-commit: x',
    ])
      expect(marks(line)).toEqual({ stages: [], reasons: [] });
  });
});

describe('the local WebOrdinary profiles', () => {
  const nightlyStages = new Map(profile.target.stages.map((s) => [s.name, s]));
  it.each(['local-demo', 'local-all', 'local-limit'])(
    '%s has the nightly sync and push markers and every nightly failure line',
    (name) => {
      const local = parseProfile(JSON.parse(readFileSync(`profiles/${name}.json`, 'utf8')));
      for (const stage of ['sync', 'push'])
        expect(local.target.stages.find((s) => s.name === stage)).toEqual(nightlyStages.get(stage));
      const patterns = (p: typeof profile) =>
        p.target.failures.map((f) => `${f.reason}: ${f.pattern}`).sort();
      expect(patterns(local)).toEqual(patterns(profile));
    },
  );

  it.each([
    'local/models/webordinary.json',
    'local/models/webordinary-demo.json',
    'local/models/webordinary-limit.json',
  ])('%s writes sync and push lines the markers match', (file) => {
    const model = JSON.parse(readFileSync(file, 'utf8')) as {
      steps: { name: string; lines: { text: string }[] }[];
    };
    for (const step of ['sync', 'push']) {
      const texts = model.steps.find((s) => s.name === step)?.lines.map((l) => l.text) ?? [];
      // The model's templates filled as the simulator fills them.
      const lines = texts.map((t) =>
        t
          .replace('{uploaded}', '3')
          .replace('{deleted}', '0')
          .replace('{threadId}', 'tok1')
          .replace('{projectId}', 'amelia'),
      );
      expect(lines.flatMap((line) => marks(line).stages)).toEqual([step]);
    }
  });
});
