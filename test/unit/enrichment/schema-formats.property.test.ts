/**
 * Property tests of the registry-framed schema languages: for random Avro schemas and random Protobuf
 * schemas with random values, decode(encode(v)) is v's JSON form (as enrichment/formats/avro.ts and
 * protobuf-json.ts describe it), and the two engines' record paths — the Pipe enrichment (prepareFormats +
 * enrichBatch on the Pipe event) and the poller's direct path (prepareKafkaRecords + enrichKafkaRecords on
 * consumed records) — write byte-identical output for the same records.
 *
 * The values are encoded without the decoder's code: Avro with plain avsc (logical types written as their
 * underlying values, longs through a BigInt long type), Protobuf with protobufjs `fromObject` + `encode`;
 * each generator writes the expected JSON form itself.
 */
import avsc from 'avsc';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { confluentFramed, glueFramed } from '../../../devkit/apic-avro.js';
import { confluentMessageIndexes, glueMessageIndex, protoRoot } from '../../../devkit/apic-protobuf.js';
import { avroLanguage } from '../../../enrichment/formats/avro.js';
import { protobufLanguage } from '../../../enrichment/formats/protobuf.js';
import { confluentRegistry } from '../../../enrichment/formats/registries/confluent.js';
import { glueRegistry } from '../../../enrichment/formats/registries/glue.js';
import { registryValueFormat } from '../../../enrichment/formats/registry-format.js';
import { SchemaCache } from '../../../enrichment/formats/schema-cache.js';
import type { FetchedSchema, SchemaLanguage } from '../../../enrichment/formats/schema-types.js';
import {
  buildPipeKafkaRecord,
  DEFAULT_FORMATS,
  decodeKafkaEvent,
  enrichBatch,
  enrichKafkaRecords,
  type PipeKafkaRecordInput,
  prepareFormats,
  prepareKafkaRecords,
  serializeCanonical,
} from '../../../enrichment/index.js';
import { defaultRules, FIXED_NOW, SMK_CLUSTER } from './support.js';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 60);
const GLUE_ID = '6f1c0c8e-3333-4a2b-9c3d-123456789abc';

/** A generated case: a schema, values (bytes without framing) and their expected JSON forms. */
interface Case {
  readonly schema: FetchedSchema;
  readonly values: readonly { readonly bytes: Buffer; readonly json: unknown }[];
}

const ident = fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/);
const mapKey = fc.stringMatching(/^[a-z]{1,5}$/);
const text = fc.string({ unit: 'grapheme', maxLength: 10 });
const quarter = fc.integer({ min: -4000, max: 4000 }).map((k) => k / 4);
const finiteDouble = fc.double({ noNaN: true, noDefaultInfinity: true });
const base64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

/** ISO-8601 of epoch ms with `digits` (3, 6, 9) fraction digits taken from `fractionText`. */
function iso(ms: number, fractionText: string): string {
  return `${new Date(ms).toISOString().slice(0, 19)}.${fractionText}Z`;
}

// ---------------------------------------------------------------- Avro

type Gen = fc.Arbitrary<{ raw: unknown; json: unknown }>;
type AvroSchema = unknown;
let avroNames = 0;
const named = (prefix: string) => `${prefix}${++avroNames}`;

