/**
 * JSON Schema values (enrichment/formats/json-schema.ts) framed by the Glue and Confluent registries,
 * through the registry-framed format (registry-format.ts) against an in-memory registry (a RegistryClient
 * holding schemas by id; the Glue API itself is exercised against moto in
 * test/integration/glue-json-schema.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { confluentFramed, glueFramed } from '../../../devkit/apic-avro.js';
import { createApicGenerator } from '../../../devkit/apic-generator.js';
import { APIC_JSON_SCHEMA, APIC_JSON_SCHEMA_TEXT, apicJsonBytes } from '../../../devkit/apic-json-schema.js';
import { jsonSchemaLanguage } from '../../../enrichment/formats/json-schema.js';
import { confluentRegistry } from '../../../enrichment/formats/registries/confluent.js';
import { glueRegistry } from '../../../enrichment/formats/registries/glue.js';
import { createRecordFormats, findSchemaLanguage } from '../../../enrichment/formats/registry.js';
import {
  type FallbackSide,
  registryKeyFormat,
  registryValueFormat,
} from '../../../enrichment/formats/registry-format.js';
import { SchemaCache } from '../../../enrichment/formats/schema-cache.js';
import type {
  FetchedSchema,
  RegistryClient,
  SchemaRegistryModule,
  UnknownSchema,
} from '../../../enrichment/formats/schema-types.js';
import { DEFAULT_FORMATS, decodeKafkaEvent, enrichBatch, prepareFormats } from '../../../enrichment/index.js';
import { defaultRules, FIXED_NOW, pipeRecord } from './support.js';

const ctx = {
  rules: defaultRules,
  sourceName: 'json-schema',
  partitionKey: { type: 'record-key' } as const,
  now: FIXED_NOW,
};
const GLUE_ID = '6f1c0c8e-2222-4a2b-9c3d-123456789abc';
const apic: FetchedSchema = { dataFormat: 'JSON', definition: APIC_JSON_SCHEMA_TEXT };
const json = (value: unknown) => Buffer.from(JSON.stringify(value));

function memoryRegistry(schemas: Record<string, FetchedSchema>) {
  const calls: string[] = [];
  const client: RegistryClient = {
    async fetch(id): Promise<FetchedSchema | UnknownSchema> {
      calls.push(id);
      return schemas[id] ?? { unknown: `no schema ${id}` };
    },
  };
  return { client, calls };
}

function formatOf(
  client: RegistryClient,
  module: SchemaRegistryModule = glueRegistry,
  fallback: FallbackSide = 'dlq',
) {
  return registryValueFormat({
    language: jsonSchemaLanguage,
    primary: { module, client, cache: new SchemaCache() },
    fallback,
  });
}

async function enrich(format: ReturnType<typeof formatOf>, values: Buffer[]) {
  const event = values.map((v, i) => pipeRecord(v, { offset: String(i) }));
  const formats = { ...DEFAULT_FORMATS, value: format };
  await prepareFormats(decodeKafkaEvent(event), { ...ctx, formats });
  return enrichBatch(event, { ...ctx, formats });
}

/** Decodes one payload with a schema text (no framing). */
async function decodeWith(schema: unknown, value: unknown, references?: FetchedSchema['references']) {
  const decode = await jsonSchemaLanguage.compile({
    dataFormat: 'JSON',
    definition: JSON.stringify(schema),
    ...(references ? { references } : {}),
  });
  const payload = json(value);
  try {
    return {
      ok: true,
      value: decode(payload, { kind: 'framed', id: '1', payload, messageIndexes: 'confluent' }),
    };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

const reasons = (entries: readonly { reason: string }[]) => entries.map((e) => e.reason);

describe('a JSON Schema API Connect event framed by a registry', () => {
  const events = createApicGenerator({ seed: 31, anomalyRate: 0.3 }).take(40);
  const twins = () =>
    enrichBatch(
      events.map((e, i) => pipeRecord(e, { offset: String(i) })),
      ctx,
    );

  it.each([
    ['Glue, uncompressed', glueRegistry, (b: Buffer) => glueFramed(GLUE_ID, b), GLUE_ID],
    ['Glue, zlib', glueRegistry, (b: Buffer) => glueFramed(GLUE_ID, b, true), GLUE_ID],
    ['Confluent', confluentRegistry, (b: Buffer) => confluentFramed(12, b), '12'],
  ] as const)(
    '%s: gives exactly the canonical records of its JSON twin',
    async (_name, module, frame, id) => {
      const { client, calls } = memoryRegistry({ [id]: apic });
      const out = await enrich(
        formatOf(client, module),
        events.map((e) => frame(apicJsonBytes(e))),
      );
      expect(out.dlq).toEqual([]);
      expect(out.records).toHaveLength(events.length);
      expect(JSON.stringify(out.records)).toBe(JSON.stringify(twins().records));
      expect(calls).toEqual([id]);
    },
  );

  it('is listed as a schema language with its package, and made from source settings', () => {
    expect(findSchemaLanguage('json-schema')).toBe(jsonSchemaLanguage);
    expect(jsonSchemaLanguage.packages).toEqual(['ajv']);
    const formats = createRecordFormats(
      { format: 'json-schema', registry: { type: 'glue', registryName: 'r' }, fallback: 'json' },
      { format: 'text' },
    );
    expect(formats.value.name).toBe('json-schema');
  });
});

describe('values the schema refuses, and the other failures', () => {
  const event = createApicGenerator({ seed: 5 }).next();
  const { api_name: _dropped, ...missing } = event;

  it('a value the schema refuses: schema-decode-error with the failing location; raw bytes kept', async () => {
    const { client } = memoryRegistry({ [GLUE_ID]: apic });
    const values = [
      { ...event, bytes_sent: 'many' },
      missing,
      { ...event, request_method: 'PATCH' },
      { ...event, latency_info: [{ task: 'Start', started: 'x' }] },
    ].map((v) => glueFramed(GLUE_ID, json(v)));
    const out = await enrich(formatOf(client), [...values, glueFramed(GLUE_ID, Buffer.from('{"a":'))]);
    expect(out.records).toEqual([]);
    const prefix = `schema-decode-error: the json-schema payload does not decode with glue schema ${GLUE_ID}: `;
    expect(reasons(out.dlq)).toEqual([
      `${prefix}the value does not match the schema: /bytes_sent: must be integer`,
      `${prefix}the value does not match the schema: (the value): must have required property 'api_name'`,
      `${prefix}the value does not match the schema: /request_method: must be equal to one of the allowed values ("GET", "POST", "PUT", "DELETE")`,
      `${prefix}the value does not match the schema: /latency_info/0/started: must be integer`,
      `${prefix}the payload is not JSON: ${jsonError('{"a":')}`,
    ]);
    expect(out.dlq[0]?.value).toBe(values[0]?.toString('base64'));
  });

  it('a payload that is not UTF-8, an unknown id, a schema of another format, one that does not compile', async () => {
    const ids = ['1', '2', '3', '4'];
    const { client, calls } = memoryRegistry({
      '1': apic,
      '3': { dataFormat: 'AVRO', definition: '"string"' },
      '4': { dataFormat: 'JSON', definition: '{"type": 12}' },
    });
    const format = formatOf(client, confluentRegistry);
    const values = [Buffer.from([0xff, 0xfe]), ...ids.slice(1).map(() => json(event))].map((v, i) =>
      confluentFramed(Number(ids[i]), v),
    );
    const out = await enrich(format, values);
    expect(reasons(out.dlq)).toEqual([
      'schema-decode-error: the json-schema payload does not decode with confluent schema 1: the payload is not valid UTF-8',
      'unknown-schema: no schema 2',
      "unknown-schema: schema 3 is AVRO, the source's format is json-schema (JSON)",
      expect.stringMatching(
        /^schema-decode-error: confluent schema 4 does not compile as json-schema: .*type/,
      ),
    ]);
    await enrich(format, values);
    expect(calls).toEqual(ids);
  });

  it('a value not framed by the registry: fallback dlq or json; a JSON value that is not an object', async () => {
    const { client } = memoryRegistry({ [GLUE_ID]: { dataFormat: 'JSON', definition: '{}' } });
    const plain = json(event);
    const dlq = await enrich(formatOf(client), [plain]);
    expect(reasons(dlq.dlq)).toEqual([
      'not-registry-framed: the value is not framed by the glue registry (its first byte is 123)',
    ]);
    const asJson = await enrich(formatOf(client, glueRegistry, 'json'), [plain, glueFramed(GLUE_ID, plain)]);
    expect(asJson.dlq).toEqual([]);
    expect(asJson.records[0]?.api).toEqual(asJson.records[1]?.api);
    const array = await enrich(formatOf(client), [glueFramed(GLUE_ID, json([1]))]);
    expect(reasons(array.dlq)).toEqual([
      'not-an-object: the json-schema value is an array, expected a record',
    ]);
  });

  it('a framed key decodes to its text; a key the schema refuses keeps its text', async () => {
    const { client } = memoryRegistry({ '5': { dataFormat: 'JSON', definition: '{"type":"string"}' } });
    const key = registryKeyFormat({
      language: jsonSchemaLanguage,
      primary: { module: confluentRegistry, client, cache: new SchemaCache() },
      fallback: 'dlq',
    });
    const good = confluentFramed(5, json('order-17'));
    const bad = confluentFramed(5, json(17));
    await key.prepare([good, bad]);
    expect(key.decode(good)).toEqual({ key: 'order-17', keyEncoding: 'utf8' });
    expect(key.decode(bad)).toEqual({ key: bad.toString('utf8'), keyEncoding: 'utf8' });
  });
});

function jsonError(text: string): string {
  try {
    JSON.parse(text);
    return '';
  } catch (err) {
    return (err as Error).message;
  }
}

describe('JSON Schema drafts and keywords', () => {
  const positive = { type: 'object', properties: { n: { type: 'integer', exclusiveMinimum: 0 } } };

  it.each([
    ['2020-12', 'https://json-schema.org/draft/2020-12/schema'],
    ['2019-09', 'https://json-schema.org/draft/2019-09/schema#'],
    ['draft-07', 'http://json-schema.org/draft-07/schema#'],
    ['draft-06', 'http://json-schema.org/draft-06/schema#'],
    ['no $schema', undefined],
  ])('%s: validates', async (_name, $schema) => {
    const schema = { ...($schema ? { $schema } : {}), ...positive };
    expect(await decodeWith(schema, { n: 2 })).toEqual({ ok: true, value: { n: 2 } });
    expect(await decodeWith(schema, { n: 0 })).toEqual({
      ok: false,
      error: 'the value does not match the schema: /n: must be > 0',
    });
  });

  it('draft-04 and unknown drafts are refused as schemas that do not compile', async () => {
    await expect(
      jsonSchemaLanguage.compile({
        dataFormat: 'JSON',
        definition: JSON.stringify({ $schema: 'http://json-schema.org/draft-04/schema#', type: 'object' }),
      }),
    ).rejects.toThrow(
      '$schema http://json-schema.org/draft-04/schema# is not a draft this decoder reads (2020-12, 2019-09, 07, 06)',
    );
    await expect(jsonSchemaLanguage.compile({ dataFormat: 'JSON', definition: '[1]' })).rejects.toThrow(
      'the schema is not a JSON Schema (an object or a boolean)',
    );
  });

  it('unknown keywords are ignored, formats are annotations, booleans are schemas', async () => {
    const tagged = { type: 'object', 'confluent:tags': ['PII'], properties: { d: { format: 'date-time' } } };
    expect(await decodeWith(tagged, { d: 'not a date' })).toEqual({ ok: true, value: { d: 'not a date' } });
    expect(await decodeWith(true, { any: 1 })).toEqual({ ok: true, value: { any: 1 } });
    expect(await decodeWith(false, {})).toEqual({
      ok: false,
      error: 'the value does not match the schema: (the value): boolean schema is false',
    });
  });

  it('additional properties name the property; a failed anyOf lists its branches', async () => {
    const closed = { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false };
    expect(await decodeWith(closed, { a: 'x', b: 1 })).toEqual({
      ok: false,
      error: 'the value does not match the schema: (the value): must NOT have additional properties (b)',
    });
    const either = { anyOf: [{ type: 'string' }, { type: 'integer' }] };
    expect(await decodeWith(either, 1.5)).toEqual({
      ok: false,
      error:
        'the value does not match the schema: (the value): must be string; (the value): must be integer; (the value): must match a schema in anyOf',
    });
  });

  it('a Confluent reference is resolved by its reference name', async () => {
    const address = { type: 'object', required: ['city'], properties: { city: { type: 'string' } } };
    const customer = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: { address: { $ref: 'address.json' } },
    };
    const refs = [{ name: 'address.json', definition: JSON.stringify(address) }];
    expect(await decodeWith(customer, { address: { city: 'Oslo' } }, refs)).toEqual({
      ok: true,
      value: { address: { city: 'Oslo' } },
    });
    expect(await decodeWith(customer, { address: {} }, refs)).toEqual({
      ok: false,
      error: "the value does not match the schema: /address: must have required property 'city'",
    });
  });

  it('the API Connect schema is a 2020-12 schema requiring the core fields', () => {
    expect(APIC_JSON_SCHEMA.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(APIC_JSON_SCHEMA.required).toContain('api_name');
  });
});
