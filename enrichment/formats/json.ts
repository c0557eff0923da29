import { isUtf8 } from 'node:buffer';
import { DLQ_REASON } from '../constants.js';
import type { JsonObject } from '../normalize.js';
import type { DecodedValue, ValueFormat } from './format.js';

function kindOf(parsed: unknown): string {
  if (parsed === null) return 'null';
  return Array.isArray(parsed) ? 'an array' : `a ${typeof parsed}`;
}

function notAnObject(parsed: unknown, where: string): DecodedValue {
  return {
    ok: false,
    reason: `${DLQ_REASON.notAnObject}: ${where} is ${kindOf(parsed)}, expected a JSON object`,
  };
}

function isObject(parsed: unknown): parsed is JsonObject {
  return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed);
}

/**
 * Newline-delimited JSON (one API event per line, as bulk activity-log offloads write them), or null
 * when the text is not that: then the caller reports the whole-text parse error. Blank lines are
 * skipped; every other line must be one JSON object.
 */
function decodeLines(text: string): DecodedValue | null {
  const events: JsonObject[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (err) {
      if (events.length === 0) return null;
      return { ok: false, reason: `${DLQ_REASON.invalidJson}: line ${i + 1}: ${(err as Error).message}` };
    }
    if (!isObject(parsed)) return notAnObject(parsed, `line ${i + 1}`);
    events.push(parsed);
  }
  if (events.length < 2) return null;
  return { ok: true, event: events[0] as JsonObject, events };
}

/**
 * JSON values (the default): UTF-8 text holding one JSON object, or several as newline-delimited JSON
 * (one object per line; each becomes its own canonical record). A leading UTF-8 byte order mark is
 * skipped. Anything else is a DLQ reason: `invalid-utf8`, `invalid-json` (with the parser's message) or
 * `not-an-object`.
 *
 * @example jsonFormat.decode(Buffer.from('{"a":1}')) // → {ok: true, event: {a: 1}}
 */
export const jsonFormat: ValueFormat = {
  name: 'json',
  decode(bytes: Buffer): DecodedValue {
    const bom = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
    const text = bom ? bytes.toString('utf8', 3) : bytes.toString('utf8');
    // The decoder turns every invalid sequence into U+FFFD, so bytes whose text has none are valid
    // UTF-8 and only a text with one needs the exact check (which then also catches a U+FFFD written as
    // valid UTF-8). Searching a Latin-1 text for U+FFFD returns at once.
    if (text.includes('\uFFFD') && !isUtf8(bytes))
      return { ok: false, reason: `${DLQ_REASON.invalidUtf8}: the value is not valid UTF-8` };
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      const lines = text.includes('\n') ? decodeLines(text) : null;
      return lines ?? { ok: false, reason: `${DLQ_REASON.invalidJson}: ${(err as Error).message}` };
    }
    if (!isObject(parsed)) return notAnObject(parsed, 'the value');
    return { ok: true, event: parsed };
  },
};