/** The unscaled two's-complement big-endian bytes of `n` (as Avro decimal bytes hold it). */
function twosComplement(n: bigint): Buffer {
  let bytes = 1;
  while (n >= 1n << BigInt(bytes * 8 - 1) || n < -(1n << BigInt(bytes * 8 - 1))) bytes++;
  const out = Buffer.alloc(bytes);
  let v = n < 0n ? (1n << BigInt(bytes * 8)) + n : n;
  for (let i = bytes - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function decimalOf(n: bigint, scale: number): string {
  const digits = (n < 0n ? -n : n).toString().padStart(scale + 1, '0');
  const body = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return `${n < 0n ? '-' : ''}${body}`;
}

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const longJson = (n: bigint) => (n >= -SAFE && n <= SAFE ? Number(n) : n.toString());

/** Primitive and logical Avro types with their value generators. */
function avroLeaf(): fc.Arbitrary<{ schema: AvroSchema; gen: Gen }> {
  const same = (a: fc.Arbitrary<unknown>) => a.map((v) => ({ raw: v, json: v }));
  return fc.oneof(
    fc.constant({ schema: 'null', gen: fc.constant({ raw: null, json: null }) }),
    fc.constant({ schema: 'boolean', gen: same(fc.boolean()) }),
    fc.constant({ schema: 'int', gen: same(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })) }),
    fc.constant({
      schema: 'long',
      gen: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((n) => ({ raw: n, json: longJson(n) })),
    }),
    fc.constant({ schema: 'float', gen: same(quarter) }),
    fc.constant({ schema: 'double', gen: same(finiteDouble) }),
    fc.constant({ schema: 'string', gen: same(text) }),
    fc.constant({
      schema: 'bytes',
      gen: fc.uint8Array({ maxLength: 12 }).map((b) => ({ raw: Buffer.from(b), json: base64(b) })),
    }),
    fc.constant({
      schema: { type: 'long', logicalType: 'timestamp-millis' },
      gen: fc
        .integer({ min: -62_135_596_800_000, max: 253_402_300_799_999 })
        .map((ms) => ({ raw: ms, json: new Date(ms).toISOString() })),
    }),
    fc.constant({
      schema: { type: 'long', logicalType: 'timestamp-micros' },
      // Within ±2^52 µs (years 1827–2112): the encoder here writes a logical type's long with avsc's
      // plain long, exact only up to 2^52; reads beyond ±2^53 µs are covered in registry-formats.test.ts.
      gen: fc.bigInt({ min: -(2n ** 52n) + 1n, max: 2n ** 52n - 1n }).map((us) => {
        const ms = Number(us / 1000n) - (us % 1000n < 0n ? 1 : 0);
        const rest = Number(us - BigInt(ms) * 1000n);
        const millis = new Date(ms).toISOString().slice(20, 23);
        return { raw: Number(us), json: iso(ms, `${millis}${String(rest).padStart(3, '0')}`) };
      }),
    }),
    fc.constant({
      schema: { type: 'int', logicalType: 'date' },
      gen: fc
        .integer({ min: -719_162, max: 2_932_896 })
        .map((d) => ({ raw: d, json: new Date(d * 86_400_000).toISOString().slice(0, 10) })),
    }),
    fc.integer({ min: 0, max: 4 }).map((scale) => ({
      schema: { type: 'bytes', logicalType: 'decimal', precision: 30, scale },
      gen: fc
        .bigInt({ min: -(10n ** 20n), max: 10n ** 20n })
        .map((n) => ({ raw: twosComplement(n), json: decimalOf(n, scale) })),
    })),
    fc.constant({ schema: { type: 'string', logicalType: 'uuid' }, gen: same(fc.uuid()) }),
    fc.uniqueArray(ident, { minLength: 1, maxLength: 4 }).map((symbols) => ({
      schema: { type: 'enum', name: named('E'), symbols },
      gen: same(fc.constantFrom(...symbols)),
    })),
    fc.integer({ min: 1, max: 6 }).map((size) => ({
      schema: { type: 'fixed', name: named('F'), size },
      gen: fc
        .uint8Array({ minLength: size, maxLength: size })
        .map((b) => ({ raw: Buffer.from(b), json: base64(b) })),
    })),
  );
}

function avroRecord(depth: number): fc.Arbitrary<{ schema: AvroSchema; gen: Gen }> {
  const field = depth > 0 ? avroType(depth - 1) : avroLeaf();
  return fc
    .uniqueArray(fc.tuple(ident, field), { minLength: 1, maxLength: 5, selector: ([n]) => n })
    .map((fields) => ({
      schema: {
        type: 'record',
        name: named('R'),
        fields: fields.map(([name, f]) => ({ name, type: f.schema })),
      },
      gen: fc.tuple(...fields.map(([, f]) => f.gen)).map((values) => ({
        raw: Object.fromEntries(fields.map(([name], i) => [name, values[i]?.raw])),
        json: Object.fromEntries(fields.map(([name], i) => [name, values[i]?.json])),
      })),
    }));
}

