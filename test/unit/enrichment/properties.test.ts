import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalRecordSchema } from '../../../enrichment/canonical-schema.js';
import {
  APIC_FIELDS,
  buildPipeKafkaRecord,
  compileRules,
  decodeKafkaEvent,
  type EnrichOutcome,
  enrichBatch,
  eventIdOf,
  type KafkaEventRecord,
  parseRules,
  serializeCanonical,
} from '../../../enrichment/index.js';
import {
  apicEvent,
  canonicalJsonSchemaErrors,
  defaultRules,
  FIXED_NOW,
  hostileValueArb,
  MSK_ARN,
  SMK_CLUSTER,
} from './support.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 150);
const template = apicEvent();
const ctx = {
  rules: defaultRules,
  sourceName: 'prop',
  partitionKey: { type: 'record-key' } as const,
  now: FIXED_NOW,
};

/** Rules that also drop some records, so the three destinations are all exercised. */
const dropRules = compileRules(
  parseRules(
    `name: prop\nversion: 1.0.0\noperations:\n  - op: drop\n    when: "api.app_name == 'APP2'"\n  - op: set\n    field: attributes.len\n    expr: "length(api.api_name || '')"`,
    'prop.yaml',
  ),
);

const headerArb = fc.dictionary(
  fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('__proto__', 'constructor')),
  fc.oneof(fc.string({ maxLength: 12 }), fc.uint8Array({ maxLength: 12 })),
  {
    maxKeys: 3,
  },
);

/** A Kafka record with the given value bytes, arbitrary key, headers and coordinates. */
const recordArb = (valueArb: fc.Arbitrary<Uint8Array | null>) =>
  fc.record({
    msk: fc.boolean(),
    scheme: fc.constantFrom('', 'SASL_SSL://', 'sasl_plaintext://', 'kafka+ssl://'),
    partition: fc.nat({ max: 50 }),
    // Huge offsets and leading zeros (the same offset written two ways must give one eventId).
    offset: fc.oneof(
      fc.bigInt({ min: 0n, max: 2n ** 63n - 1n }).map(String),
      fc.nat({ max: 99 }).map((n) => `00${n}`),
    ),
    timestamp: fc.integer({ min: -1, max: 4_102_444_800_000 }),
    key: fc.option(fc.uint8Array({ maxLength: 300 }), { nil: null }),
    value: valueArb,
    headers: headerArb,
  });

interface RecordInput {
  msk: boolean;
  scheme: string;
  partition: number;
  offset: string;
  timestamp: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: Record<string, string | Uint8Array>;
}

function toPipe(r: RecordInput): KafkaEventRecord {
  return buildPipeKafkaRecord({
    eventSource: r.msk ? 'aws:kafka' : 'SelfManagedKafka',
    cluster: r.msk ? MSK_ARN : `${r.scheme}${SMK_CLUSTER}`,
    topic: 'apic-events',
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    key: r.key,
    value: r.value,
    headers: r.headers,
  });
}

/**
 * The accounting invariant: every input event is in the output, dropped, or in the DLQ — once (a value
 * holding several newline-delimited events counts once per event). Every record is valid against the
 * canonical schema, and every id is the coordinates (+ the event's index in a bulk value).
 */
function assertAccounted(event: KafkaEventRecord[], out: EnrichOutcome): void {
  expect(out.counts.in).toBeGreaterThanOrEqual(event.length);
  expect(out.counts.out + out.counts.dropped + out.counts.dlq).toBe(out.counts.in);
  expect(out.records.length).toBe(out.counts.out);
  expect(out.dlq.length).toBe(out.counts.dlq);
  const seen = [...out.records.map((r) => r.eventId), ...out.dlq.map((d) => d.eventId)];
  expect(new Set(seen).size).toBe(seen.length);
  for (const r of out.records) {
    expect(canonicalRecordSchema.safeParse(JSON.parse(serializeCanonical(r))).success).toBe(true);
    expect(canonicalJsonSchemaErrors(r)).toBeNull();
    const { cluster, topic, partition, offset, eventIndex } = r.kafka;
    expect(r.eventId).toBe(eventIdOf(cluster, topic, partition, offset, eventIndex));
  }
  const valueAt = new Map(
    decodeKafkaEvent(event).map((r) => [`${r.partition}|${r.offset}|${r.cluster}`, r.value]),
  );
  for (const d of out.dlq) {
    expect(d.value).toBe(valueAt.get(`${d.partition}|${d.offset}|${d.cluster}`));
    expect(d.eventId).toBe(eventIdOf(d.cluster, d.topic, d.partition, d.offset, d.eventIndex ?? null));
    // A record path bug shows up as "unexpected failure": none may happen.
    expect(d.reason).not.toContain('unexpected failure');
  }
}

