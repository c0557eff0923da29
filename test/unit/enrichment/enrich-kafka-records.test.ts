import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  APIC_FIELDS,
  buildPipeKafkaRecord,
  compileRules,
  enrichBatch,
  enrichKafkaRecords,
  type PipeKafkaRecordInput,
  parseRules,
  serializeCanonical,
} from '../../../enrichment/index.js';
import { apicEvent, defaultRules, FIXED_NOW, hostileValueArb, MSK_ARN, SMK_CLUSTER } from './support.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 150);
const template = apicEvent();
const ctx = {
  rules: defaultRules,
  sourceName: 'direct',
  partitionKey: { type: 'record-key' } as const,
  now: FIXED_NOW,
};
const dropRules = compileRules(
  parseRules(
    `name: prop\nversion: 1.0.0\noperations:\n  - op: drop\n    when: "api.app_name == 'APP2'"\n  - op: rename\n    from: api.host\n    to: api.gateway_host`,
    'prop.yaml',
  ),
);

const utf8 = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const fieldNames = APIC_FIELDS.map(([src]) => src);
const mutatedValue = fc
  .record({
    drop: fc.subarray(fieldNames, { maxLength: 6 }),
    replace: fc.dictionary(fc.constantFrom(...fieldNames), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
    status: fc.constantFrom('200 OK', '404', '500', 503, 'OK', null),
    app: fc.constantFrom('APP1', 'APP2', 'APP3'),
    shuffle: fc.boolean(),
  })
  .map((m) => {
    const event: Record<string, unknown> = { ...template, status_code: m.status, app_name: m.app };
    for (const f of m.drop) delete event[f];
    Object.assign(event, m.replace);
    // Key order varies too: the canonical `api` follows the event's key order.
    return utf8(m.shuffle ? Object.fromEntries(Object.entries(event).reverse()) : event);
  });
const valueArb = fc.oneof(
  mutatedValue,
  hostileValueArb(fieldNames),
  fc.jsonValue({ maxDepth: 2 }).map(utf8),
  fc.uint8Array({ maxLength: 64 }),
  fc.constant(null),
  fc.string({ maxLength: 20 }),
);
const keyArb = fc.oneof(
  fc.constant(null),
  fc.string({ maxLength: 20 }),
  fc.uint8Array({ maxLength: 20 }),
  fc.constant(new Uint8Array([0xff, 0xfe])),
);
const headersArb = fc.oneof(
  fc.constant(undefined),
  fc.array(
    fc.record({
      key: fc.constantFrom('a', 'b', '__proto__', 'constructor', 'trace'),
      value: fc.oneof(fc.constant(null), fc.string({ maxLength: 8 }), fc.uint8Array({ maxLength: 8 })),
    }),
    { maxLength: 3 },
  ),
);
const inputArb = fc.record({
  msk: fc.boolean(),
  scheme: fc.constantFrom('', 'SASL_SSL://', 'sasl_ssl://', 'kafka+ssl://'),
  partition: fc.nat({ max: 20 }),
  offset: fc.oneof(
    fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }).map(String),
    fc.nat().map(String),
    fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }).map((n) => `000${n}`),
  ),
  timestamp: fc.oneof(fc.integer({ min: -1, max: 4_102_444_800_000 }).map(String), fc.nat()),
  timestampType: fc.constantFrom(undefined, 'CREATE_TIME', 'LOG_APPEND_TIME'),
  key: keyArb,
  value: valueArb,
  headers: headersArb,
});

type RawInput = typeof inputArb extends fc.Arbitrary<infer T> ? T : never;

function toInput(r: RawInput): PipeKafkaRecordInput {
  return {
    eventSource: r.msk ? 'aws:kafka' : 'SelfManagedKafka',
    cluster: r.msk ? MSK_ARN : `${r.scheme}${SMK_CLUSTER}`,
    topic: 'apic-events',
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    timestampType: r.timestampType,
    key: r.key,
    value: r.value,
    headers: r.headers,
  };
}

/** Runs both paths; returns the outcome of each, or the error each threw. */
function both(inputs: PipeKafkaRecordInput[], rules = defaultRules) {
  const c = { ...ctx, rules };
  const run = <T>(f: () => T): { ok: T } | { error: string } => {
    try {
      return { ok: f() };
    } catch (error) {
      return { error: `${(error as Error).name}: ${(error as Error).message}` };
    }
  };
  return {
    general: run(() => enrichBatch(inputs.map(buildPipeKafkaRecord), c)),
    direct: run(() => enrichKafkaRecords(inputs, c)),
  };
}

describe('enrichKafkaRecords (the poller path) equals enrichBatch over buildPipeKafkaRecord', () => {
  it.each([
    ['default rules', defaultRules],
    ['drop and rename rules', dropRules],
  ])('records, DLQ entries, counts and serialized bytes are identical (%s)', (_name, rules) => {
    fc.assert(
      fc.property(fc.array(inputArb, { maxLength: 8 }), (raw) => {
        // Arrange
        const inputs = raw.map(toInput);

        // Act
        const { general, direct } = both(inputs, rules);

        // Assert
        expect('ok' in general && 'ok' in direct).toBe(true);
        if (!('ok' in general) || !('ok' in direct)) return;
        const { serialized, ...rest } = direct.ok;
        expect(rest).toEqual(general.ok);
        expect(serialized).toEqual(general.ok.records.map(serializeCanonical));
        expect(JSON.stringify(rest.dlq)).toBe(JSON.stringify(general.ok.dlq));
      }),
      { numRuns: RUNS },
    );
  });

  it.each([
    ['a negative offset', { offset: '-1' }, 'InvalidEventError'],
    ['a non-numeric offset', { offset: 'x' }, 'InvalidEventError'],
    ['a fractional partition', { partition: 1.5 }, 'InvalidEventError'],
    ['a non-numeric timestamp', { timestamp: 'soon' }, 'InvalidEventError'],
    ['an empty topic', { topic: '' }, 'InvalidEventError'],
    ['an empty cluster', { cluster: '' }, 'InvalidEventError'],
  ])('throws what enrichBatch throws for %s', (_name, patch, errorName) => {
    // Arrange
    const good: PipeKafkaRecordInput = {
      eventSource: 'SelfManagedKafka',
      cluster: SMK_CLUSTER,
      topic: 'apic-events',
      partition: 0,
      offset: '1',
      timestamp: '1700000000000',
      key: 'k',
      value: utf8(template),
    };
    const inputs = [good, { ...good, offset: '2', ...patch } as PipeKafkaRecordInput];

    // Act
    const { general, direct } = both(inputs);

    // Assert
    expect('error' in general && general.error.startsWith(`${errorName}: `)).toBe(true);
    expect(direct).toEqual(general);
  });

  it('keeps the serialized bytes of each record (no second serialization needed)', () => {
    // Arrange
    const inputs: PipeKafkaRecordInput[] = [0, 1, 2].map((i) => ({
      eventSource: 'SelfManagedKafka',
      cluster: SMK_CLUSTER,
      topic: 'apic-events',
      partition: 0,
      offset: String(i),
      timestamp: 1_700_000_000_000 + i,
      key: `key-${i}`,
      value: utf8(template),
    }));

    // Act
    const out = enrichKafkaRecords(inputs, ctx);

    // Assert
    expect(out.records).toHaveLength(3);
    expect(out.serialized).toEqual(out.records.map(serializeCanonical));
  });
});
