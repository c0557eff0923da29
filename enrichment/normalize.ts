import { APIC_FIELD_MAP, type ApicFieldKind } from './apic-fields.js';
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

// Own keys are walked with for…in plus an own-property check rather than Object.keys: same keys in the
// same order (inherited enumerable ones are skipped), without allocating a key array per object, and V8
// reads `obj[key]` inside for…in through the object's enumeration cache instead of a generic keyed load.
const hasOwn = Object.prototype.hasOwnProperty;
const NUMERIC_PATTERN = /^\s*-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\s*$/;
const PREVIEW_MAX_CHARS = 40;

/**
 * Deepest nesting of a value (the event object is level 1). Deeper values go to the DLQ as `too-deep`:
 * serializing them would overflow the stack, and so would schema validators of the canonical record.
 */
export const MAX_VALUE_DEPTH = 64;

function preview(value: unknown): string {
  const text = typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));
  return text.length > PREVIEW_MAX_CHARS ? `${text.slice(0, PREVIEW_MAX_CHARS)}…` : text;
}

function failure(reason: string): NormalizeResult {
  return { ok: false, reason };
}

const EXPECTED: Readonly<Record<ApicFieldKind, string>> = {
  string: 'a string or a number',
  number: 'a finite number or a numeric string',
  integer: 'a whole number or a whole numeric string within ±(2^53 - 1)',
  boolean: 'true, false, "true" or "false"',
  datetime: 'an ISO-8601 date-time or epoch milliseconds',
  status: 'an HTTP status like "200 OK", 404 or ""',
  json: 'a JSON value',
};

function wrongType(field: string, kind: ApicFieldKind, value: unknown): NormalizeResult {
  return failure(
    `${DLQ_REASON.wrongType}: field ${field} must be ${EXPECTED[kind]}, received ${preview(value)}`,
  );
}

/**
 * What makes a JSON value unfit for the canonical record, as a DLQ reason, or null: a number that
 * overflowed to ±Infinity when parsed (`1e400`; JSON has no text for it, so it would be written as null),
 * or nesting deeper than {@link MAX_VALUE_DEPTH}. `depth` is the level of `value` itself.
 */
export function jsonProblem(value: JsonValue, field: string, depth: number): string | null {
  if (typeof value === 'number') return Number.isFinite(value) ? null : overflow(field, value);
  if (value === null || typeof value !== 'object') return null;
  if (depth > MAX_VALUE_DEPTH)
    return `${DLQ_REASON.tooDeep}: field ${field} nests deeper than ${MAX_VALUE_DEPTH} levels`;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const problem = itemProblem(value[i] as JsonValue, field, depth);
      if (problem !== null) return problem;
    }
    return null;
  }
  for (const key in value) {
    if (!hasOwn.call(value, key)) continue;
    const problem = itemProblem(value[key] as JsonValue, field, depth);
    if (problem !== null) return problem;
  }
  return null;
}

/** {@link jsonProblem} of an item of an array or object at `depth` (strings and finite numbers inline). */
function itemProblem(item: JsonValue, field: string, depth: number): string | null {
  if (typeof item === 'number') return Number.isFinite(item) ? null : overflow(field, item);
  return typeof item === 'object' && item !== null ? jsonProblem(item, field, depth + 1) : null;
}

function overflow(field: string, value: number): string {
  return `${DLQ_REASON.wrongType}: field ${field} holds ${value}, a number beyond the range JSON numbers can be read into`;
}

function toBoolean(value: JsonValue): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

function toNumber(value: JsonValue): number | undefined {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && NUMERIC_PATTERN.test(value)
        ? Number(value)
        : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** The canonical value of a known field (not null), or undefined when it has the wrong type. */
function convert(kind: ApicFieldKind, value: JsonValue): JsonValue | undefined {
  switch (kind) {
    case 'string':
      return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))
        ? value
        : undefined;
    case 'number':
      return toNumber(value);
    case 'integer': {
      const n = toNumber(value);
      return n !== undefined && Number.isSafeInteger(n) ? n : undefined;
    }
    case 'boolean':
      return toBoolean(value);
    case 'datetime':
      return toIsoUtc(value) ?? undefined;
    case 'status': {
      const status = parseHttpStatus(value);
      return status === null
        ? undefined
        : { code: status.code, reason: status.reason, reasonGiven: status.reasonGiven };
    }
    default:
      return value;
  }
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
 * object is far slower than of a fast one; stores through computed keys are slow too. So the canonical
 * key sequences seen so far live in a trie, and each sequence gets a builder: a function returning an
 * object literal with its keys in order (`v => ({"status": v[0], "bytes_sent": v[1], …})`, the keys
 * being canonical names, never input text), which V8 creates as a fast object in one step. The trie and
 * the number of builders are bounded; past the builders' bound, `api` is a shallow copy of a template
 * object of the sequence (built by JSON.parse, which gives fast objects) with the values stored in it;
 * past the trie's bound, objects are built the plain way.
 */
interface ShapeNode {
  readonly kids: Map<string, ShapeNode>;
  /** Keys from the root to this node, in order. */
  readonly keys: readonly string[];
  /** The sequence's builder (undefined: not made yet; null: past the bound). */
  build: ShapeBuilder | null | undefined;
  template: JsonObject | null;
}

type ShapeBuilder = (values: readonly JsonValue[]) => JsonObject;

/** Most trie nodes kept (each one a key sequence prefix); bounds memory with adversarial key orders. */
const SHAPE_NODES_MAX = 20_000;
/** Most builders made (each one a compiled function). */
const SHAPE_BUILDERS_MAX = 256;
const shapeRoot: ShapeNode = { kids: new Map(), keys: [], build: undefined, template: null };
let shapeNodes = 0;
let shapeBuilders = 0;

