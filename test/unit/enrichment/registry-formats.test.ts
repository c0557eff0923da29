/**
 * Registry-framed value formats (enrichment/formats/registry-format.ts) with the Avro language and the
 * Glue and Confluent framings, against an in-memory registry (a RegistryClient holding schemas by id; the
 * Glue API itself is exercised against moto in test/integration/glue-avro.test.ts).
 */
import avsc from 'avsc';
import { describe, expect, it } from 'vitest';
import { RetriableError } from '../../../core/errors.js';
import {
  APIC_AVRO_SCHEMA_TEXT,
  apicAvroBytes,
  confluentFramed,
  glueFramed,
} from '../../../devkit/apic-avro.js';
import { createApicGenerator } from '../../../devkit/apic-generator.js';
import { createEnrichmentHandler } from '../../../enrichment/create-handler.js';
import { avroLanguage, avroTypeOf, decimalText, isoOfMicros } from '../../../enrichment/formats/avro.js';
import { confluentRegistry } from '../../../enrichment/formats/registries/confluent.js';
import { glueFrame, glueRegistry } from '../../../enrichment/formats/registries/glue.js';
import { type FallbackSide, registryValueFormat } from '../../../enrichment/formats/registry-format.js';
import { SchemaCache } from '../../../enrichment/formats/schema-cache.js';
import type {
  FetchedSchema,
  RegistryClient,
  UnknownSchema,
} from '../../../enrichment/formats/schema-types.js';
import {
  DEFAULT_FORMATS,
  DEFAULT_RULES,
  type DlqEntry,
  decodeKafkaEvent,
  enrichBatch,
  prepareFormats,
} from '../../../enrichment/index.js';
import { createRulesLoader } from '../../../enrichment/rules-loader.js';
import { defaultRules, FIXED_NOW, pipeRecord } from './support.js';

const ctx = {
  rules: defaultRules,
  sourceName: 'avro',
  partitionKey: { type: 'record-key' } as const,
  now: FIXED_NOW,
};
const quiet = { info: () => {}, warn: () => {}, error: () => {} };
const GLUE_ID = '6f1c0c8e-1111-4a2b-9c3d-123456789abc';
const apic: FetchedSchema = { dataFormat: 'AVRO', definition: APIC_AVRO_SCHEMA_TEXT };

/** A registry holding `schemas` by id, counting its fetches; `fail` makes every fetch throw. */
function memoryRegistry(schemas: Record<string, FetchedSchema>, fail?: Error) {
  const calls: string[] = [];
  const client: RegistryClient = {
    async fetch(id): Promise<FetchedSchema | UnknownSchema> {
      calls.push(id);
      if (fail) throw fail;
      return schemas[id] ?? { unknown: `no schema ${id}` };
    },
  };
  return { client, calls };
}

function glueFormat(client: RegistryClient, fallback: FallbackSide = 'dlq', cache = new SchemaCache()) {
  return registryValueFormat({
    language: avroLanguage,
    primary: { module: glueRegistry, client, cache },
    fallback,
  });
}

async function enrich(format: ReturnType<typeof glueFormat>, values: Buffer[]) {
  const event = values.map((v, i) => pipeRecord(v, { offset: String(i) }));
  const formats = { ...DEFAULT_FORMATS, value: format };
  await prepareFormats(decodeKafkaEvent(event), { ...ctx, formats });
  return enrichBatch(event, { ...ctx, formats });
}

