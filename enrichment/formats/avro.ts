/**
 * Avro values (https://avro.apache.org/docs/1.11.1/specification/), decoded with avsc into their JSON
 * form, which the normalization then reads exactly as it reads a JSON event:
 * - records → objects with the schema's fields in order, arrays, maps → objects, enums → their symbol;
 * - unions → the plain value of their branch (no `{"type": value}` wrapper), null → null;
 * - bytes and fixed → base64 text;
 * - long → a number when it is a safe integer, else its decimal text (no precision lost);
 * - logical types: timestamp-millis / timestamp-micros → ISO-8601 UTC text (`…T…Z`, 3 or 6 fraction
 *   digits), date → `YYYY-MM-DD`, decimal → its decimal text (`"-123.45"`), uuid → its text.
 */
import type avscModule from 'avsc';
import { valueFilterRule } from './schema-format-rules.js';
import type { FetchedSchema, PayloadDecoder, SchemaLanguage } from './schema-types.js';

type Avsc = typeof avscModule;
type AvroType = avscModule.Type;
type Convert = (value: unknown) => unknown;

const MICROS_PER_MS = 1000n;

/** ISO-8601 UTC text of epoch microseconds (6 fraction digits). */
export function isoOfMicros(micros: number | string): string {
  const us = BigInt(micros);
  const ms = us / MICROS_PER_MS - (us % MICROS_PER_MS < 0n ? 1n : 0n);
  const rest = us - ms * MICROS_PER_MS;
  const iso = new Date(Number(ms)).toISOString();
  return `${iso.slice(0, -1)}${String(rest).padStart(3, '0')}Z`;
}

