import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  APIC_FIELDS,
  type JsonObject,
  normalizeApicEvent,
  parseHttpStatus,
  toIsoUtc,
} from '../../../enrichment/index.js';
import { plainApiBuilder, shapedApiBuilder } from '../../../enrichment/normalize.js';
import { apicEvent } from './support.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 300);

describe('parseHttpStatus', () => {
  it.each([
    ['200 OK', { code: 200, reason: 'OK', reasonGiven: true }],
    ['404', { code: 404, reason: 'Not Found', reasonGiven: false }],
    ['500', { code: 500, reason: 'Internal Server Error', reasonGiven: false }],
    [' 503   Service Unavailable ', { code: 503, reason: 'Service Unavailable', reasonGiven: true }],
    // The reason's origin is kept: "503" and "503 Service Unavailable" stay distinguishable.
    ['503', { code: 503, reason: 'Service Unavailable', reasonGiven: false }],
    ['418 I am a teapot', { code: 418, reason: 'I am a teapot', reasonGiven: true }],
    [599, { code: 599, reason: null, reasonGiven: false }],
    [201, { code: 201, reason: 'Created', reasonGiven: false }],
    // Unknown codes and statuses without a code are values, not errors (issue 16 item 7).
    ['99', { code: 99, reason: null, reasonGiven: false }],
    ['600', { code: 600, reason: null, reasonGiven: false }],
    ['', { code: null, reason: null, reasonGiven: false }],
    ['  ', { code: null, reason: null, reasonGiven: false }],
    ['OK', { code: null, reason: 'OK', reasonGiven: true }],
    ['2000', { code: null, reason: '2000', reasonGiven: true }],
  ])('%j → %j', (input, expected) => {
    expect(parseHttpStatus(input)).toEqual(expected);
  });

  it.each([[200.5], [1000], [-1], [null], [{ code: 200 }], [true]])('%j → null', (input) => {
    expect(parseHttpStatus(input)).toBeNull();
  });
});

describe('toIsoUtc', () => {
  it.each([
    ['2022-01-03T16:00:00.123Z', '2022-01-03T16:00:00.123Z'],
    ['2022-01-03T16:00:00Z', '2022-01-03T16:00:00.000Z'],
    ['2022-01-03 16:00:00', '2022-01-03T16:00:00.000Z'],
    ['2022-01-03T16:00:00.123456Z', '2022-01-03T16:00:00.123Z'],
    ['2022-01-03T17:30:00+01:30', '2022-01-03T16:00:00.000Z'],
    ['2022-01-03T11:00:00-0500', '2022-01-03T16:00:00.000Z'],
    ['2022-01-03', '2022-01-03T00:00:00.000Z'],
    [1641225600123, '2022-01-03T16:00:00.123Z'],
    ['2024-02-29T23:59:59.999Z', '2024-02-29T23:59:59.999Z'],
  ])('%j → %s', (input, expected) => {
    expect(toIsoUtc(input)).toBe(expected);
  });

  it.each([
    ['2022-02-31T00:00:00Z'],
    ['2022-13-01'],
    ['yesterday'],
    ['2022-01-03T25:00:00Z'],
    [-1],
    [Number.NaN],
    [null],
    [{}],
  ])('%j → null', (input) => {
    expect(toIsoUtc(input)).toBeNull();
  });
});

