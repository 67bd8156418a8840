import { describe, expect, it } from 'vitest';
import { jobEndStage, jobOver } from '../../core/job-end.js';
import { EDIT_GROUP, profile } from '../fixtures/profile.js';

const p = profile({});
p.target.failures = [
  {
    group: EDIT_GROUP,
    pattern: 'Failed to process message:',
    regex: false,
    correlation: 'stream',
    reason: 'failed',
    endsJob: true,
  },
  {
    group: EDIT_GROUP,
    pattern: 'Build failed with code',
    regex: false,
    correlation: 'stream',
    reason: 'build',
    endsJob: false,
  },
];
p.target.rejections = [
  { group: EDIT_GROUP, pattern: 'Already processing a message', regex: false, reason: 'dropped' },
];

describe('jobEndStage', () => {
  it('is the last log stage, not a later S3 stage', () => {
    const withS3Last = profile({});
    withS3Last.target.stages = [
      ...withS3Last.target.stages.filter((s) => s.name !== 'live'),
      withS3Last.target.stages[2]!,
    ];
    expect(jobEndStage(withS3Last)).toBe('done');
    expect(jobEndStage(p)).toBe('done');
  });
});

describe('jobOver', () => {
  it.each([
    ['an ok session whose last stage was seen', { stages: { pickup: 1, build: 2, done: 3 } }, true],
    ['a session still between stages', { stages: { pickup: 1 } }, false],
    [
      'a session failed by a line the job goes on after (Build failed)',
      {
        stages: { pickup: 1 },
        failedAt: 2,
        failureReason: 'build',
        error: 'build: ERROR Build failed with code 1: x',
      },
      false,
    ],
    [
      'the same once the job’s last line came',
      {
        stages: { pickup: 1, done: 9 },
        failedAt: 2,
        failureReason: 'build',
        error: 'build: Build failed with code 1',
      },
      true,
    ],
    [
      'a session failed by a line that ends the job',
      {
        stages: { pickup: 1 },
        failedAt: 2,
        failureReason: 'failed',
        error: 'failed: Failed to process message: timeout',
      },
      true,
    ],
    [
      'a keyed failure (the line alone) that ends the job',
      { stages: {}, failedAt: 2, failureReason: 'failed', error: 'Failed to process message: timeout' },
      true,
    ],
    [
      'a rejected session (its job never ran)',
      {
        stages: { pickup: 1 },
        failedAt: 2,
        failureReason: 'dropped',
        error: 'dropped: Already processing a message, x',
      },
      true,
    ],
    [
      'a failure whose reason is not the ending line’s',
      { stages: {}, failedAt: 2, failureReason: 'build', error: 'build: Failed to process message: no' },
      false,
    ],
  ])('%s: %s', (_what, session, over) => {
    expect(jobOver(p, session)).toBe(over);
  });
});