describe('an Avro API Connect event framed by a registry', () => {
  const events = createApicGenerator({ seed: 13, anomalyRate: 0.3 }).take(40);

  it.each([
    ['Glue, uncompressed', (b: Buffer) => glueFramed(GLUE_ID, b)],
    ['Glue, zlib', (b: Buffer) => glueFramed(GLUE_ID, b, true)],
  ])('%s: gives exactly the canonical records of its JSON twin', async (_name, frame) => {
    const { client, calls } = memoryRegistry({ [GLUE_ID]: apic });
    const avro = await enrich(
      glueFormat(client),
      events.map((e) => frame(apicAvroBytes(e))),
    );
    const json = enrichBatch(
      events.map((e, i) => pipeRecord(e, { offset: String(i) })),
      ctx,
    );
    expect(avro.dlq).toEqual([]);
    expect(avro.records).toHaveLength(events.length);
    expect(JSON.stringify(avro.records)).toBe(JSON.stringify(json.records));
    expect(calls).toEqual([GLUE_ID]);
  });

  it('Confluent framing through the same language gives the same records', async () => {
    const { client } = memoryRegistry({ '7': apic });
    const format = registryValueFormat({
      language: avroLanguage,
      primary: { module: confluentRegistry, client, cache: new SchemaCache() },
      fallback: 'dlq',
    });
    const avro = await enrich(
      format,
      events.slice(0, 5).map((e) => confluentFramed(7, apicAvroBytes(e))),
    );
    const json = enrichBatch(
      events.slice(0, 5).map((e, i) => pipeRecord(e, { offset: String(i) })),
      ctx,
    );
    expect(JSON.stringify(avro.records)).toBe(JSON.stringify(json.records));
  });
});

describe('failure semantics', () => {
  const event = createApicGenerator({ seed: 2 }).next();
  const good = glueFramed(GLUE_ID, apicAvroBytes(event));

  it('an unknown schema id, a payload that does not decode, a bad frame: DLQ reasons with the raw bytes', async () => {
    const { client } = memoryRegistry({ [GLUE_ID]: apic });
    const unknown = glueFramed('00000000-0000-4000-8000-000000000000', apicAvroBytes(event));
    const truncated = good.subarray(0, good.length - 10);
    const badCompression = Buffer.from(good);
    badCompression[1] = 9;
    const out = await enrich(glueFormat(client), [
      unknown,
      truncated,
      badCompression,
      Buffer.from([3, 0, 1]),
    ]);
    expect(out.records).toEqual([]);
    expect(out.dlq.map((e) => [e.offset, e.reason.slice(0, e.reason.indexOf(':'))])).toEqual([
      ['0', 'unknown-schema'],
      ['1', 'schema-decode-error'],
      ['2', 'schema-decode-error'],
      ['3', 'schema-decode-error'],
    ]);
    expect(out.dlq[0]?.reason).toBe('unknown-schema: no schema 00000000-0000-4000-8000-000000000000');
    expect(out.dlq[2]?.reason).toBe(
      'schema-decode-error: glue frame: Glue compression byte 9 is neither 0 (none) nor 5 (zlib)',
    );
    expect(out.dlq[1]?.value).toBe(truncated.toString('base64'));
  });

  it('a value not framed by the registry: fallback dlq, json, or a second registry', async () => {
    const { client } = memoryRegistry({ [GLUE_ID]: apic, '9': apic });
    const json = Buffer.from(JSON.stringify(event));
    const confluent = confluentFramed(9, apicAvroBytes(event));
    const dlq = await enrich(glueFormat(client, 'dlq'), [json]);
    expect(dlq.dlq.map((e) => e.reason)).toEqual([
      'not-registry-framed: the value is not framed by the glue registry (its first byte is 123)',
    ]);
    const asJson = await enrich(glueFormat(client, 'json'), [json, good]);
    expect(asJson.dlq).toEqual([]);
    expect(asJson.records[0]?.api).toEqual(asJson.records[1]?.api);
    const second = { module: confluentRegistry, client, cache: new SchemaCache() };
    const both = await enrich(glueFormat(client, second), [confluent, good, json]);
    expect(both.records.map((r) => r.kafka.offset)).toEqual(['0', '1']);
    expect(both.dlq.map((e) => e.reason)).toEqual([
      'not-registry-framed: the value is not framed by the glue or confluent registry (its first byte is 123)',
    ]);
  });

  it('a schema of another format or one that does not compile is refused, and not fetched again', async () => {
    const idA = 'aaaaaaaa-0000-4000-8000-000000000000';
    const idB = 'bbbbbbbb-0000-4000-8000-000000000000';
    const { client, calls } = memoryRegistry({
      [idA]: { dataFormat: 'PROTOBUF', definition: 'syntax = "proto3";' },
      [idB]: { dataFormat: 'AVRO', definition: '{"type": "nope"}' },
    });
    const format = glueFormat(client);
    const values = [glueFramed(idA, Buffer.from([2])), glueFramed(idB, Buffer.from([2]))];
    const out = await enrich(format, values);
    expect(out.dlq.map((e) => e.reason)).toEqual([
      `unknown-schema: schema ${idA} is PROTOBUF, the source's format is avro (AVRO)`,
      `schema-decode-error: glue schema ${idB} does not compile as avro: unknown type: "nope"`,
    ]);
    await enrich(format, values);
    expect(calls).toEqual([idA, idB]);
  });

  it('a registry that cannot answer fails the whole batch: the handler throws, nothing goes to the DLQ', async () => {
    const { client } = memoryRegistry(
      {},
      new RetriableError('Glue GetSchemaVersion failed: ThrottlingException'),
    );
    const sent: DlqEntry[] = [];
    const handler = createEnrichmentHandler({
      sourceName: 'avro',
      partitionKey: { type: 'record-key' },
      formats: { ...DEFAULT_FORMATS, value: glueFormat(client) },
      rules: await createRulesLoader({ bundled: DEFAULT_RULES, logger: quiet }),
      dlq: { send: async (e) => void sent.push(...e) },
      logger: quiet,
      metrics: { addDimensions: () => {}, addMetric: () => {}, publishStoredMetrics: () => {} },
    });
    await expect(handler([pipeRecord(good)])).rejects.toBeInstanceOf(RetriableError);
    expect(sent).toEqual([]);
  });

  it('fetches each id once per container; an unknown id is asked again only after a minute', async () => {
    let now = 0;
    const cache = new SchemaCache(2, () => now);
    const { client, calls } = memoryRegistry({ [GLUE_ID]: apic });
    const unknownId = '00000000-0000-4000-8000-000000000001';
    const format = glueFormat(client, 'dlq', cache);
    await enrich(format, [good, good, glueFramed(unknownId, Buffer.alloc(1))]);
    await enrich(format, [good, glueFramed(unknownId, Buffer.alloc(1))]);
    expect(calls).toEqual([GLUE_ID, unknownId]);
    now = 60_001;
    await enrich(format, [good, glueFramed(unknownId, Buffer.alloc(1))]);
    expect(calls).toEqual([GLUE_ID, unknownId, unknownId]);
  });

  it('the cache keeps at most its bound, and never evicts what the batch being decoded fetched', async () => {
    const ids = Array.from({ length: 5 }, (_, i) => `0000000${i}-0000-4000-8000-000000000000`);
    const { client } = memoryRegistry(Object.fromEntries(ids.map((id) => [id, apic])));
    const cache = new SchemaCache(2);
    const out = await enrich(
      glueFormat(client, 'dlq', cache),
      ids.map((id) => glueFramed(id, apicAvroBytes(event))),
    );
    expect(out.dlq).toEqual([]);
    expect(cache.size).toBe(5);
    await enrich(glueFormat(client, 'dlq', cache), []);
    expect(cache.size).toBe(2);
  });
});