describe('normalizeApicEvent', () => {
  it('converts known fields and keeps unknown ones under extra', () => {
    // Arrange
    const event = {
      status_code: '200 OK',
      bytes_sent: '1590',
      bytes_received: 458,
      datetime: '2022-01-03 16:00:00',
      api_version: 1.5,
      '@timestamp': '2022-01-03T16:00:01.317Z',
      client_geoip: { country_iso_code: 'ES' },
      app_name: null,
      mystery: [1, 'two'],
    };

    // Act
    const result = normalizeApicEvent(event);

    // Assert
    expect(result).toEqual({
      ok: true,
      api: {
        analytics_timestamp: '2022-01-03T16:00:01.317Z',
        api_version: 1.5,
        bytes_received: 458,
        bytes_sent: 1590,
        client_geoip: { country_iso_code: 'ES' },
        datetime: '2022-01-03T16:00:00.000Z',
        datetime_original: '2022-01-03 16:00:00',
        status: { code: 200, reason: 'OK', reasonGiven: true },
      },
      extra: { mystery: [1, 'two'] },
    });
  });

  it.each([
    [
      { bytes_sent: 'many' },
      'wrong-type: field bytes_sent must be a finite number or a numeric string, received "many"',
    ],
    [
      { bytes_sent: '' },
      'wrong-type: field bytes_sent must be a finite number or a numeric string, received ""',
    ],
    [{ api_name: { a: 1 } }, 'wrong-type: field api_name must be a string or a number, received {"a":1}'],
    [{ api_name: true }, 'wrong-type: field api_name must be a string or a number, received true'],
    [
      { status_code: true },
      'wrong-type: field status_code must be an HTTP status like "200 OK", 404 or "", received true',
    ],
    [
      { datetime: 'tomorrow' },
      'wrong-type: field datetime must be an ISO-8601 date-time or epoch milliseconds, received "tomorrow"',
    ],
    [
      { request_body: ['x'.repeat(60)] },
      `wrong-type: field request_body must be a string or a number, received ["${'x'.repeat(38)}…`,
    ],
  ])('%j → %s', (event, reason) => {
    expect(normalizeApicEvent(event as unknown as Record<string, never>)).toEqual({ ok: false, reason });
  });

  it('keeps a "__proto__" key as data in extra without touching the prototype', () => {
    // Arrange
    const event = JSON.parse('{"__proto__": {"polluted": true}, "api_name": "a"}');

    // Act
    const result = normalizeApicEvent(event);

    // Assert
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(JSON.stringify(result.extra)).toBe('{"__proto__":{"polluted":true}}');
    expect(Object.getPrototypeOf(result.extra)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('the shape cache (shapedApiBuilder) builds what the plain builder builds', () => {
  const template = apicEvent();
  const names = APIC_FIELDS.map(([src]) => src);
  const event = fc
    .record({
      drop: fc.subarray(names, { maxLength: 8 }),
      replace: fc.dictionary(fc.constantFrom(...names, 'other', '__proto__'), fc.jsonValue({ maxDepth: 2 }), {
        maxKeys: 4,
      }),
      order: fc.constantFrom('as-is', 'reversed', 'sorted'),
    })
    .map((m) => {
      const e: Record<string, unknown> = { ...template };
      for (const f of m.drop) delete e[f];
      for (const [k, v] of Object.entries(m.replace))
        Object.defineProperty(e, k, { value: v, enumerable: true, writable: true, configurable: true });
      const entries = Object.entries(e);
      if (m.order === 'reversed') entries.reverse();
      if (m.order === 'sorted') entries.sort(([a], [b]) => (a < b ? -1 : 1));
      // JSON text → JSON.parse, as the record path gets it (a "__proto__" key stays an own key).
      return JSON.parse(
        `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(',')}}`,
      ) as JsonObject;
    });

  it('same result, same keys in the same order, same serialized bytes', () => {
    fc.assert(
      fc.property(event, (e) => {
        const plain = normalizeApicEvent(e, plainApiBuilder);
        const shaped = normalizeApicEvent(e, shapedApiBuilder);
        expect(shaped).toStrictEqual(plain);
        if (plain.ok && shaped.ok) {
          expect(Object.keys(shaped.api)).toEqual(Object.keys(plain.api));
          expect(JSON.stringify(shaped)).toBe(JSON.stringify(plain));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('is what normalizeApicEvent uses by default', () => {
    const e = apicEvent() as JsonObject;
    expect(JSON.stringify(normalizeApicEvent(e))).toBe(
      JSON.stringify(normalizeApicEvent(e, plainApiBuilder)),
    );
  });
});