function avroType(depth: number): fc.Arbitrary<{ schema: AvroSchema; gen: Gen }> {
  const inner = depth > 0 ? avroType(depth - 1) : avroLeaf();
  return fc.oneof(
    { weight: 4, arbitrary: avroLeaf() },
    inner.map((t) => ({
      schema: { type: 'array', items: t.schema },
      gen: fc
        .array(t.gen, { maxLength: 3 })
        .map((a) => ({ raw: a.map((x) => x.raw), json: a.map((x) => x.json) })),
    })),
    inner.map((t) => ({
      schema: { type: 'map', values: t.schema },
      gen: fc.dictionary(mapKey, t.gen, { maxKeys: 3 }).map((m) => ({
        raw: Object.fromEntries(Object.entries(m).map(([k, x]) => [k, x.raw])),
        json: Object.fromEntries(Object.entries(m).map(([k, x]) => [k, x.json])),
      })),
    })),
    avroLeaf()
      .filter((t) => t.schema !== 'null')
      .map((t) => ({
        schema: ['null', t.schema],
        gen: fc.option(t.gen, { nil: null }).map((x) => x ?? { raw: null, json: null }),
      })),
    ...(depth > 0 ? [avroRecord(depth - 1)] : []),
  );
}

/** A long type reading and writing BigInt (plain avsc refuses longs beyond 2^53). */
const bigLong = avsc.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(0),
  toBuffer: (n: bigint) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(n);
    return buf;
  },
  fromJSON: (v: unknown) => BigInt(v as string),
  toJSON: (n: bigint) => n.toString(),
  isValid: (v: unknown) => typeof v === 'bigint',
  compare: (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0),
});

const avroCase: fc.Arbitrary<Case> = avroRecord(2).chain(({ schema, gen }) =>
  fc.array(gen, { minLength: 1, maxLength: 3 }).map((values) => {
    const type = avsc.Type.forSchema(
      schema as avsc.Schema,
      {
        wrapUnions: 'auto',
        registry: { long: bigLong },
      } as unknown as avsc.ForSchemaOptions,
    );
    return {
      schema: { dataFormat: 'AVRO', definition: JSON.stringify(schema) },
      values: values.map((v) => ({ bytes: type.toBuffer(v.raw), json: v.json })),
    };
  }),
);

// ---------------------------------------------------------------- Protobuf

interface ProtoField {
  readonly decl: (name: string, n: number) => string;
  readonly gen: Gen;
}

const int = (bits: 32 | 64, signed: boolean) =>
  signed
    ? fc.bigInt({ min: -(2n ** BigInt(bits - 1)), max: 2n ** BigInt(bits - 1) - 1n })
    : fc.bigInt({ min: 0n, max: 2n ** BigInt(bits) - 1n });

/** Scalar types: (proto type, value generator as {raw for fromObject, json}). */
const SCALARS: readonly [string, Gen][] = [
  ...(['int32', 'sint32', 'sfixed32'] as const).map((t): [string, Gen] => [
    t,
    int(32, true).map((n) => ({ raw: Number(n), json: Number(n) })),
  ]),
  ...(['uint32', 'fixed32'] as const).map((t): [string, Gen] => [
    t,
    int(32, false).map((n) => ({ raw: Number(n), json: Number(n) })),
  ]),
  ...(['int64', 'sint64', 'sfixed64'] as const).map((t): [string, Gen] => [
    t,
    int(64, true).map((n) => ({ raw: n.toString(), json: n.toString() })),
  ]),
  ...(['uint64', 'fixed64'] as const).map((t): [string, Gen] => [
    t,
    int(64, false).map((n) => ({ raw: n.toString(), json: n.toString() })),
  ]),
  ['bool', fc.boolean().map((b) => ({ raw: b, json: b }))],
  ['string', text.map((s) => ({ raw: s, json: s }))],
  ['bytes', fc.uint8Array({ maxLength: 12 }).map((b) => ({ raw: Buffer.from(b), json: base64(b) }))],
  ['float', quarter.map((v) => ({ raw: v, json: v }))],
  [
    'double',
    fc
      .oneof(finiteDouble, fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY))
      .map((v) => ({
        raw: v,
        json: Number.isFinite(v) ? v : String(v),
      })),
  ],
];

function fractionOf(nanos: number): string {
  const d = String(nanos).padStart(9, '0');
  return d.endsWith('000000') ? d.slice(0, 3) : d.endsWith('000') ? d.slice(0, 6) : d;
}

