import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../lambdas/shared/logger.js';

describe('createLogger', () => {
  const level = process.env.LOG_LEVEL;
  afterEach(() => {
    process.env.LOG_LEVEL = level;
  });

  it('writes one JSON object a line with the handler, the run and the session it concerns', () => {
    process.env.LOG_LEVEL = 'INFO';
    const lines: { line: string; level: string }[] = [];
    const log = createLogger('trigger', {}, (line, lvl) => lines.push({ line, level: lvl }));
    log
      .with({ runId: 'run-1' })
      .info('sent', { sessionId: 'burst-0001', latenessMs: 12, skipped: undefined });
    log.error('boom', { runId: 'run-2' });
    expect(lines.map((l) => l.level)).toEqual(['INFO', 'ERROR']);
    const first = JSON.parse(lines[0]!.line);
    expect(first).toMatchObject({
      level: 'INFO',
      handler: 'trigger',
      message: 'sent',
      runId: 'run-1',
      sessionId: 'burst-0001',
      latenessMs: 12,
    });
    expect(first).not.toHaveProperty('skipped');
    expect(Date.parse(first.timestamp)).not.toBeNaN();
  });

  it('leaves out lines below LOG_LEVEL', () => {
    process.env.LOG_LEVEL = 'WARN';
    const lines: string[] = [];
    const log = createLogger('finalize', {}, (line) => lines.push(line));
    log.info('finalized');
    log.warn('odd');
    expect(lines.map((l) => JSON.parse(l).message)).toEqual(['odd']);
  });
});
