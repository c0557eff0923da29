/**
 * The JSON form of a decoded Protobuf message (protobuf.ts): what protobufjs' `Type.toObject` gives with
 * {@link TO_OBJECT} (int64 as decimal text, enums as names, bytes as base64, unset scalars as their
 * defaults, unset message fields as null, non-finite floats as "NaN" / "Infinity" / "-Infinity"), then
 * per message type:
 * - fields in declaration order (toObject puts repeated and map fields first);
 * - float (32-bit) → the shortest decimal that reads back as the same float (`0.1`, not `0.10000000149…`);
 * - the well-known types (https://protobuf.dev/programming-guides/json/) as the proto3 JSON mapping writes
 *   them: Timestamp → ISO-8601 UTC text with 3, 6 or 9 fraction digits (at least milliseconds, as Avro's
 *   timestamps and API Connect's datetimes), Duration → `"1.5s"`, the wrappers → their plain value,
 *   Struct / Value / ListValue → JSON object / value / array, FieldMask → paths joined by `,`, Empty →
 *   `{}`, Any → `{"@type": url, …fields}` when the type is in the schema (`{"@type": url, "value": …}`
 *   for a well-known type; `{"@type": url, "value": base64}` when it is not).
 */
import type * as protobuf from 'protobufjs';

type Convert = (value: unknown) => unknown;
type Obj = Record<string, unknown>;

/** protobufjs `toObject` options of the JSON form. */
export const TO_OBJECT: protobuf.IConversionOptions = {
  longs: String,
  enums: String,
  bytes: String,
  defaults: true,
  arrays: true,
  objects: true,
  json: true,
};

const SECONDS_MIN = -62_135_596_800; // 0001-01-01T00:00:00Z
const SECONDS_MAX = 253_402_300_799; // 9999-12-31T23:59:59Z

/** Fraction digits of `nanos`: 3, 6 or 9, as few as hold it exactly (at least 3). */
function fraction(nanos: number): string {
  const digits = String(nanos).padStart(9, '0');
  if (nanos % 1_000_000 === 0) return digits.slice(0, 3);
  return nanos % 1000 === 0 ? digits.slice(0, 6) : digits;
}

/** ISO-8601 UTC text of a google.protobuf.Timestamp. */
export function isoOfTimestamp(seconds: string | number, nanos: number): string {
  const s = Number(seconds);
  if (!Number.isSafeInteger(s) || s < SECONDS_MIN || s > SECONDS_MAX) {
    throw new Error(`google.protobuf.Timestamp seconds ${seconds} out of range (years 1–9999)`);
  }
  if (!Number.isInteger(nanos) || nanos < 0 || nanos > 999_999_999) {
    throw new Error(`google.protobuf.Timestamp nanos ${nanos} out of range`);
  }
  return `${new Date(s * 1000).toISOString().slice(0, 19)}.${fraction(nanos)}Z`;
}

/** Proto3 JSON text of a google.protobuf.Duration (`"-1.500s"`: 0, 3, 6 or 9 fraction digits). */
export function durationText(seconds: string | number, nanos: number): string {
  const s = BigInt(seconds);
  const negative = s < 0n || nanos < 0;
  const abs = (s < 0n ? -s : s).toString();
  const n = Math.abs(nanos);
  return `${negative ? '-' : ''}${abs}${n === 0 ? '' : `.${fraction(n)}`}s`;
}

/** The shortest decimal that reads back as the same 32-bit float. */
export function shortestFloat(v: unknown): unknown {
  if (typeof v !== 'number' || !Number.isFinite(v)) return v;
  for (let p = 1; p < 9; p++) {
    const candidate = Number(v.toPrecision(p));
    if (Math.fround(candidate) === v) return candidate;
  }
  return Number(v.toPrecision(9));
}

/** A google.protobuf.Value (toObject form) as its JSON value. */
function valueJson(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return null;
  const o = v as Obj;
  if ('numberValue' in o) return o.numberValue;
  if ('stringValue' in o) return o.stringValue;
  if ('boolValue' in o) return o.boolValue;
  if ('structValue' in o) return structJson(o.structValue);
  if ('listValue' in o) return listJson(o.listValue);
  return null;
}