/** A JSON value a google.protobuf.Value holds, with its message form. */
const structValue: fc.Arbitrary<{ raw: unknown; json: unknown }> = fc.letrec<{
  v: { raw: unknown; json: unknown };
}>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant({ raw: { nullValue: 0 }, json: null }),
    finiteDouble.map((n) => ({ raw: { numberValue: n }, json: n })),
    text.map((s) => ({ raw: { stringValue: s }, json: s })),
    fc.boolean().map((b) => ({ raw: { boolValue: b }, json: b })),
    fc.array(tie('v'), { maxLength: 2 }).map((a) => ({
      raw: { listValue: { values: a.map((x) => x.raw) } },
      json: a.map((x) => x.json),
    })),
    fc.dictionary(mapKey, tie('v'), { maxKeys: 2 }).map((m) => ({
      raw: { structValue: { fields: Object.fromEntries(Object.entries(m).map(([k, x]) => [k, x.raw])) } },
      json: Object.fromEntries(Object.entries(m).map(([k, x]) => [k, x.json])),
    })),
  ),
})).v;

const WELL_KNOWN: readonly [string, Gen][] = [
  [
    'google.protobuf.Timestamp',
    fc
      .record({
        s: fc.integer({ min: -62_135_596_800, max: 253_402_300_799 }),
        n: fc.integer({ min: 0, max: 999_999_999 }),
      })
      .map(({ s, n }) => ({
        raw: { seconds: s, nanos: n },
        json: iso(s * 1000, fractionOf(n)),
      })),
  ],
  [
    'google.protobuf.Struct',
    fc.dictionary(mapKey, structValue, { maxKeys: 3 }).map((m) => ({
      raw: { fields: Object.fromEntries(Object.entries(m).map(([k, x]) => [k, x.raw])) },
      json: Object.fromEntries(Object.entries(m).map(([k, x]) => [k, x.json])),
    })),
  ],
  [
    'google.protobuf.Int64Value',
    int(64, true).map((n) => ({ raw: { value: n.toString() }, json: n.toString() })),
  ],
  ['google.protobuf.StringValue', text.map((s) => ({ raw: { value: s }, json: s }))],
];

/** A singular field type: a scalar, an enum of the schema, a well-known type or an earlier message. */
function fieldType(enums: readonly string[][], messages: readonly { name: string; gen: Gen }[]) {
  const options: fc.Arbitrary<[string, Gen]>[] = [
    fc.constantFrom(...SCALARS),
    fc
      .constantFrom(...WELL_KNOWN)
      .map(([t, g]): [string, Gen] => [
        t,
        fc.option(g, { nil: null }).map((x) => x ?? { raw: null, json: null }),
      ]),
  ];
  if (enums.length > 0) {
    options.push(
      fc
        .constantFrom(...enums)
        .map((values): [string, Gen] => [
          (values[0] as string).split('_')[0] as string,
          fc.nat(values.length - 1).map((i) => ({ raw: i, json: values[i] })),
        ]),
    );
  }
  if (messages.length > 0) {
    options.push(
      fc
        .constantFrom(...messages)
        .map((m): [string, Gen] => [
          m.name,
          fc.option(m.gen, { nil: null }).map((x) => x ?? { raw: null, json: null }),
        ]),
    );
  }
  return fc.oneof(...options);
}

/** A field: singular, repeated, map, proto3 optional or a oneof of two scalars. */
function protoField(
  enums: readonly string[][],
  messages: readonly { name: string; gen: Gen }[],
): fc.Arbitrary<ProtoField> {
  const scalar = fc.constantFrom(...SCALARS);
  const unset = { raw: undefined, json: undefined };
  return fc.oneof(
    {
      weight: 3,
      arbitrary: fieldType(enums, messages).map(([t, gen]) => ({
        decl: (name: string, n: number) => `${t} ${name} = ${n};`,
        gen,
      })),
    },
    fieldType(enums, messages)
      .filter(([t]) => !t.startsWith('google.'))
      .map(([t, gen]) => ({
        decl: (name: string, n: number) => `repeated ${t} ${name} = ${n};`,
        gen: fc
          .array(
            gen.filter((x) => x.raw !== null),
            { maxLength: 3 },
          )
          .map((a) => ({ raw: a.map((x) => x.raw), json: a.map((x) => x.json) })),
      })),
    fc.tuple(fc.constantFrom('string', 'int64'), scalar).map(([k, [t, gen]]) => ({
      decl: (name: string, n: number) => `map<${k}, ${t}> ${name} = ${n};`,
      gen: fc
        .dictionary(k === 'string' ? mapKey : int(64, true).map(String), gen, { maxKeys: 3 })
        .map((m) => ({
          raw: Object.fromEntries(Object.entries(m).map(([key, x]) => [key, x.raw])),
          json: Object.fromEntries(Object.entries(m).map(([key, x]) => [key, x.json])),
        })),
    })),
    scalar.map(([t, gen]) => ({
      decl: (name: string, n: number) => `optional ${t} ${name} = ${n};`,
      gen: fc.option(gen, { nil: null }).map((x) => x ?? unset),
    })),
  );
}

