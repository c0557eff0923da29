import { APIC_FIELD_MAP } from './apic-fields.js';
import { DLQ_REASON } from './constants.js';
import { toIsoUtc } from './datetime.js';
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
 * Normalizes a parsed API Connect API event into the canonical `api` object and the `extra` bag, both in
 * the event's key order.
 * Known fields (apic-fields.ts) are converted: status codes to `{code, reason}`, date-times to ISO-8601
 * UTC with milliseconds, numeric strings to numbers. A `null` known field is treated as absent.
 * Unknown fields are kept unchanged under `extra`. Never throws.
 *
 * @example normalizeApicEvent({status_code: '200 OK', bytes_sent: '1590'})
 * // → {ok: true, api: {bytes_sent: 1590, status: {code: 200, reason: 'OK'}}, extra: {}}
 */
export function normalizeApicEvent(event: JsonObject): NormalizeResult {
  const api: JsonObject = {};
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
    switch (kind) {
      case 'string':
        if (typeof value === 'string') api[dst] = value;
        else if (typeof value === 'number' && Number.isFinite(value)) api[dst] = String(value);
        else return wrongType(src, 'a string', value);
        break;
      case 'number':
        if (typeof value === 'number') api[dst] = value;
        else if (typeof value === 'string' && NUMERIC_PATTERN.test(value)) api[dst] = Number(value);
        else return wrongType(src, 'a number or a numeric string', value);
        break;
      case 'datetime': {
        const iso = toIsoUtc(value);
        if (iso === null) return wrongType(src, 'an ISO-8601 date-time or epoch milliseconds', value);
        api[dst] = iso;
        break;
      }
      case 'status': {
        const status = parseHttpStatus(value);
        if (status === null) return wrongType(src, 'an HTTP status like "200 OK" or 404', value);
        api[dst] = { code: status.code, reason: status.reason };
        break;
      }
      default:
        api[dst] = value;
    }
  }
  return { ok: true, api, extra };
}