function structJson(v: unknown): unknown {
  if (v === null) return null;
  const out: Obj = {};
  for (const [k, x] of Object.entries(((v as Obj).fields as Obj | undefined) ?? {})) out[k] = valueJson(x);
  return out;
}

function listJson(v: unknown): unknown {
  if (v === null) return null;
  return (((v as Obj).values as unknown[] | undefined) ?? []).map(valueJson);
}

const WRAPPERS = ['Double', 'Float', 'Int64', 'UInt64', 'Int32', 'UInt32', 'Bool', 'String', 'Bytes'];

/** The well-known types other than Any, by full name. */
const WELL_KNOWN: Record<string, Convert> = {
  '.google.protobuf.Timestamp': (v) =>
    isoOfTimestamp((v as Obj).seconds as string, (v as Obj).nanos as number),
  '.google.protobuf.Duration': (v) => durationText((v as Obj).seconds as string, (v as Obj).nanos as number),
  '.google.protobuf.Struct': structJson,
  '.google.protobuf.Value': valueJson,
  '.google.protobuf.ListValue': listJson,
  '.google.protobuf.FieldMask': (v) => (((v as Obj).paths as string[] | undefined) ?? []).join(','),
  '.google.protobuf.Empty': () => ({}),
  ...Object.fromEntries(
    WRAPPERS.map((w) => [
      `.google.protobuf.${w}Value`,
      (v: unknown) => (w === 'Float' ? shortestFloat((v as Obj).value) : (v as Obj).value),
    ]),
  ),
};

/** Converters of a schema's message types, made once per type (recursive types refer to themselves). */
export class JsonForm {
  private readonly converters = new Map<protobuf.Type, Convert>();

  constructor(private readonly pb: typeof protobuf) {}

  /** The JSON form of a decoded message of `type`. */
  of(type: protobuf.Type, message: protobuf.Message): unknown {
    return this.converterOf(type)(type.toObject(message, TO_OBJECT));
  }

  /** The converter of a message type's toObject form (never null: it restores the field order). */
  converterOf(type: protobuf.Type): Convert {
    const known = this.converters.get(type);
    if (known) return known;
    const wkt = WELL_KNOWN[type.fullName];
    if (wkt) return this.remember(type, (v) => (v === null ? null : wkt(v)));
    if (type.fullName === '.google.protobuf.Any') return this.remember(type, (v) => this.any(type, v));
    const slots: { name: string; convert: Convert | null }[] = [];
    const convert: Convert = (v) => {
      if (v === null) return null;
      const o = v as Obj;
      const out: Obj = {};
      for (const { name, convert: c } of slots) {
        if (name in o) out[name] = c === null ? o[name] : c(o[name]);
      }
      return out;
    };
    this.remember(type, convert);
    for (const field of type.fieldsArray)
      slots.push({ name: field.name, convert: this.fieldConverter(field) });
    return convert;
  }

  private remember(type: protobuf.Type, convert: Convert): Convert {
    this.converters.set(type, convert);
    return convert;
  }

  private fieldConverter(field: protobuf.Field): Convert | null {
    field.resolve();
    const element: Convert | null =
      field.resolvedType instanceof this.pb.Type
        ? this.converterOf(field.resolvedType)
        : field.type === 'float'
          ? shortestFloat
          : null;
    if (element === null) return null;
    if (field.map) {
      return (m) => {
        const out: Obj = {};
        for (const [k, x] of Object.entries(m as Obj)) out[k] = element(x);
        return out;
      };
    }
    return field.repeated ? (a) => (a as unknown[]).map(element) : element;
  }

  /** An Any: protobufjs has decoded it when its type is in the schema (then `@type` is among the fields). */
  private any(anyType: protobuf.Type, v: unknown): unknown {
    if (v === null) return null;
    const { '@type': url, ...fields } = v as Obj;
    if (typeof url !== 'string') return { '@type': (v as Obj).type_url, value: (v as Obj).value };
    const inner = anyType.lookupType(`.${url.slice(url.lastIndexOf('/') + 1)}`);
    const json = this.converterOf(inner)(fields);
    const wellKnown = inner.fullName === '.google.protobuf.Any' || WELL_KNOWN[inner.fullName] !== undefined;
    return wellKnown ? { '@type': url, value: json } : { '@type': url, ...(json as Obj) };
  }
}
