/**
 * Protobuf values (enrichment/formats/protobuf.ts) framed by the Confluent and Glue registries, against an
 * in-memory registry (a RegistryClient holding schemas by id): the JSON form of every field kind and
 * well-known type, both message-index schemes, `.proto` text and serialized-descriptor schemas with
 * references, and the DLQ reasons of bad values. The Confluent API over HTTP, with records written by
 * Confluent's own serializers, is exercised in test/integration/confluent-registry.test.ts.
 */
import type protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor.js';
import { describe, expect, it } from 'vitest';
import { confluentFramed, glueFramed } from '../../../devkit/apic-avro.js';
import { createApicGenerator } from '../../../devkit/apic-generator.js';
import {
  APIC_PROTO_TEXT,
  apicProtoBytes,
  confluentMessageIndexes,
  glueMessageIndex,
  protoRoot,
} from '../../../devkit/apic-protobuf.js';
import { protobufLanguage } from '../../../enrichment/formats/protobuf.js';
import { durationText, isoOfTimestamp, shortestFloat } from '../../../enrichment/formats/protobuf-json.js';
import { confluentRegistry } from '../../../enrichment/formats/registries/confluent.js';
import { glueRegistry } from '../../../enrichment/formats/registries/glue.js';
import { registryKeyFormat, registryValueFormat } from '../../../enrichment/formats/registry-format.js';
import { SchemaCache } from '../../../enrichment/formats/schema-cache.js';
import type {
  FetchedSchema,
  RegistryClient,
  SchemaRegistryModule,
} from '../../../enrichment/formats/schema-types.js';
import { DEFAULT_FORMATS, decodeKafkaEvent, enrichBatch, prepareFormats } from '../../../enrichment/index.js';
import { defaultRules, FIXED_NOW, pipeRecord } from './support.js';

const ctx = {
  rules: defaultRules,
  sourceName: 'protobuf',
  partitionKey: { type: 'record-key' } as const,
  now: FIXED_NOW,
};
const GLUE_ID = '6f1c0c8e-2222-4a2b-9c3d-123456789abc';

function format(module: SchemaRegistryModule, schemas: Record<string, FetchedSchema>) {
  const client: RegistryClient = {
    fetch: async (id) => schemas[id] ?? { unknown: `no schema ${id}` },
  };
  return registryValueFormat({
    language: protobufLanguage,
    primary: { module, client, cache: new SchemaCache() },
    fallback: 'dlq',
  });
}

async function decodeAll(f: ReturnType<typeof format>, values: Buffer[]) {
  await f.prepare?.(values);
  return values.map((v) => f.decode(v));
}

const KINDS = `syntax = "proto3";
package t.v1;
import "google/protobuf/any.proto";
import "google/protobuf/duration.proto";
import "google/protobuf/empty.proto";
import "google/protobuf/field_mask.proto";
import "google/protobuf/struct.proto";
import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";
enum Color { RED = 0; BLUE = 1; }
message Other { string x = 1; }
message Kinds {
  int64 big = 1;
  uint64 ubig = 2;
  sint32 small = 3;
  map<int64, string> by_id = 4;
  map<bool, Other> flags = 5;
  optional string maybe = 6;
  oneof pick { string a = 7; int32 b = 8; }
  bytes raw = 9;
  Color color = 10;
  double d = 11;
  float f = 12;
  repeated fixed64 many = 13;
  Kinds child = 14;
  google.protobuf.Timestamp at = 15;
  google.protobuf.Duration took = 16;
  google.protobuf.Struct st = 17;
  google.protobuf.Value val = 18;
  google.protobuf.ListValue list = 19;
  google.protobuf.Int64Value w64 = 20;
  google.protobuf.FloatValue wf = 21;
  google.protobuf.BytesValue wb = 22;
  google.protobuf.Any any = 23;
  google.protobuf.Any any_wkt = 24;
  google.protobuf.FieldMask mask = 25;
  google.protobuf.Empty nothing = 26;
  Color unknown_color = 27;
  message Inner { string q = 1; map<string, string> tags = 2; message Deep { int32 z = 1; } }
}
`;

const root = protoRoot(KINDS);
const Kinds = root.lookupType('t.v1.Kinds');
const encode = (type: protobuf.Type, value: Record<string, unknown>) =>
  Buffer.from(type.encode(type.fromObject(value)).finish());

