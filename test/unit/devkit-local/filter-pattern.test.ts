import { describe, expect, it } from 'vitest';
import {
  assertSupportedPatterns,
  filterView,
  matchesPattern,
  type PatternJson,
  passesFilters,
  UnsupportedPatternError,
} from '../../../devkit/local/filter-pattern.js';
import cases from './fixtures/filter-cases.json' with { type: 'json' };

type Case = {
  name: string;
  pattern: Record<string, PatternJson>;
  event: Record<string, PatternJson>;
  matches: boolean;
};

describe('matchesPattern', () => {
  it.each(cases as unknown as Case[])('$name', ({ pattern, event, matches }) => {
    // Act
    const result = matchesPattern(pattern, event);
    // Assert
    expect(result).toBe(matches);
  });

  it.each([
    [{ value: { a: [{ wildcard: 'a*' }] } }, 'operator "wildcard" is not emulated by the local runner'],
    [{ value: { a: [{ numeric: ['!=', 1] }] } }, 'numeric operator "!=" with 1 is not supported'],
    [{ value: { a: [{ numeric: ['>'] }] } }, 'numeric needs operator/value pairs, received [">"]'],
    [{ value: { a: 'x' } }, 'a pattern field must be a list or an object, received "x"'],
    [
      { value: { a: [{ prefix: 'a', suffix: 'b' }] } },
      'a matcher object has exactly one operator, received {"prefix":"a","suffix":"b"}',
    ],
  ])('refuses unsupported syntax %j', (pattern, message) => {
    // Act / Assert
    expect(() => assertSupportedPatterns([pattern as Record<string, PatternJson>])).toThrow(
      new UnsupportedPatternError(message),
    );
  });

  it('accepts the example sources filters', () => {
    // Arrange
    const patterns: Record<string, PatternJson>[] = [
      { value: { status_code: [{ 'anything-but': ['200 OK'] }] } },
      { key: [{ exists: true }] },
      { value: { app_name: [{ prefix: 'APP' }] } },
    ];
    // Act / Assert
    expect(() => assertSupportedPatterns(patterns)).not.toThrow();
  });
});

describe('filterView and passesFilters', () => {
  const anyNonOk: Record<string, PatternJson>[] = [
    { value: { status_code: [{ 'anything-but': ['200 OK'] }] } },
    { key: [{ exists: true }] },
  ];

  it.each([
    ['JSON value, 404, no key', null, Buffer.from('{"status_code":"404"}'), true],
    ['JSON value, 200 OK, no key', null, Buffer.from('{"status_code":"200 OK"}'), false],
    ['JSON value, 200 OK, with key', Buffer.from('k'), Buffer.from('{"status_code":"200 OK"}'), true],
    ['not JSON, no key', null, Buffer.from('plain text'), false],
    ['not UTF-8, with key', Buffer.from('k'), Buffer.from([0xff, 0xfe, 0x00]), true],
    ['not UTF-8, no key', null, Buffer.from([0xff, 0xfe, 0x00]), false],
    ['tombstone, no key', null, null, false],
  ])('%s → %s', (_name, key, value, expected) => {
    // Act
    const result = passesFilters(anyNonOk, filterView(key, value));
    // Assert
    expect(result).toBe(expected);
  });

  it('passes everything without filters', () => {
    expect(passesFilters(undefined, filterView(null, Buffer.from([0xff])))).toBe(true);
  });

  it('parses the value as JSON and decodes the key', () => {
    expect(filterView(Buffer.from('key-1'), Buffer.from('{"a":[1,2]}'))).toEqual({
      key: 'key-1',
      value: { a: [1, 2] },
    });
  });
});