function childShape(node: ShapeNode, key: string): ShapeNode | null {
  let child = node.kids.get(key);
  if (child === undefined) {
    if (shapeNodes >= SHAPE_NODES_MAX) return null;
    shapeNodes++;
    child = { kids: new Map(), keys: [...node.keys, key], build: undefined, template: null };
    node.kids.set(key, child);
  }
  return child;
}

function builderOf(node: ShapeNode): ShapeBuilder | null {
  if (node.build === undefined) {
    // A "__proto__" key in an object literal would set the prototype: such a sequence takes the template.
    const fits = shapeBuilders < SHAPE_BUILDERS_MAX && !node.keys.includes('__proto__');
    node.build = fits ? compileBuilder(node.keys) : null;
    if (fits) shapeBuilders++;
  }
  return node.build;
}

function compileBuilder(keys: readonly string[]): ShapeBuilder {
  // JSON string literals are JavaScript string literals: each key is written as the name it is.
  const props = keys.map((k, i) => `${JSON.stringify(k)}:v[${i}]`).join(',');
  return new Function('v', `return {${props}};`) as ShapeBuilder;
}

function templateOf(node: ShapeNode): JsonObject {
  // Canonical names never include "__proto__", so JSON text and plain stores agree.
  node.template ??= JSON.parse(
    `{${node.keys.map((k) => `${JSON.stringify(k)}:null`).join(',')}}`,
  ) as JsonObject;
  return node.template;
}

// The node of the last key sequence built: events of one source mostly repeat it, and comparing the
// keys with it is cheaper than walking the trie.
let lastShape: ShapeNode = shapeRoot;

function isLastShape(keys: readonly string[], count: number): boolean {
  const last = lastShape.keys;
  if (last.length !== count) return false;
  for (let i = 0; i < count; i++) if (last[i] !== keys[i]) return false;
  return true;
}

function shapeOf(keys: readonly string[], count: number): ShapeNode | null {
  if (isLastShape(keys, count)) return lastShape;
  let node: ShapeNode | null = shapeRoot;
  for (let i = 0; i < count && node !== null; i++) node = childShape(node, keys[i] as string);
  if (node !== null) lastShape = node;
  return node;
}

/**
 * Builds `api` with the builder of its key sequence, else from the sequence's template, else (past the
 * trie's bound) the plain way.
 */
export const shapedApiBuilder: ApiBuilder = (keys, values, count) => {
  const node = shapeOf(keys, count);
  if (node === null) return plainApiBuilder(keys, values, count);
  const build = builderOf(node);
  if (build !== null) return build(values);
  const api: JsonObject = { ...templateOf(node) };
  for (let i = 0; i < count; i++) api[keys[i] as string] = values[i] as JsonValue;
  return api;
};

// Scratch lists of one normalization (normalizeApicEvent is synchronous and never re-entered), reused
// so a record does not allocate and grow two arrays.
const scratchKeys: string[] = [];
const scratchValues: JsonValue[] = [];

/** Stores an own property of `extra`, even one named "__proto__" (a plain store would set the prototype). */
function putExtra(extra: JsonObject, key: string, value: JsonValue): void {
  if (key === '__proto__') {
    Object.defineProperty(extra, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    extra[key] = value;
  }
}

/**
 * Normalizes a parsed API Connect API event into the canonical `api` object and the `extra` bag, both in
 * the event's key order.
 * Known fields (apic-fields.ts) are converted: status codes to `{code, reason, reasonGiven}`, date-times
 * to ISO-8601 UTC with milliseconds (the value as received kept as `<name>_original` when it differs),
 * numeric strings to numbers. A `null` known field is treated as absent. Unknown fields are kept
 * unchanged under `extra`. A number beyond the double range anywhere is `wrong-type`, nesting deeper
 * than {@link MAX_VALUE_DEPTH} is `too-deep`. Never throws.
 *
 * @example normalizeApicEvent({status_code: '200 OK', bytes_sent: '1590'})
 * // → {ok: true, api: {status: {code: 200, reason: 'OK', reasonGiven: true}, bytes_sent: 1590}, extra: {}}
 */
export function normalizeApicEvent(
  event: JsonObject,
  buildApi: ApiBuilder = FAST_PATHS.shapeCache ? shapedApiBuilder : plainApiBuilder,
): NormalizeResult {
  let count = 0;
  const extra: JsonObject = {};
  // One pass over the event's own keys (input order, so the same bytes give the same layout).
  for (const src in event) {
    if (!hasOwn.call(event, src)) continue;
    const value = event[src] as JsonValue;
    const field = APIC_FIELD_MAP.get(src);
    // Kept as is (unknown fields, `json` fields): checked for overflowed numbers and depth; the other
    // kinds take only finite numbers and no nesting (convert).
    if (field === undefined || (field.aliasOf !== undefined && Object.hasOwn(event, field.aliasOf))) {
      const problem = itemProblem(value, src, 1);
      if (problem !== null) return failure(problem);
      putExtra(extra, src, value);
      continue;
    }
    if (value === null) continue;
    if (field.kind === 'json') {
      const problem = itemProblem(value, src, 1);
      if (problem !== null) return failure(problem);
    }
    const out = convert(field.kind, value);
    if (out === undefined) return wrongType(src, field.kind, value);
    scratchKeys[count] = field.dst;
    scratchValues[count] = out;
    count++;
    if (field.kind === 'datetime' && out !== value) {
      scratchKeys[count] = field.original;
      scratchValues[count] = value;
      count++;
    }
  }
  const api = buildApi(scratchKeys, scratchValues, count);
  scratchValues.fill(null, 0, count);
  return { ok: true, api, extra };
}