function oneofField(): fc.Arbitrary<{
  decl: (name: string, n: number) => string;
  gen: fc.Arbitrary<[string, { raw: unknown; json: unknown }] | null>;
}> {
  return fc.tuple(fc.constantFrom(...SCALARS), fc.constantFrom(...SCALARS)).map(([[ta, ga], [tb, gb]]) => ({
    decl: (name, n) => `oneof ${name} { ${ta} ${name}_a = ${n}; ${tb} ${name}_b = ${n + 1}; }`,
    gen: fc.oneof(
      fc.constant(null),
      ga.map((x): [string, typeof x] => ['a', x]),
      gb.map((x): [string, typeof x] => ['b', x]),
    ),
  }));
}

interface ProtoMessage {
  readonly name: string;
  readonly text: string;
  readonly mapFields: readonly string[];
  readonly gen: Gen;
}

function protoMessage(
  name: string,
  enums: readonly string[][],
  earlier: readonly ProtoMessage[],
): fc.Arbitrary<ProtoMessage> {
  return fc
    .tuple(
      fc.uniqueArray(fc.tuple(ident, protoField(enums, earlier)), {
        minLength: 1,
        maxLength: 5,
        selector: ([n]) => n,
      }),
      fc.option(oneofField(), { nil: undefined }),
    )
    .map(([fields, oneof]) => {
      const lines = fields.map(([f, spec], i) => `  ${spec.decl(f, i + 1)}`);
      if (oneof) lines.push(`  ${oneof.decl('one_of', fields.length + 1)}`);
      const gens = [...fields.map(([, spec]) => spec.gen), oneof ? oneof.gen : fc.constant(null)];
      return {
        name,
        text: `message ${name} {\n${lines.join('\n')}\n}`,
        mapFields: fields.filter(([, spec]) => spec.decl('x', 1).startsWith('map<')).map(([f]) => f),
        gen: fc.tuple(...gens).map((values) => {
          const raw: Record<string, unknown> = {};
          const json: Record<string, unknown> = {};
          fields.forEach(([f], i) => {
            const v = values[i] as { raw: unknown; json: unknown };
            if (v.json === undefined) return;
            raw[f] = v.raw;
            json[f] = v.json;
          });
          const picked = values[fields.length] as [string, { raw: unknown; json: unknown }] | null;
          if (picked) {
            raw[`one_of_${picked[0]}`] = picked[1].raw;
            json[`one_of_${picked[0]}`] = picked[1].json;
          }
          return { raw, json };
        }),
      };
    });
}

const protoCase: fc.Arbitrary<Case & { readonly glueIndex: number; readonly path: number[] }> = fc
  .tuple(fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 2 }), fc.integer({ min: 1, max: 3 }))
  .chain(([enumSizes, count]) => {
    const enums = enumSizes.map((size, e) => Array.from({ length: size }, (_, v) => `En${e}_V${v}`));
    const build = (i: number, earlier: ProtoMessage[]): fc.Arbitrary<ProtoMessage[]> =>
      i === count
        ? fc.constant(earlier)
        : protoMessage(`M${i}`, enums, earlier).chain((m) => build(i + 1, [...earlier, m]));
    return build(0, []).map((messages) => ({ enums, messages }));
  })
  .chain(({ enums, messages }) => {
    const top = messages[messages.length - 1] as ProtoMessage;
    const text = [
      'syntax = "proto3";',
      'package p.q;',
      'import "google/protobuf/timestamp.proto";',
      'import "google/protobuf/struct.proto";',
      'import "google/protobuf/wrappers.proto";',
      ...enums.map((values, e) => `enum En${e} { ${values.map((v, i) => `${v} = ${i};`).join(' ')} }`),
      ...messages.map((m) => m.text),
    ].join('\n');
    const mapEntry = (f: string) =>
      `${f
        .split('_')
        .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
        .join('')}Entry`;
    const sorted = messages
      .flatMap((m) => [`.p.q.${m.name}`, ...m.mapFields.map((f) => `.p.q.${m.name}.${mapEntry(f)}`)])
      .sort();
    return fc.array(top.gen, { minLength: 1, maxLength: 3 }).map((values) => {
      const type = protoRoot(text).lookupType(`p.q.${top.name}`);
      return {
        schema: { dataFormat: 'PROTOBUF', definition: text },
        values: values.map((v) => ({
          bytes: Buffer.from(type.encode(type.fromObject(v.raw as object)).finish()),
          json: v.json,
        })),
        glueIndex: sorted.indexOf(`.p.q.${top.name}`),
        path: [messages.length - 1],
      };
    });
  });