describe('Avro JSON forms', () => {
  it('timestamps, decimals and longs', async () => {
    expect(isoOfMicros(1_714_557_600_123_456)).toBe('2024-05-01T10:00:00.123456Z');
    expect(isoOfMicros(-1)).toBe('1969-12-31T23:59:59.999999Z');
    expect(decimalText(Buffer.from([0xcf, 0xc7]), 2)).toBe('-123.45');
    expect(decimalText(Buffer.from([0x05]), 3)).toBe('0.005');
    const schema = {
      dataFormat: 'AVRO',
      definition: JSON.stringify({
        type: 'record',
        name: 'R',
        fields: [
          { name: 'n', type: 'long' },
          { name: 'b', type: ['null', 'bytes'] },
          { name: 'u', type: { type: 'string', logicalType: 'uuid' } },
        ],
      }),
    };
    const decode = await avroLanguage.compile(schema);
    const exact = avroTypeOf(avsc, schema, true);
    const frame = (payload: Buffer) =>
      ({ kind: 'framed', id: 'x', payload, messageIndexes: 'glue' }) as const;
    const big = exact.toBuffer({ n: '4611686018427387903', b: Buffer.from('hi'), u: 'x' });
    expect(decode(big, frame(big))).toEqual({ n: '4611686018427387903', b: 'aGk=', u: 'x' });
    const small = exact.toBuffer({ n: -5, b: null, u: 'y' });
    expect(decode(small, frame(small))).toEqual({ n: -5, b: null, u: 'y' });
  });

  it('a decoded record lists only its fields to for…in, nested records and union branches too', async () => {
    const schema = {
      dataFormat: 'AVRO',
      definition: JSON.stringify({
        type: 'record',
        name: 'Outer',
        fields: [
          { name: 'a', type: 'int' },
          { name: 'inner', type: { type: 'record', name: 'Inner', fields: [{ name: 'x', type: 'string' }] } },
          { name: 'list', type: { type: 'array', items: 'Inner' } },
          {
            name: 'opt',
            type: ['null', { type: 'record', name: 'Opt', fields: [{ name: 'y', type: 'int' }] }],
          },
        ],
      }),
    };
    const type = avroTypeOf(avsc, schema);
    const value = { a: 1, inner: { x: 'i' }, list: [{ x: 'l' }], opt: { y: 2 } };
    const decoded = (await avroLanguage.compile(schema))(type.toBuffer(value), {
      kind: 'framed',
      id: 'x',
      payload: type.toBuffer(value),
      messageIndexes: 'glue',
    }) as Record<string, Record<string, unknown> & { [k: number]: Record<string, unknown> }>;
    const forIn = (o: object) => {
      const keys: string[] = [];
      for (const k in o) keys.push(k);
      return keys;
    };
    expect(forIn(decoded)).toEqual(['a', 'inner', 'list', 'opt']);
    expect(forIn(decoded.inner as object)).toEqual(['x']);
    expect(forIn((decoded.list as unknown as object[])[0] as object)).toEqual(['x']);
    expect(forIn(decoded.opt as object)).toEqual(['y']);
    expect(typeof (decoded.inner as unknown as { toBuffer: unknown }).toBuffer).toBe('function');
  });

  it('a timestamp-micros beyond ±2^53 µs is read exactly, not refused', async () => {
    const schema = {
      dataFormat: 'AVRO',
      definition: JSON.stringify({
        type: 'record',
        name: 'T',
        fields: [{ name: 't', type: { type: 'long', logicalType: 'timestamp-micros' } }],
      }),
    };
    const decode = await avroLanguage.compile(schema);
    // An Avro long is a zigzag varint (Avro specification, "Binary Encoding").
    const longBytes = (n: bigint): Buffer => {
      let z = BigInt.asUintN(64, (n << 1n) ^ (n >> 63n));
      const out: number[] = [];
      while (z >= 0x80n) {
        out.push(Number(z & 0x7fn) | 0x80);
        z >>= 7n;
      }
      out.push(Number(z));
      return Buffer.from(out);
    };
    const frame = (payload: Buffer) =>
      ({ kind: 'framed', id: 'x', payload, messageIndexes: 'glue' }) as const;
    for (const us of [2n ** 53n + 7n, -(2n ** 53n) - 1_000_001n, 8_000_000_000_000_000_123n]) {
      const payload = longBytes(us);
      expect(decode(payload, frame(payload))).toEqual({ t: isoOfMicros(us.toString()) });
    }
    expect(isoOfMicros((2n ** 53n + 7n).toString())).toBe('2255-06-05T23:47:34.740999Z');
  });

  it('the Glue framing: version 3, 0 or 5, a UUID', () => {
    expect(glueFrame(Buffer.from('{"a":1}'))).toEqual({ kind: 'not-framed' });
    expect(glueFrame(Buffer.from([3, 0, 1, 2]))).toEqual({
      kind: 'bad',
      reason: 'the Glue header needs 18 bytes, the value has 4',
    });
    const framed = glueFrame(glueFramed(GLUE_ID, Buffer.from([1, 2]), true));
    expect(framed).toEqual({
      kind: 'framed',
      id: GLUE_ID,
      payload: Buffer.from([1, 2]),
      messageIndexes: 'glue',
    });
  });
});