const FULL = {
  big: '-9223372036854775808',
  ubig: '18446744073709551615',
  small: -5,
  by_id: { '12345678901234': 'x' },
  flags: { true: { x: 'yes' } },
  maybe: '',
  a: 'hi',
  raw: Buffer.from('abc'),
  color: 1,
  d: Number.NaN,
  f: 0.1,
  many: ['1', '2'],
  child: { b: 3 },
  at: { seconds: 1_700_000_000, nanos: 5_000 },
  took: { seconds: -1, nanos: -500_000_000 },
  st: {
    fields: { k: { stringValue: 'v' }, n: { listValue: { values: [{ numberValue: 1 }, { nullValue: 0 }] } } },
  },
  val: { boolValue: true },
  list: { values: [{ stringValue: 's' }, { structValue: { fields: {} } }] },
  w64: { value: '7' },
  wf: { value: 0.25 },
  wb: { value: Buffer.from([255]) },
  any: {
    type_url: 'type.googleapis.com/t.v1.Other',
    value: encode(root.lookupType('t.v1.Other'), { x: 'y' }),
  },
  any_wkt: {
    type_url: 'type.googleapis.com/google.protobuf.Timestamp',
    value: encode(root.lookupType('google.protobuf.Timestamp'), { seconds: 0 }),
  },
  mask: { paths: ['a.b', 'c'] },
  nothing: {},
  unknown_color: 7,
};

/** The JSON form of FULL, written out by hand (declaration order, the module comment's mapping). */
const FULL_JSON = {
  big: '-9223372036854775808',
  ubig: '18446744073709551615',
  small: -5,
  by_id: { '12345678901234': 'x' },
  flags: { true: { x: 'yes' } },
  maybe: '',
  a: 'hi',
  raw: 'YWJj',
  color: 'BLUE',
  d: 'NaN',
  f: 0.1,
  many: ['1', '2'],
  child: {
    ...Object.fromEntries(['big', 'ubig'].map((k) => [k, '0'])),
    small: 0,
    by_id: {},
    flags: {},
    b: 3,
    raw: '',
    color: 'RED',
    d: 0,
    f: 0,
    many: [],
    ...Object.fromEntries(
      [
        'child',
        'at',
        'took',
        'st',
        'val',
        'list',
        'w64',
        'wf',
        'wb',
        'any',
        'any_wkt',
        'mask',
        'nothing',
      ].map((k) => [k, null]),
    ),
    unknown_color: 'RED',
  },
  at: '2023-11-14T22:13:20.000005Z',
  took: '-1.500s',
  st: { k: 'v', n: [1, null] },
  val: true,
  list: ['s', {}],
  w64: '7',
  wf: 0.25,
  wb: '/w==',
  any: { '@type': 'type.googleapis.com/t.v1.Other', x: 'y' },
  any_wkt: { '@type': 'type.googleapis.com/google.protobuf.Timestamp', value: '1970-01-01T00:00:00.000Z' },
  mask: 'a.b,c',
  nothing: {},
  unknown_color: 7,
};

describe('the JSON form of a Protobuf message', () => {
  it('gives every field kind and well-known type its JSON form, fields in declaration order', async () => {
    // Arrange
    const payload = Buffer.concat([confluentMessageIndexes([1]), encode(Kinds, FULL)]);
    const f = format(confluentRegistry, { '5': { dataFormat: 'PROTOBUF', definition: KINDS } });
    // Act
    const [decoded] = await decodeAll(f, [confluentFramed(5, payload)]);
    // Assert
    expect(decoded).toEqual({ ok: true, event: FULL_JSON });
    expect(JSON.stringify((decoded as { event: unknown }).event)).toBe(JSON.stringify(FULL_JSON));
  });

  it.each([
    [0, 0, '1970-01-01T00:00:00.000Z'],
    [-62_135_596_800, 0, '0001-01-01T00:00:00.000Z'],
    [253_402_300_799, 999_999_999, '9999-12-31T23:59:59.999999999Z'],
    [1, 120_000_000, '1970-01-01T00:00:01.120Z'],
    [1, 1_200, '1970-01-01T00:00:01.000001200Z'],
  ])('Timestamp %s s %s ns → %s', (seconds, nanos, iso) => {
    expect(isoOfTimestamp(seconds, nanos)).toBe(iso);
  });

  it('a Timestamp outside years 1–9999 does not decode', () => {
    expect(() => isoOfTimestamp(253_402_300_800, 0)).toThrow(/out of range/);
    expect(() => isoOfTimestamp(0, -1)).toThrow(/nanos/);
  });

  it.each([
    ['0', 0, '0s'],
    ['3', 0, '3s'],
    ['0', -1_000, '-0.000001s'],
    ['315576000000', 10, '315576000000.000000010s'],
  ])('Duration %s s %s ns → %s', (seconds, nanos, text) => {
    expect(durationText(seconds, nanos)).toBe(text);
  });

  it('a float reads as the shortest decimal of its 32-bit value', () => {
    expect([0.1, 1 / 3, 16_777_217, -2.5e-38].map((v) => shortestFloat(Math.fround(v)))).toEqual([
      0.1, 0.33333334, 16_777_216, -2.5e-38,
    ]);
  });
});

