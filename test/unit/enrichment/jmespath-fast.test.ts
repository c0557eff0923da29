import { search } from '@aws-lambda-powertools/jmespath';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileJmespath, compilePlainJmespath } from '../../../enrichment/jmespath.js';
import { compileFastJmespath } from '../../../enrichment/jmespath-fast.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 300);
const names = ['a', 'b', 'code', 'status', 'x_y'] as const;

const safeJson = fc
  .jsonValue({ maxDepth: 1 })
  .filter((v) => !JSON.stringify(v).includes('`') && !JSON.stringify(v).includes('\\'));
const path = fc.array(fc.constantFrom(...names), { minLength: 1, maxLength: 3 }).map((p) => p.join('.'));
const literal = fc.oneof(
  safeJson.map((v) => `\`${JSON.stringify(v)}\``),
  fc
    .string({ maxLength: 6 })
    .filter((s) => !s.includes("'") && !s.includes('\\'))
    .map((s) => `'${s}'`),
  fc.integer({ min: -3, max: 600 }).map((n) => `\`${n}\``),
);
const { expr } = fc.letrec((tie) => ({
  atom: fc.oneof(path, literal),
  cmp: fc
    .tuple(
      tie('atom') as fc.Arbitrary<string>,
      fc.constantFrom('==', '!=', '<', '<=', '>', '>='),
      tie('atom') as fc.Arbitrary<string>,
    )
    .map(([l, op, r]) => `${l} ${op} ${r}`),
  expr: fc.oneof(
    { depthSize: 'small' },
    tie('atom') as fc.Arbitrary<string>,
    tie('cmp') as fc.Arbitrary<string>,
    fc
      .tuple(
        tie('expr') as fc.Arbitrary<string>,
        fc.constantFrom('&&', '||'),
        tie('expr') as fc.Arbitrary<string>,
      )
      .map(([l, op, r]) => `(${l}) ${op} (${r})`),
    (tie('expr') as fc.Arbitrary<string>).map((e) => `!(${e})`),
  ),
}));

const value = fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.integer({ min: 0, max: 600 }));
const record = fc.letrec((tie) => ({
  node: fc.dictionary(fc.constantFrom(...names), fc.oneof({ depthSize: 'small' }, value, tie('node')), {
    maxKeys: 4,
  }),
})).node;

describe('compileFastJmespath agrees with Powertools JMESPath', () => {
  it('on random expressions of the subset over random records', () => {
    fc.assert(
      fc.property(expr, record, (e, data) => {
        // Arrange
        const fast = compileFastJmespath(e);

        // Act + Assert: the subset compiles, and gives what Powertools gives.
        expect(fast).not.toBeNull();
        // Powertools answers an ordering comparison on non-numbers with undefined, the fast path with
        // null: both are falsy and both become null when written.
        expect(fast?.(data)).toEqual(search(e, data as never) ?? null);
        // Same interface, identical output: the fast closure and the plain path (what compileJmespath
        // falls back to) return the very same value.
        expect(fast?.(data)).toStrictEqual(compilePlainJmespath(e)(data));
        expect(compileJmespath(e)(data)).toStrictEqual(compilePlainJmespath(e)(data));
      }),
      { numRuns: RUNS },
    );
  });

  it.each([
    ['api.status.code >= `500`', { api: { status: { code: 503 } } }, true],
    ["api.app_name == 'APP2'", { api: { app_name: 'APP2' } }, true],
    ['api.missing > `1`', { api: {} }, null],
    ['"@timestamp"', { '@timestamp': 't' }, 't'],
    ['!(api.flag)', { api: { flag: 0 } }, false],
    ['api.a || `"dflt"`', { api: { a: '' } }, 'dflt'],
  ])('%s', (e, data, expected) => {
    expect(compileFastJmespath(e)?.(data)).toEqual(expected);
    expect(search(e, data as never) ?? null).toEqual(expected);
  });

  it.each([
    ['length(api.x)'],
    ['!api.flag'],
    ['api.items[0]'],
    ['api.*'],
    ['a | b'],
    ['@'],
    ['`1` == `1` == `1`'],
    ['api.x[?y]'],
  ])('leaves %s to Powertools', (e) => {
    expect(compileFastJmespath(e)).toBeNull();
  });

  it('the plain path returns null where Powertools returns undefined (ordering on non-numbers)', () => {
    const data = { api: { a: 'x', b: 'y' } };
    expect(search('api.a < api.b', data as never)).toBeUndefined();
    expect(compilePlainJmespath('api.a < api.b')(data)).toBeNull();
    expect(compileFastJmespath('api.a < api.b')?.(data)).toBeNull();
  });
});
