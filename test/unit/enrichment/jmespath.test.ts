import { search } from '@aws-lambda-powertools/jmespath';
import { describe, expect, it } from 'vitest';
import { compileJmespath, jmespathTruthy } from '../../../enrichment/jmespath.js';

describe('compileJmespath (Powertools JMESPath)', () => {
  it.each([
    ['api.status.code >= `500`', { api: { status: { code: 503 } } }, true],
    ["api.app_name == 'APP2'", { api: { app_name: 'APP2' } }, true],
    ['api.missing > `1`', { api: {} }, null],
    ['"@timestamp"', { '@timestamp': 't' }, 't'],
    ['!(api.flag)', { api: { flag: 0 } }, false],
    ['api.a || `"dflt"`', { api: { a: '' } }, 'dflt'],
    ['length(api.x)', { api: { x: [1, 2] } }, 2],
    ['api.items[0]', { api: { items: ['first'] } }, 'first'],
  ])('%s', (e, data, expected) => {
    expect(compileJmespath(e)(data)).toEqual(expected);
    expect(search(e, data as never) ?? null).toEqual(expected);
  });

  it('returns null where Powertools returns undefined (ordering on non-numbers)', () => {
    const data = { api: { a: 'x', b: 'y' } };
    expect(search('api.a < api.b', data as never)).toBeUndefined();
    expect(compileJmespath('api.a < api.b')(data)).toBeNull();
  });
});

describe('jmespathTruthy', () => {
  it.each([
    [0, true],
    [1, true],
    ['', false],
    ['x', true],
    [false, false],
    [true, true],
    [[], false],
    [[0], true],
    [{}, false],
    [{ a: null }, true],
    [null, false],
    [undefined, false],
  ])('%j → %s', (value, expected) => {
    expect(jmespathTruthy(value)).toBe(expected);
    // The same answer as JMESPath's `||` in Powertools (the left side is kept when truthy).
    expect(search('a || `"other"`', { a: value } as never) !== 'other').toBe(expected);
  });
});