describe('the message type of a payload', () => {
  const Inner = root.lookupType('t.v1.Kinds.Inner');
  const Deep = root.lookupType('t.v1.Kinds.Inner.Deep');
  const Other = root.lookupType('t.v1.Other');
  const schemas = { '9': { dataFormat: 'PROTOBUF', definition: KINDS } };

  it('Confluent: index paths of zigzag varints, [0] as the single byte 0', async () => {
    const f = format(confluentRegistry, schemas);
    const values = [
      Buffer.concat([confluentMessageIndexes([0]), encode(Other, { x: 'first' })]),
      Buffer.concat([Buffer.from([2, 0]), encode(Other, { x: 'path [0]' })]),
      Buffer.concat([confluentMessageIndexes([1, 0]), encode(Inner, { q: 'inner', tags: { a: 'b' } })]),
      Buffer.concat([confluentMessageIndexes([1, 0, 0]), encode(Deep, { z: -1 })]),
    ].map((p) => confluentFramed(9, p));
    expect(await decodeAll(f, values)).toEqual([
      { ok: true, event: { x: 'first' } },
      { ok: true, event: { x: 'path [0]' } },
      { ok: true, event: { q: 'inner', tags: { a: 'b' } } },
      { ok: true, event: { z: -1 } },
    ]);
  });

  it('Glue: one varint indexing all messages, map entries included, sorted by full name', async () => {
    // Sorted: t.v1.Kinds, .ByIdEntry, .FlagsEntry, .Inner, .Inner.Deep, .Inner.TagsEntry, t.v1.Other
    const f = format(glueRegistry, { [GLUE_ID]: { dataFormat: 'PROTOBUF', definition: KINDS } });
    const values = [
      Buffer.concat([glueMessageIndex(3), encode(Inner, { q: 'i' })]),
      Buffer.concat([glueMessageIndex(4), encode(Deep, { z: 2 })]),
      Buffer.concat([glueMessageIndex(6), encode(Other, { x: 'o' })]),
      Buffer.concat([glueMessageIndex(1), encode(Other, { x: 'o' })]),
      Buffer.concat([glueMessageIndex(7), encode(Other, { x: 'o' })]),
    ].map((p, i) => glueFramed(GLUE_ID, p, i % 2 === 0));
    const out = await decodeAll(f, values);
    expect(out.slice(0, 3)).toEqual([
      { ok: true, event: { q: 'i', tags: {} } },
      { ok: true, event: { z: 2 } },
      { ok: true, event: { x: 'o' } },
    ]);
    expect(out.slice(3)).toEqual([
      {
        ok: false,
        reason: `schema-decode-error: the protobuf payload does not decode with glue schema ${GLUE_ID}: message index 1 is the map entry .t.v1.Kinds.ByIdEntry`,
      },
      {
        ok: false,
        reason: `schema-decode-error: the protobuf payload does not decode with glue schema ${GLUE_ID}: message index 7: the schema has 7 messages`,
      },
    ]);
  });

  it('a path outside the schema, a negative count, a truncated message: schema-decode-error', async () => {
    const f = format(confluentRegistry, schemas);
    const good = encode(Other, { x: 'x'.repeat(20) });
    const values = [
      Buffer.concat([confluentMessageIndexes([5]), good]),
      Buffer.concat([Buffer.from([1]), good]),
      Buffer.concat([confluentMessageIndexes([1]), good.subarray(0, 10)]),
      confluentFramed(9, Buffer.alloc(0)),
    ].map((p) => (p.length === 5 ? p : confluentFramed(9, p)));
    const reasons = (await decodeAll(f, values)).map((d) => (d.ok ? 'ok' : d.reason.replace(/^.*9: /, '')));
    expect(reasons).toEqual([
      'message index path [5] is not in the schema',
      'the message index count -1 is not a count of indexes',
      expect.stringMatching(/index out of range/),
      'the message index ends before the payload',
    ]);
  });
});

