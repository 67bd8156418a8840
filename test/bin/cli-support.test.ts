import { afterEach, describe, expect, it } from 'vitest';
import { parseInteger, UsageError, useColor } from '../../bin/cli-support.js';

describe('useColor', () => {
  const saved = process.env.NO_COLOR;
  afterEach(() => {
    if (saved === undefined) delete process.env.NO_COLOR;
    else process.env.NO_COLOR = saved;
  });

  it('colours a terminal only, and never with NO_COLOR set to anything', () => {
    delete process.env.NO_COLOR;
    expect(useColor({ isTTY: true })).toBe(true);
    expect(useColor({ isTTY: false })).toBe(false);
    expect(useColor({})).toBe(false);
    process.env.NO_COLOR = '1';
    expect(useColor({ isTTY: true })).toBe(false);
    // An empty NO_COLOR does not count (https://no-color.org).
    process.env.NO_COLOR = '';
    expect(useColor({ isTTY: true })).toBe(true);
  });
});

describe('parseInteger', () => {
  it('takes integers, within a bound when given, and names the option otherwise', () => {
    expect(parseInteger('--seed', '-3')).toBe(-3);
    expect(parseInteger('--min-sessions', '8', 2)).toBe(8);
    expect(() => parseInteger('--seed', '')).toThrow(new UsageError('--seed must be an integer, got ""'));
    expect(() => parseInteger('--min-sessions', '1', 2)).toThrow(
      '--min-sessions must be an integer >= 2, got "1"',
    );
    expect(() => parseInteger('--seed', '1.5')).toThrow('--seed must be an integer, got "1.5"');
  });
});