/** A batch of records with distinct coordinates (Kafka never delivers one offset twice in a batch). */
const batchOf = <T extends { msk: boolean; partition: number; offset: string }>(
  arb: fc.Arbitrary<T>,
  constraints: { minLength?: number; maxLength?: number },
) =>
  fc.uniqueArray(arb, {
    ...constraints,
    selector: (r) => `${r.msk}|${r.partition}|${r.offset.replace(/^0+(?=\d)/, '')}`,
  });

const utf8 = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

describe('properties: enrichBatch never throws on data and accounts for every record', () => {
  it('arbitrary bytes', () => {
    fc.assert(
      fc.property(
        batchOf(recordArb(fc.option(fc.uint8Array({ maxLength: 400 }), { nil: null })), { maxLength: 12 }),
        (inputs) => {
          const event = inputs.map(toPipe);
          assertAccounted(event, enrichBatch(event, ctx));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('arbitrary JSON', () => {
    fc.assert(
      fc.property(
        batchOf(recordArb(fc.jsonValue({ maxDepth: 3 }).map(utf8)), { maxLength: 12 }),
        (inputs) => {
          const event = inputs.map(toPipe);
          assertAccounted(event, enrichBatch(event, { ...ctx, rules: dropRules }));
        },
      ),
      { numRuns: RUNS },
    );
  });

  const fieldNames = APIC_FIELDS.map(([src]) => src);

  it('hostile values: overflow numbers, deep nesting, prototype keys, newline-delimited events, BOM', () => {
    fc.assert(
      fc.property(batchOf(recordArb(hostileValueArb(fieldNames)), { maxLength: 8 }), (inputs) => {
        const event = inputs.map(toPipe);
        assertAccounted(event, enrichBatch(event, { ...ctx, rules: dropRules }));
      }),
      { numRuns: RUNS },
    );
  });

  const mutation = fc.record({
    drop: fc.subarray(fieldNames, { maxLength: 5 }),
    replace: fc.dictionary(fc.constantFrom(...fieldNames), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
    status: fc.constantFrom('200 OK', '404', '500', 503, 'OK', ' 201 Created ', null),
    app: fc.constantFrom('APP1', 'APP2', 'APP3', 'APP4'),
    extra: fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
  });
  const mutated = mutation.map((m) => {
    const event: Record<string, unknown> = { ...template, status_code: m.status, app_name: m.app };
    for (const f of m.drop) delete event[f];
    Object.assign(event, m.replace);
    for (const [k, v] of Object.entries(m.extra))
      Object.defineProperty(event, k, { value: v, enumerable: true, writable: true, configurable: true });
    return utf8(event);
  });

  it('mutated API Connect records', () => {
    fc.assert(
      fc.property(batchOf(recordArb(mutated), { minLength: 1, maxLength: 10 }), (inputs) => {
        const event = inputs.map(toPipe);
        const out = enrichBatch(event, { ...ctx, rules: dropRules });
        assertAccounted(event, out);
        // Records of APP2 that normalized are dropped by rule, never output.
        expect(out.records.some((r) => r.api.app_name === 'APP2')).toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it('is deterministic and shape-independent: Pipe array and ESM map give byte-identical records', () => {
    fc.assert(
      fc.property(
        batchOf(recordArb(fc.oneof(mutated, hostileValueArb(fieldNames))), { minLength: 1, maxLength: 6 }),
        (inputs) => {
          // Arrange: same records as a Pipes array and as an event-source-mapping map (one cluster).
          const pipe = inputs.map((r) => toPipe({ ...r, msk: false }));
          const groups: Record<string, unknown[]> = {};
          for (const r of pipe) {
            const { eventSource: _e, bootstrapServers: _b, eventSourceKey: _k, ...rest } = r;
            const key = `${r.topic}-${r.partition}`;
            groups[key] = [...(groups[key] ?? []), { ...rest, partition: Number(r.partition) }];
          }
          const esm = { eventSource: 'SelfManagedKafka', bootstrapServers: SMK_CLUSTER, records: groups };

          // Act
          const a = enrichBatch(pipe, ctx);
          const b = enrichBatch(pipe, ctx);
          const c = enrichBatch(esm, ctx);

          // Assert
          const bytes = (o: EnrichOutcome) => o.records.map(serializeCanonical).sort();
          expect(bytes(b)).toEqual(bytes(a));
          expect(bytes(c)).toEqual(bytes(a));
          expect(c.dlq.map((d) => d.eventId).sort()).toEqual(a.dlq.map((d) => d.eventId).sort());
        },
      ),
      { numRuns: RUNS },
    );
  });
});