describe('schemas with references', () => {
  const COMMON = `syntax = "proto3";
package shared;
import "google/protobuf/timestamp.proto";
message Money { string currency = 1; int64 units = 2; }
message Stamp { google.protobuf.Timestamp at = 1; }
`;
  const ORDER = `syntax = "proto3";
package shop;
import "shared/common.proto";
message Order { string id = 1; shared.Money total = 2; shared.Stamp stamp = 3; }
`;
  const both = protoRoot(COMMON, ORDER);
  const order = Buffer.concat([
    confluentMessageIndexes([0]),
    encode(both.lookupType('shop.Order'), {
      id: 'o-1',
      total: { currency: 'EUR', units: '12' },
      stamp: { at: { seconds: 60 } },
    }),
  ]);
  const expected = {
    ok: true,
    event: { id: 'o-1', total: { currency: 'EUR', units: '12' }, stamp: { at: '1970-01-01T00:01:00.000Z' } },
  };

  it('`.proto` text imports the referenced schemas', async () => {
    const f = format(confluentRegistry, {
      '3': {
        dataFormat: 'PROTOBUF',
        definition: ORDER,
        references: [{ name: 'shared/common.proto', definition: COMMON }],
      },
    });
    expect(await decodeAll(f, [confluentFramed(3, order)])).toEqual([expected]);
  });

  it('a serialized FileDescriptorProto (base64) with serialized references', async () => {
    // protobufjs writes one descriptor file per package: name them as the registry's references do.
    const set = (
      both as unknown as { toDescriptor(s: string): { file: { package?: string }[] } }
    ).toDescriptor('proto3');
    const base64 = (pkg: string, name: string) => {
      const file = set.file.find((d) => d.package === pkg);
      return Buffer.from(descriptor.FileDescriptorProto.encode({ ...file, name } as never).finish()).toString(
        'base64',
      );
    };
    const f = format(confluentRegistry, {
      '4': {
        dataFormat: 'PROTOBUF',
        definition: base64('shop', 'shop/order.proto'),
        references: [{ name: 'shared/common.proto', definition: base64('shared', 'shared/common.proto') }],
      },
    });
    expect(await decodeAll(f, [confluentFramed(4, order)])).toEqual([expected]);
  });

  it('a reference the registry does not have: the schema does not compile (schema-decode-error)', async () => {
    const f = format(confluentRegistry, { '6': { dataFormat: 'PROTOBUF', definition: ORDER } });
    const [decoded] = await decodeAll(f, [confluentFramed(6, order)]);
    expect(decoded).toMatchObject({
      ok: false,
      reason: expect.stringMatching(
        /^schema-decode-error: confluent schema 6 does not compile as protobuf: no such Type or Enum 'shared.Money'/,
      ),
    });
  });
});

describe('API Connect events as Protobuf', () => {
  const events = createApicGenerator({ seed: 31, anomalyRate: 0.3 }).take(30);

  it('give exactly the canonical records of their JSON twins (Glue and Confluent framing)', async () => {
    // Confluent: ApiEvent is the third message declared; Glue (sorted): ApiEvent,
    // ApiEvent.RateLimitEntry, Latency, RateLimit.
    const values = events.map((e, i) =>
      i % 2 === 0
        ? glueFramed(GLUE_ID, Buffer.concat([glueMessageIndex(0), apicProtoBytes(e)]), i % 4 === 0)
        : confluentFramed(8, Buffer.concat([confluentMessageIndexes([2]), apicProtoBytes(e)])),
    );
    const schema = async () => ({ dataFormat: 'PROTOBUF', definition: APIC_PROTO_TEXT });
    const both = registryValueFormat({
      language: protobufLanguage,
      primary: { module: glueRegistry, client: { fetch: schema }, cache: new SchemaCache() },
      fallback: { module: confluentRegistry, client: { fetch: schema }, cache: new SchemaCache() },
    });
    const event = values.map((v, i) => pipeRecord(v, { offset: String(i) }));
    const formats = { ...DEFAULT_FORMATS, value: both };
    await prepareFormats(decodeKafkaEvent(event), { ...ctx, formats });
    const proto = enrichBatch(event, { ...ctx, formats });
    const json = enrichBatch(
      events.map((e, i) => pipeRecord(e, { offset: String(i) })),
      ctx,
    );
    expect(proto.dlq).toEqual([]);
    expect(JSON.stringify(proto.records)).toBe(JSON.stringify(json.records));
  });
});

describe('Protobuf keys', () => {
  it('a framed key becomes the JSON text of its message; an unframed or undecodable key stays text', async () => {
    // Arrange
    const KEY = 'syntax = "proto3";\npackage k;\nmessage Key { string tenant = 1; int64 id = 2; }\n';
    const type = protoRoot(KEY).lookupType('k.Key');
    const key = registryKeyFormat({
      language: protobufLanguage,
      primary: {
        module: confluentRegistry,
        client: { fetch: async () => ({ dataFormat: 'PROTOBUF', definition: KEY }) },
        cache: new SchemaCache(),
      },
      fallback: 'dlq',
    });
    const framed = confluentFramed(
      2,
      Buffer.concat([confluentMessageIndexes([0]), encode(type, { tenant: 't', id: '42' })]),
    );
    const bad = confluentFramed(2, Buffer.from([0, 0x0a, 0x05, 0x41]));
    // Act
    await key.prepare([framed, bad]);
    // Assert
    expect(key.decode(framed)).toEqual({ key: '{"tenant":"t","id":"42"}', keyEncoding: 'utf8' });
    expect(key.decode(Buffer.from('plain'))).toEqual({ key: 'plain', keyEncoding: 'utf8' });
    expect(key.decode(bad)).toEqual({ key: bad.toString('utf8'), keyEncoding: 'utf8' });
  });
});
