import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonErrorLocation } from '../../core/json-error.js';

describe('jsonErrorLocation', () => {
  it.each([
    ['{"a": 1,\n "b": [1, 2,]}', 'line 2, column 13: expected a value, found "]"'],
    ['{"a" 1}', 'line 1, column 6: expected ":", found "1"'],
    ["{'a': 1}", 'line 1, column 2: expected a property name in double quotes, found "\'"'],
    ['{"a": 1}}', 'line 1, column 9: unexpected "}" after the end of the document'],
    ['{"a": ', 'line 1, column 7: expected a value, found the end of the file'],
  ])('locates the error in %j', (text, expected) => {
    expect(jsonErrorLocation(text)).toBe(expected);
  });

  it('finds nothing wrong in any JSON that JSON.stringify writes', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (value, pretty) => {
        expect(jsonErrorLocation(JSON.stringify(value, null, pretty ? 2 : undefined))).toBeNull();
      }),
    );
  });
});