// ---------------------------------------------------------------- both engines

function formatOf(language: SchemaLanguage, schema: FetchedSchema) {
  const client = { fetch: async () => schema };
  return registryValueFormat({
    language,
    primary: { module: glueRegistry, client, cache: new SchemaCache() },
    fallback: { module: confluentRegistry, client, cache: new SchemaCache() },
  });
}

/** Decodes the framed values and runs both engines' record paths on them. */
async function check(language: SchemaLanguage, c: Case, framed: readonly Buffer[]): Promise<void> {
  const decoder = formatOf(language, c.schema);
  await decoder.prepare?.(framed);
  const decoded = framed.map((b) => decoder.decode(b));
  expect(decoded.map((d) => (d.ok ? JSON.stringify(d.event) : d.reason))).toEqual(
    c.values.map((v) => JSON.stringify(v.json)),
  );
  const inputs: PipeKafkaRecordInput[] = framed.map((value, i) => ({
    eventSource: 'SelfManagedKafka',
    cluster: SMK_CLUSTER,
    topic: 'prop',
    partition: 0,
    offset: String(i),
    timestamp: 1_735_689_600_000 + i,
    key: `k${i}`,
    value,
  }));
  const ctx = {
    rules: defaultRules,
    sourceName: 'prop',
    partitionKey: { type: 'record-key' } as const,
    now: FIXED_NOW,
  };
  const pipeCtx = { ...ctx, formats: { ...DEFAULT_FORMATS, value: formatOf(language, c.schema) } };
  const event = inputs.map(buildPipeKafkaRecord);
  await prepareFormats(decodeKafkaEvent(event), pipeCtx);
  const piped = enrichBatch(event, pipeCtx);
  const pollCtx = { ...ctx, formats: { ...DEFAULT_FORMATS, value: formatOf(language, c.schema) } };
  await prepareKafkaRecords(inputs, pollCtx);
  const polled = enrichKafkaRecords(inputs, pollCtx);
  expect(polled.records.map(serializeCanonical)).toEqual(piped.records.map(serializeCanonical));
  expect(JSON.stringify(polled.dlq)).toBe(JSON.stringify(piped.dlq));
  expect(piped.records.length + piped.dlq.length).toBeGreaterThanOrEqual(framed.length);
}

describe('schema languages: decode(encode(v)) is the JSON form of v, both engines alike', () => {
  it('random Avro schemas and values (Glue framing, zlib or not, and Confluent framing)', async () => {
    await fc.assert(
      fc.asyncProperty(avroCase, fc.nat(2), async (c, framing) => {
        const framed = c.values.map((v) =>
          framing === 2 ? confluentFramed(11, v.bytes) : glueFramed(GLUE_ID, v.bytes, framing === 1),
        );
        await check(avroLanguage, c, framed);
      }),
      { numRuns: RUNS },
    );
  });

  it('random Protobuf schemas and values (Confluent index paths and Glue sorted indexes)', async () => {
    await fc.assert(
      fc.asyncProperty(protoCase, fc.boolean(), async (c, glue) => {
        const framed = c.values.map((v) =>
          glue
            ? glueFramed(GLUE_ID, Buffer.concat([glueMessageIndex(c.glueIndex), v.bytes]))
            : confluentFramed(12, Buffer.concat([confluentMessageIndexes(c.path), v.bytes])),
        );
        await check(protobufLanguage, c, framed);
      }),
      { numRuns: RUNS },
    );
  });
});
