/**
 * A registry-framed format: a schema language (avro.ts …) read through a schema registry
 * (registries/*.ts), with the source's fallback for values the registry did not frame. `prepare` fetches
 * and compiles the schemas of the batch's ids that the cache lacks (a registry that cannot answer fails
 * the batch with a RetriableError: the Pipe retries it, the poller commits nothing); `decode` then reads
 * each value from the cache, synchronously, and turns every bad value into a DLQ reason:
 * `unknown-schema`, `schema-decode-error`, `not-registry-framed`.
 */
import { DLQ_REASON } from '../constants.js';
import type { JsonObject } from '../normalize.js';
import type { DecodedKey, DecodedValue, KeyFormat, ValueFormat } from './format.js';
import { jsonFormat } from './json.js';
import type { SchemaCache } from './schema-cache.js';
import type { Frame, RegistryClient, SchemaLanguage, SchemaRegistryModule } from './schema-types.js';
import { textKeyFormat } from './text.js';

/** One registry as a format reads it: its module, a client, and the schemas compiled from it. */
export interface RegistrySide {
  readonly module: SchemaRegistryModule;
  readonly client: RegistryClient;
  readonly cache: SchemaCache;
}

/** What a value the primary registry did not frame becomes. */
export type FallbackSide = 'json' | 'dlq' | RegistrySide;

/** A format of schema language `language` read through `primary`, then `fallback`. */
export interface RegistryFormatSpec {
  readonly language: SchemaLanguage;
  readonly primary: RegistrySide;
  readonly fallback: FallbackSide;
}

type Framed = Extract<Frame, { kind: 'framed' }>;
/** A value located in a registry (or not framed by any, or with a bad frame). */
type Located = { side: RegistrySide; frame: Framed } | { notFramed: true } | { bad: string };

function locate(bytes: Buffer, spec: RegistryFormatSpec): Located {
  const first = spec.primary.module.frame(bytes);
  if (first.kind === 'framed') return { side: spec.primary, frame: first };
  if (first.kind === 'bad') return { bad: `${spec.primary.module.type} frame: ${first.reason}` };
  if (typeof spec.fallback === 'string') return { notFramed: true };
  const second = spec.fallback.module.frame(bytes);
  if (second.kind === 'framed') return { side: spec.fallback, frame: second };
  if (second.kind === 'bad') return { bad: `${spec.fallback.module.type} frame: ${second.reason}` };
  return { notFramed: true };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/** Decodes a located value with its cached schema: the JSON form, or a DLQ reason. */
function decodeLocated(
  located: { side: RegistrySide; frame: Framed },
  language: SchemaLanguage,
): { ok: true; value: unknown } | { ok: false; reason: string } {
  const { side, frame } = located;
  const entry = side.cache.get(frame.id);
  if (entry === undefined) {
    return {
      ok: false,
      reason: `${DLQ_REASON.unknownSchema}: schema ${frame.id} was not fetched for this batch`,
    };
  }
  if (!entry.ok) return { ok: false, reason: entry.reason };
  try {
    return { ok: true, value: entry.decode(frame.payload, frame) };
  } catch (err) {
    return {
      ok: false,
      reason: `${DLQ_REASON.schemaDecodeError}: the ${language.format} payload does not decode with ${side.module.type} schema ${frame.id}: ${(err as Error).message}`,
    };
  }
}

function notFramedReason(spec: RegistryFormatSpec, bytes: Buffer): string {
  const registries =
    typeof spec.fallback === 'string'
      ? spec.primary.module.type
      : `${spec.primary.module.type} or ${spec.fallback.module.type}`;
  const first = bytes.length === 0 ? 'the value is empty' : `its first byte is ${bytes[0]}`;
  return `${DLQ_REASON.notRegistryFramed}: the value is not framed by the ${registries} registry (${first})`;
}

/** Fetches and compiles the schema of one id into its side's cache (a negative entry when unusable). */
async function load(side: RegistrySide, id: string, language: SchemaLanguage): Promise<void> {
  const fetched = await side.client.fetch(id);
  if ('unknown' in fetched) {
    side.cache.refuse(id, `${DLQ_REASON.unknownSchema}: ${fetched.unknown}`);
    return;
  }
  if (fetched.dataFormat !== language.dataFormat) {
    side.cache.refuse(
      id,
      `${DLQ_REASON.unknownSchema}: schema ${id} is ${fetched.dataFormat || 'of no format'}, the source's format is ${language.format} (${language.dataFormat})`,
    );
    return;
  }
  try {
    side.cache.set(id, { ok: true, decode: await language.compile(fetched) });
  } catch (err) {
    side.cache.refuse(
      id,
      `${DLQ_REASON.schemaDecodeError}: ${side.module.type} schema ${id} does not compile as ${language.format}: ${(err as Error).message}`,
    );
  }
}

/** Fetches what the cache lacks for these values, at most `concurrency` requests at a time. */
async function prepareSpec(
  spec: RegistryFormatSpec,
  values: readonly Buffer[],
  concurrency = 8,
): Promise<void> {
  const sides = typeof spec.fallback === 'string' ? [spec.primary] : [spec.primary, spec.fallback];
  for (const side of sides) side.cache.trim();
  const missing = new Map<string, { side: RegistrySide; id: string }>();
  for (const bytes of values) {
    const located = locate(bytes, spec);
    if (!('side' in located)) continue;
    const key = `${located.side.module.type}|${located.frame.id}`;
    if (!missing.has(key) && located.side.cache.get(located.frame.id) === undefined) {
      missing.set(key, { side: located.side, id: located.frame.id });
    }
  }
  const queue = [...missing.values()];
  const worker = async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      await load(next.side, next.id, spec.language);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
}

/** The value format of a spec. */
export function registryValueFormat(spec: RegistryFormatSpec): ValueFormat {
  return {
    name: spec.language.format,
    prepare: (values) => prepareSpec(spec, values),
    decode(bytes: Buffer): DecodedValue {
      const located = locate(bytes, spec);
      if ('bad' in located) return { ok: false, reason: `${DLQ_REASON.schemaDecodeError}: ${located.bad}` };
      if ('notFramed' in located) {
        if (spec.fallback === 'json') return jsonFormat.decode(bytes);
        return { ok: false, reason: notFramedReason(spec, bytes) };
      }
      const decoded = decodeLocated(located, spec.language);
      if (!decoded.ok) return decoded;
      const v = decoded.value;
      if (v === null || typeof v !== 'object' || Array.isArray(v)) {
        return {
          ok: false,
          reason: `${DLQ_REASON.notAnObject}: the ${spec.language.format} value is ${describe(v)}, expected a record`,
        };
      }
      return { ok: true, event: v as JsonObject };
    },
  };
}

/**
 * The key format of a spec: a framed key becomes the text of its decoded value (a string as is, other
 * values as JSON); a key that is not framed, or does not decode, keeps its text or bytes as the text key
 * format gives them (a key never sends a record to the DLQ).
 */
export function registryKeyFormat(
  spec: RegistryFormatSpec,
): KeyFormat & Required<Pick<ValueFormat, 'prepare'>> {
  return {
    name: spec.language.format,
    prepare: (keys) => prepareSpec(spec, keys),
    decode(bytes: Buffer): DecodedKey | null {
      const located = locate(bytes, spec);
      if (!('side' in located)) return textKeyFormat.decode(bytes);
      const decoded = decodeLocated(located, spec.language);
      if (!decoded.ok) return textKeyFormat.decode(bytes);
      const v = decoded.value;
      return { key: typeof v === 'string' ? v : JSON.stringify(v), keyEncoding: 'utf8' };
    },
  };
}
