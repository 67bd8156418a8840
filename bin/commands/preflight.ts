import { EXIT, loadValidProfile } from '../cli-support.js';
import { type Check, preflightChecks, type Verdict } from './preflight-checks.js';

export interface PreflightOptions {
  readonly file: string;
  readonly stateMachineArn?: string;
  readonly print?: (line: string) => void;
}

const MARK = { ok: '✓', missing: '✗', skip: '–' } as const;

/**
 * `bench preflight <profile> [--state-machine-arn <arn>]`: checks with the SDK
 * that everything the profile names exists and is reachable, one line per
 * check. Exit 0 when all pass, 3 ({@link EXIT.preflight}) when something is
 * missing or cannot be read, 104 for an invalid profile.
 */
export async function preflight(options: PreflightOptions): Promise<number> {
  const print = options.print ?? console.log;
  const valid = await loadValidProfile(options.file);
  if (!valid) return EXIT.invalidProfile;
  const checks = preflightChecks(valid.profile, options.stateMachineArn);
  const verdicts = await Promise.all(checks.map(runCheck));
  const failed: string[] = [];
  checks.forEach((check, i) => {
    const verdict = verdicts[i] as Verdict;
    if (verdict.status === 'missing') failed.push(check.what);
    print(`${MARK[verdict.status]} ${check.what}: ${verdict.detail}`);
  });
  if (failed.length === 0) {
    print(`Preflight passed: ${checks.length} check(s)`);
    return EXIT.ok;
  }
  print(`Preflight failed: ${failed.length} of ${checks.length} check(s): ${failed.join('; ')}`);
  return EXIT.preflight;
}

/** A check that cannot run (access denied, no endpoint) fails with the error's name, not a stack trace. */
async function runCheck(check: Check): Promise<Verdict> {
  try {
    return await check.run();
  } catch (error) {
    const e = error as Error;
    return { status: 'missing', detail: `cannot check: ${e.name}: ${e.message}` };
  }
}
