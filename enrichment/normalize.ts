import { APIC_FIELD_MAP } from './apic-fields.js';
import { DLQ_REASON } from './constants.js';
import { toIsoUtc } from './datetime.js';
import { FAST_PATHS } from './fast-paths.js';
import { parseHttpStatus } from './status-codes.js';

/** JSON value as parsed by JSON.parse. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
/** A JSON object. */
export type JsonObject = { [key: string]: JsonValue };

/** Result of normalizing one API Connect event: bad data is a value, not an exception. */
export type NormalizeResult =
  | { readonly ok: true; readonly api: JsonObject; readonly extra: JsonObject }
  | { readonly ok: false; readonly reason: string };

const NUMERIC_PATTERN = /^\s*-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\s*$/;
const PREVIEW_MAX_CHARS = 40;

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > PREVIEW_MAX_CHARS ? `${text.slice(0, PREVIEW_MAX_CHARS)}…` : text;
}

function wrongType(field: string, expected: string, value: unknown): NormalizeResult {
  return {
    ok: false,
    reason: `${DLQ_REASON.wrongType}: field ${field} must be ${expected}, received ${preview(value)}`,
  };
}

/**
 * Builds the canonical `api` object of one event from its canonical keys and values, in order. Two
 * builders give the same object (same keys, same order, same values, so the same serialized bytes):
 * {@link plainApiBuilder} and {@link shapedApiBuilder}; test/unit/enrichment/normalize.test.ts checks it
 * on random events.
 */
export type ApiBuilder = (keys: readonly string[], values: readonly JsonValue[], count: number) => JsonObject;

/** Assigns each key in turn to a new object. */
export const plainApiBuilder: ApiBuilder = (keys, values, count) => {
  const api: JsonObject = {};
  for (let i = 0; i < count; i++) api[keys[i] as string] = values[i] as JsonValue;
  return api;
};

/**
 * Shape cache. V8 turns an object into a slow "dictionary mode" object once more than a dozen
 * properties are added through computed keys (`api[dst] = v`), and JSON.stringify of a dictionary-mode
 * object is far slower than of a fast one. So the canonical key sequences seen so far live in a trie;
 * each sequence has a fast template object (built by JSON.parse, which gives fast objects), and `api` is
 * a shallow copy of the template with the values filled in. The trie is bounded; past the bound, objects
 * are built the plain way.
 */
interface ShapeNode {
  readonly kids: Map<string, ShapeNode>;
  /** Keys from the root to this node, in order. */
  readonly keys: readonly string[];
  template: JsonObject | null;
}

/** Most trie nodes kept (each one a key sequence prefix); bounds memory with adversarial key orders. */
const SHAPE_NODES_MAX = 20_000;
const shapeRoot: ShapeNode = { kids: new Map(), keys: [], template: null };
let shapeNodes = 0;

function childShape(node: ShapeNode, key: string): ShapeNode | null {
  let child = node.kids.get(key);
  if (child === undefined) {
    if (shapeNodes >= SHAPE_NODES_MAX) return null;
    shapeNodes++;
    child = { kids: new Map(), keys: [...node.keys, key], template: null };
    node.kids.set(key, child);
  }
  return child;
}

function templateOf(node: ShapeNode): JsonObject {
  // Canonical names never include "__proto__", so JSON text and plain stores agree.
  node.template ??= JSON.parse(
    `{${node.keys.map((k) => `${JSON.stringify(k)}:null`).join(',')}}`,
  ) as JsonObject;
  return node.template;
}

/** Copies the cached template of the key sequence, then fills in the values (the plain way past the bound). */
export const shapedApiBuilder: ApiBuilder = (keys, values, count) => {
  let node: ShapeNode | null = shapeRoot;
  for (let i = 0; i < count && node !== null; i++) node = childShape(node, keys[i] as string);
  if (node === null) return plainApiBuilder(keys, values, count);
  const api: JsonObject = { ...templateOf(node) };
  for (let i = 0; i < count; i++) api[keys[i] as string] = values[i] as JsonValue;
  return api;
};

// Scratch lists of one normalization (normalizeApicEvent is synchronous and never re-entered), reused
// so a record does not allocate and grow two arrays.
const scratchKeys: string[] = [];
const scratchValues: JsonValue[] = [];

/**
 * Normalizes a parsed API Connect API event into the canonical `api` object and the `extra` bag, both in
 * the event's key order.
 * Known fields (apic-fields.ts) are converted: status codes to `{code, reason}`, date-times to ISO-8601
 * UTC with milliseconds, numeric strings to numbers. A `null` known field is treated as absent.
 * Unknown fields are kept unchanged under `extra`. Never throws.
 *
 * @example normalizeApicEvent({status_code: '200 OK', bytes_sent: '1590'})
 * // → {ok: true, api: {bytes_sent: 1590, status: {code: 200, reason: 'OK'}}, extra: {}}
 */
export function normalizeApicEvent(
  event: JsonObject,
  buildApi: ApiBuilder = FAST_PATHS.shapeCache ? shapedApiBuilder : plainApiBuilder,
): NormalizeResult {
  let count = 0;
  const extra: JsonObject = {};
  // One pass over the event's own keys (input order, so the same bytes give the same layout).
  for (const src of Object.keys(event)) {
    const value = event[src] as JsonValue;
    const field = APIC_FIELD_MAP.get(src);
    if (field === undefined) {
      // A JSON "__proto__" key is an own property; plain assignment would set the prototype instead.
      if (src === '__proto__') {
        Object.defineProperty(extra, src, { value, enumerable: true, writable: true, configurable: true });
      } else {
        extra[src] = value;
      }
      continue;
    }
    if (value === null) continue;
    const [dst, kind] = field;
    let out: JsonValue;
    switch (kind) {
      case 'string':
        if (typeof value === 'string') out = value;
        else if (typeof value === 'number' && Number.isFinite(value)) out = String(value);
        else return wrongType(src, 'a string', value);
        break;
      case 'number':
        if (typeof value === 'number') out = value;
        else if (typeof value === 'string' && NUMERIC_PATTERN.test(value)) out = Number(value);
        else return wrongType(src, 'a number or a numeric string', value);
        break;
      case 'datetime': {
        const iso = toIsoUtc(value);
        if (iso === null) return wrongType(src, 'an ISO-8601 date-time or epoch milliseconds', value);
        out = iso;
        break;
      }
      case 'status': {
        const status = parseHttpStatus(value);
        if (status === null) return wrongType(src, 'an HTTP status like "200 OK" or 404', value);
        out = { code: status.code, reason: status.reason };
        break;
      }
      default:
        out = value;
    }
    scratchKeys[count] = dst;
    scratchValues[count] = out;
    count++;
  }
  const api = buildApi(scratchKeys, scratchValues, count);
  scratchValues.fill(null, 0, count);
  return { ok: true, api, extra };
}
