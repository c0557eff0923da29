import { isUtf8 } from 'node:buffer';
import { DLQ_REASON } from '../constants.js';
import type { JsonObject } from '../normalize.js';
import type { DecodedValue, ValueFormat } from './format.js';

function kindOf(parsed: unknown): string {
  if (parsed === null) return 'null';
  return Array.isArray(parsed) ? 'an array' : `a ${typeof parsed}`;
}

/**
 * JSON values (the default): UTF-8 text holding one JSON object. Anything else is a DLQ reason:
 * `invalid-utf8`, `invalid-json` (with the parser's message) or `not-an-object`.
 *
 * @example jsonFormat.decode(Buffer.from('{"a":1}')) // → {ok: true, event: {a: 1}}
 */
export const jsonFormat: ValueFormat = {
  name: 'json',
  decode(bytes: Buffer): DecodedValue {
    if (!isUtf8(bytes))
      return { ok: false, reason: `${DLQ_REASON.invalidUtf8}: the value is not valid UTF-8` };
    let parsed: unknown;
    try {
      parsed = JSON.parse(bytes.toString('utf8'));
    } catch (err) {
      return { ok: false, reason: `${DLQ_REASON.invalidJson}: ${(err as Error).message}` };
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      return {
        ok: false,
        reason: `${DLQ_REASON.notAnObject}: the value is ${kindOf(parsed)}, expected a JSON object`,
      };
    }
    return { ok: true, event: parsed as JsonObject };
  },
};
