/**
 * The API Connect event generator (devkit/apic-generator.ts): deterministic per seed, the original test producer's populations and
 * anomaly share, API Connect v10 field types, ~3.5 KB of JSON per record.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  APIC_STATUS_CODES,
  type ApicEvent,
  createApicGenerator,
  isApicAnomaly,
} from '../../devkit/apic-generator.js';

const goldenSeed42 = JSON.parse(
  readFileSync(new URL('./fixtures/apic-generator/seed-42-first-2.json', import.meta.url), 'utf8'),
) as ApicEvent[];

const SAMPLE_SIZE = 10_000;
const sample = createApicGenerator({ seed: 'sample' }).take(SAMPLE_SIZE);

describe('createApicGenerator determinism', () => {
  it('yields the same events for the same seed (and matches the recorded seed-42 fixture)', () => {
    // Arrange
    const a = createApicGenerator({ seed: 42 });
    const b = createApicGenerator({ seed: 42 });

    // Act
    const fromA = a.take(200);
    const fromB = Array.from({ length: 200 }, () => b.next());

    // Assert
    expect(fromA).toEqual(fromB);
    expect(fromA.slice(0, 2)).toEqual(goldenSeed42);
  });

  it.each([
    { left: 1, right: 2 },
    { left: 'a', right: 'b' },
    { left: 7, right: '7' },
  ])('yields different events for seeds $left and $right', ({ left, right }) => {
    const a = createApicGenerator({ seed: left }).take(20);
    const b = createApicGenerator({ seed: right }).take(20);

    expect(a).not.toEqual(b);
  });

  it('numbers transactions from startIndex and starts the clock at startTime', () => {
    const events = createApicGenerator({
      seed: 3,
      startIndex: 500,
      startTime: '2024-06-01T12:00:00.000Z',
    }).take(3);

    expect(events.map((e) => e.transaction_id)).toEqual([
      'transaction500',
      'transaction501',
      'transaction502',
    ]);
    expect(Date.parse(events[0]?.datetime ?? '')).toBeGreaterThanOrEqual(
      Date.parse('2024-06-01T12:00:00.000Z'),
    );
    expect(Date.parse(events[0]?.datetime ?? '')).toBeLessThan(Date.parse('2024-06-01T12:00:00.050Z'));
  });
});

describe('original test producer populations', () => {
  it('marks about 5 % of 10,000 events as anomalies (404 or 500), the rest "200 OK"', () => {
    const anomalies = sample.filter(isApicAnomaly);

    expect(anomalies.length / SAMPLE_SIZE).toBeGreaterThan(0.04);
    expect(anomalies.length / SAMPLE_SIZE).toBeLessThan(0.06);
    expect(new Set(anomalies.map((e) => e.status_code))).toEqual(new Set(['404', '500']));
    expect(sample.filter((e) => !isApicAnomaly(e)).every((e) => e.status_code === '200 OK')).toBe(true);
  });

  it.each([
    { anomalyRate: 0, expected: 0 },
    { anomalyRate: 1, expected: 500 },
  ])('honours anomalyRate $anomalyRate', ({ anomalyRate, expected }) => {
    const events = createApicGenerator({ seed: 9, anomalyRate }).take(500);

    expect(events.filter(isApicAnomaly)).toHaveLength(expected);
  });

  it.each([
    { field: 'app_name', values: ['APP1', 'APP2', 'APP3', 'APP4'] },
    { field: 'api_name', values: ['api-name-1', 'api-name-2', 'api-name-3', 'api-name-4'] },
    { field: 'status_code', values: [...APIC_STATUS_CODES] },
    { field: 'time_to_serve_request', values: [20, 22, 26, 82, 70, 25] },
    { field: 'bytes_sent', values: [1590, 1560, 1350, 1400, 3250, 4000] },
    { field: 'bytes_received', values: [458, 468, 534, 500, 490, 0] },
  ] as const)('draws $field from the original test producer population', ({ field, values }) => {
    const seen = new Set(sample.map((e) => e[field]));

    expect([...seen].sort()).toEqual([...values].sort());
  });

  it('makes anomalies slow and large: mostly 70/82 ms and 3250/4000 bytes sent', () => {
    const anomalies = sample.filter(isApicAnomaly);
    const slow = anomalies.filter((e) => e.time_to_serve_request >= 70).length / anomalies.length;
    const large = anomalies.filter((e) => e.bytes_sent >= 3250).length / anomalies.length;

    expect(slow).toBeGreaterThan(0.8);
    expect(large).toBeGreaterThan(0.8);
  });

  it.each([
    { options: { seed: 1, anomalyRate: 1.5 }, message: 'anomalyRate must be between 0 and 1, received 1.5' },
    {
      options: { seed: 1, anomalyRate: -0.1 },
      message: 'anomalyRate must be between 0 and 1, received -0.1',
    },
    {
      options: { seed: 1, startTime: 'yesterday' },
      message: 'startTime must be an ISO date, received yesterday',
    },
  ])('rejects $options with "$message"', ({ options, message }) => {
    expect(() => createApicGenerator(options)).toThrow(new RangeError(message));
  });
});

describe('API Connect v10 record shape', () => {
  const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

  it.each([
    { field: '@timestamp', type: 'string', pattern: ISO_MS },
    { field: 'datetime', type: 'string', pattern: ISO_MS },
    { field: 'api_version', type: 'string', pattern: /^\d+\.\d+\.\d+$/ },
    { field: 'api_ref', type: 'string', pattern: /^api-name-\d:\d+\.\d+\.\d+$/ },
    { field: 'org_name', type: 'string', pattern: /^[a-z-]+$/ },
    { field: 'catalog_name', type: 'string', pattern: /^(production|sandbox)$/ },
    { field: 'client_id', type: 'string', pattern: /^[a-z0-9]{32}$/ },
    { field: 'client_ip', type: 'string', pattern: /^\d+\.\d+\.\d+\.\d+$/ },
    { field: 'immediate_client_ip', type: 'string', pattern: /^\d+\.\d+\.\d+\.\d+$/ },
    { field: 'gateway_ip', type: 'string', pattern: /^\d+\.\d+\.\d+\.\d+$/ },
    { field: 'request_method', type: 'string', pattern: /^(GET|POST|PUT|DELETE)$/ },
    {
      field: 'uri_path',
      type: 'string',
      pattern: /^\/bank-provider-org\/(production|sandbox)\/api-name-\d\/v\d\//,
    },
    { field: 'query_string', type: 'string', pattern: /^(|limit=\d+&offset=\d+)$/ },
    { field: 'log_policy', type: 'string', pattern: /^payload$/ },
    { field: 'plan_name', type: 'string', pattern: /^(gold|silver|default-plan)$/ },
    { field: 'product_name', type: 'string', pattern: /^api-name-\d-product$/ },
    { field: 'developer_org_name', type: 'string', pattern: /^[a-z-]+$/ },
    { field: 'app_name', type: 'string', pattern: /^APP\d$/ },
    { field: 'space_name', type: 'string', pattern: /^(retail|corporate)$/ },
    { field: 'transaction_id', type: 'string', pattern: /^transaction\d+$/ },
    { field: 'global_transaction_id', type: 'string', pattern: /^[0-9a-f]{16}$/ },
    { field: 'status_code', type: 'string', pattern: /^(200 OK|404|500)$/ },
    { field: 'request_body', type: 'string', pattern: /^(|\{.*\})$/ },
    { field: 'response_body', type: 'string', pattern: /^\{.*\}$/ },
    { field: 'bytes_sent', type: 'number', pattern: undefined },
    { field: 'bytes_received', type: 'number', pattern: undefined },
    { field: 'time_to_serve_request', type: 'number', pattern: undefined },
  ] as const)('$field is a $type in every event', ({ field, type, pattern }) => {
    const values = sample.slice(0, 2_000).map((e) => e[field as keyof ApicEvent]);

    expect(values.every((v) => typeof v === type)).toBe(true);
    if (pattern) expect(values.filter((v) => !pattern.test(String(v)))).toEqual([]);
  });

  it('carries headers as arrays of one-entry objects, as API Connect v10 does', () => {
    const e = sample[0] as ApicEvent;

    for (const headers of [e.request_http_headers, e.response_http_headers]) {
      expect(Array.isArray(headers)).toBe(true);
      expect(
        headers.every((h) => Object.keys(h).length === 1 && typeof Object.values(h)[0] === 'string'),
      ).toBe(true);
    }
    expect(e.request_http_headers).toContainEqual({ 'X-IBM-Client-Id': e.client_id });
  });

  it('advances datetime monotonically', () => {
    const times = sample.slice(0, 1_000).map((e) => Date.parse(e.datetime));

    expect(times.every((t, i) => i === 0 || t >= (times[i - 1] as number))).toBe(true);
  });

  it('averages about 3.5 KB of JSON per record over 10,000 records', () => {
    const sizes = sample.map((e) => Buffer.byteLength(JSON.stringify(e)));
    const average = sizes.reduce((a, b) => a + b, 0) / sizes.length;

    expect(average).toBeGreaterThan(3_200);
    expect(average).toBeLessThan(3_900);
    expect(Math.max(...sizes)).toBeLessThan(8_000);
  });
});