/** Decimal text of a two's-complement big-endian unscaled integer with `scale` fraction digits. */
export function decimalText(bytes: Buffer, scale: number): string {
  if (bytes.length === 0) return '0';
  let n = BigInt(`0x${bytes.toString('hex')}`);
  if ((bytes[0] as number) & 0x80) n -= 1n << BigInt(bytes.length * 8);
  const sign = n < 0n ? '-' : '';
  const digits = (n < 0n ? -n : n).toString().padStart(scale + 1, '0');
  return scale === 0 ? `${sign}${digits}` : `${sign}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/** The unscaled two's-complement bytes of a decimal text (for encoding in tests and tools). */
function decimalBytes(text: string, scale: number): Buffer {
  const [whole = '0', fraction = ''] = String(text).replace('-', '').split('.');
  let n = BigInt(whole + fraction.padEnd(scale, '0').slice(0, scale));
  if (String(text).startsWith('-')) n = -n;
  let hex = (n < 0n ? (1n << 128n) + n : n).toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if (n < 0n)
    while (bytes.length > 1 && bytes[0] === 0xff && (bytes[1] as number) & 0x80) bytes = bytes.subarray(1);
  else if ((bytes[0] as number) & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return bytes;
}

const MS_PER_DAY = 86_400_000;

/** A long read exactly: a number when safe, else its decimal text (used only when a long is not safe). */
function exactLongOf(avsc: Avsc): unknown {
  const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
  const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
  return avsc.types.LongType.__with({
    fromBuffer: (buf: Buffer) => {
      const n = buf.readBigInt64LE(0);
      return n >= MIN_SAFE && n <= MAX_SAFE ? Number(n) : n.toString();
    },
    toBuffer: (v: number | string) => {
      const buf = Buffer.alloc(8);
      buf.writeBigInt64LE(BigInt(v));
      return buf;
    },
    fromJSON: (v: unknown) => v,
    toJSON: (v: unknown) => v,
    isValid: (v: unknown) =>
      (typeof v === 'number' && Number.isSafeInteger(v)) || (typeof v === 'string' && /^-?\d{1,19}$/.test(v)),
    compare: (a: number | string, b: number | string) => {
      const d = BigInt(a) - BigInt(b);
      return d < 0n ? -1 : d > 0n ? 1 : 0;
    },
  });
}

/** What avsc needs to read the JSON forms above: logical types and the exact long, made once per avsc. */
interface AvscKit {
  readonly logicalTypes: Record<string, unknown>;
  readonly exactLong: unknown;
}
const kits = new WeakMap<object, AvscKit>();

function kitOf(avsc: Avsc): AvscKit {
  const known = kits.get(avsc);
  if (known) return known;
  /** avsc logical types whose values are the JSON forms above (and that accept them back when encoding). */
  class TimestampMillis extends avsc.types.LogicalType {
    override _fromValue(v: unknown): string {
      return new Date(Number(v)).toISOString();
    }
    override _toValue(v: unknown): unknown {
      return typeof v === 'string' ? Date.parse(v) : v instanceof Date ? v.getTime() : v;
    }
  }
  class TimestampMicros extends avsc.types.LogicalType {
    constructor(schema: avscModule.Schema, opts?: unknown) {
      super(schema, opts as avscModule.ForSchemaOptions);
      // avsc builds a logical type's long as its plain long, not the registry's: the exact read (an
      // unsafe long, beyond ±2^53 µs) swaps in the exact long the registry holds.
      const exactLong = (opts as { registry?: { long?: unknown } } | undefined)?.registry?.long;
      if (exactLong !== undefined)
        (this as unknown as { _underlyingType: unknown })._underlyingType = exactLong;
    }
    override _fromValue(v: unknown): string {
      return isoOfMicros(v as number | string);
    }
    override _toValue(v: unknown): unknown {
      if (typeof v !== 'string') return v;
      const ms = Date.parse(v);
      const fraction = /\.(\d+)Z$/.exec(v)?.[1] ?? '';
      const extra = Number(fraction.padEnd(6, '0').slice(3, 6));
      return ms * 1000 + extra;
    }
  }
  class DateType extends avsc.types.LogicalType {
    override _fromValue(v: unknown): string {
      return new Date(Number(v) * MS_PER_DAY).toISOString().slice(0, 10);
    }
    override _toValue(v: unknown): unknown {
      return typeof v === 'string' ? Math.round(Date.parse(`${v}T00:00:00Z`) / MS_PER_DAY) : v;
    }
  }
  class DecimalType extends avsc.types.LogicalType {
    private readonly scale: number;
    constructor(schema: avscModule.Schema, opts?: unknown) {
      super(schema, opts as avscModule.ForSchemaOptions);
      this.scale = (schema as { scale?: number }).scale ?? 0;
    }
    override _fromValue(v: unknown): string {
      return decimalText(v as Buffer, this.scale);
    }
    override _toValue(v: unknown): unknown {
      if (typeof v !== 'string' && typeof v !== 'number') return v;
      const bytes = decimalBytes(String(v), this.scale);
      const size = (this as unknown as { underlyingType: { size?: number } }).underlyingType.size;
      if (size === undefined || bytes.length === size) return bytes;
      const fill = (bytes[0] as number) & 0x80 ? 0xff : 0;
      return Buffer.concat([Buffer.alloc(Math.max(0, size - bytes.length), fill), bytes]);
    }
  }

  const logicalTypes = {
    'timestamp-millis': TimestampMillis,
    'timestamp-micros': TimestampMicros,
    date: DateType,
    decimal: DecimalType,
  } as unknown as Record<string, new (schema: unknown, opts: unknown) => avscModule.types.LogicalType>;

  const exactLong = exactLongOf(avsc);
  const kit = { logicalTypes, exactLong };
  kits.set(avsc, kit);
  return kit;
}

/** Parses an Avro schema (with its referenced named types) into an avsc type. */
export function avroTypeOf(avsc: Avsc, schema: FetchedSchema, exact = false): AvroType {
  const { logicalTypes, exactLong } = kitOf(avsc);
  const registry: Record<string, unknown> = exact ? { long: exactLong } : {};
  // 'auto': a union avsc can tell apart by value is read unwrapped (the plain value); others are wrapped.
  const options = { wrapUnions: 'auto', logicalTypes, registry } as unknown as avscModule.ForSchemaOptions;
  for (const ref of schema.references ?? []) avsc.Type.forSchema(JSON.parse(ref.definition), options);
  const type = avsc.Type.forSchema(JSON.parse(schema.definition), options);
  hideRecordMethods(type, new Set());
  return type;
}

/**
 * avsc decodes a record into an instance of a class per record type whose prototype methods (`clone`,
 * `toBuffer`, …) are enumerable, so `for…in` over a decoded record (normalize.ts walks the event's keys
 * that way) would list them and take V8's slow enumeration path. They are made non-enumerable once per
 * type; the methods still work, and a record's own keys are unchanged.
 */
function hideRecordMethods(type: AvroType, seen: Set<AvroType>): void {
  if (seen.has(type)) return;
  seen.add(type);
  const t = type as unknown as {
    recordConstructor?: { prototype: object };
    fields?: { type: AvroType }[];
    itemsType?: AvroType;
    valuesType?: AvroType;
    types?: AvroType[];
  };
  const proto = t.recordConstructor?.prototype;
  if (proto) {
    for (const key of Object.keys(proto)) Object.defineProperty(proto, key, { enumerable: false });
  }
  const inner = [...(t.fields ?? []).map((f) => f.type), ...(t.types ?? [])];
  if (t.itemsType) inner.push(t.itemsType);
  if (t.valuesType) inner.push(t.valuesType);
  for (const child of inner) hideRecordMethods(child, seen);
}

type Branches = { readonly type: AvroType; readonly convert: Convert | null }[];

/**
 * The function turning avsc's decoded value of `type` into its JSON form, or null when the value
 * already is its JSON form (no bytes, fixed or wrapped union inside).
 */
function converterOf(type: AvroType, seen: Map<AvroType, Convert | null>): Convert | null {
  const known = seen.get(type);
  if (known !== undefined || seen.has(type)) return known ?? null;
  const t = type as unknown as {
    typeName: string;
    fields?: { name: string; type: AvroType }[];
    itemsType?: AvroType;
    valuesType?: AvroType;
    types?: AvroType[];
  };
  switch (t.typeName) {
    case 'bytes':
    case 'fixed':
      return (v) => (v as Buffer).toString('base64');
    case 'record':
    case 'error':
      return recordConverter(type, t.fields ?? [], seen);
    case 'array': {
      const item = converterOf(t.itemsType as AvroType, seen);
      return item === null ? null : (v) => (v as unknown[]).map(item);
    }
    case 'map': {
      const value = converterOf(t.valuesType as AvroType, seen);
      if (value === null) return null;
      return (v) => {
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = value(x);
        return out;
      };
    }
    case 'union:wrapped':
      return unionConverter(t.types ?? [], seen);
    case 'union:unwrapped':
      return (t.types ?? []).some((b) => converterOf(b, seen) !== null) ? jsonForm : null;
    default:
      return null;
  }
}

/** The JSON form of a value whose branch is not known (an unwrapped union): bytes become base64. */
function jsonForm(v: unknown): unknown {
  if (Buffer.isBuffer(v)) return v.toString('base64');
  if (Array.isArray(v)) return v.map(jsonForm);
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = jsonForm(x);
    return out;
  }
  return v;
}

function recordConverter(
  type: AvroType,
  fields: readonly { name: string; type: AvroType }[],
  seen: Map<AvroType, Convert | null>,
): Convert {
  // A recursive record refers to itself: look the field converters up when the value is converted.
  // Only the fields that need it are converted, in place (the record is avsc's fresh decoded object,
  // whose own enumerable properties are exactly its fields, in schema order).
  const slots: { name: string; convert: Convert }[] = [];
  const convert: Convert = (v) => {
    const record = v as Record<string, unknown>;
    for (const { name, convert: c } of slots) record[name] = c(record[name]);
    return record;
  };
  seen.set(type, convert);
  for (const f of fields) {
    const c = converterOf(f.type, seen);
    if (c !== null) slots.push({ name: f.name, convert: c });
  }
  return convert;
}

function unionConverter(types: readonly AvroType[], seen: Map<AvroType, Convert | null>): Convert {
  const branches: Branches = types.map((type) => ({ type, convert: converterOf(type, seen) }));
  const byName = new Map(
    branches.map((b) => [(b.type as unknown as { branchName: string }).branchName, b.convert]),
  );
  return (v) => {
    if (v === null) return null;
    const wrapped = v as Record<string, unknown>;
    for (const name in wrapped) {
      const convert = byName.get(name);
      return convert ? convert(wrapped[name]) : wrapped[name];
    }
    return null;
  };
}

/** The JSON form of a value of `type` (see the module comment). */
export function avroJsonConverter(type: AvroType): Convert {
  return converterOf(type, new Map()) ?? ((v) => v);
}

function isPrecisionLoss(err: unknown): boolean {
  return err instanceof Error && err.message === 'potential precision loss';
}

/** Avro, through avsc: the fast long type first, the exact one for a value holding an unsafe long. */
export const avroLanguage: SchemaLanguage = {
  format: 'avro',
  dataFormat: 'AVRO',
  rules: [valueFilterRule],
  packages: ['avsc'],
  async compile(schema: FetchedSchema): Promise<PayloadDecoder> {
    // Loaded on the first schema: a bundle for JSON-only sources leaves avsc out (pipes/record-formats.ts).
    const avsc = ((await import('avsc')) as unknown as { default: Avsc }).default;
    const type = avroTypeOf(avsc, schema);
    const convert = avroJsonConverter(type);
    let exact: { type: AvroType; convert: Convert } | undefined;
    return (payload) => {
      try {
        return convert(type.fromBuffer(payload));
      } catch (err) {
        if (!isPrecisionLoss(err)) throw err;
        if (exact === undefined) {
          const t = avroTypeOf(avsc, schema, true);
          exact = { type: t, convert: avroJsonConverter(t) };
        }
        return exact.convert(exact.type.fromBuffer(payload));
      }
    };
  },
};
