import { DLQ_REASON } from './constants.js';
import type { DlqHeader } from './dlq-entry.js';
import type { KeyFormat } from './formats/format.js';
import type { DecodedKafkaRecord } from './kafka-event.js';

/**
 * A decoded record, optionally carrying its key and value as bytes (the poller's direct path,
 * enrich-kafka-records.ts): then `key` / `value` are unused and their base64 text is derived from the
 * bytes only when needed.
 */
export interface WorkRecord extends DecodedKafkaRecord {
  readonly keyBytes?: Buffer | null;
  readonly valueBytes?: Buffer | null;
}

/** The value's bytes, or why there are none (a DLQ reason). */
export type ValueBytes =
  | { readonly ok: true; readonly bytes: Buffer }
  | { readonly ok: false; readonly reason: string };

/** A key as the canonical record carries it. */
export interface RecordKey {
  readonly key: string | null;
  readonly keyEncoding: 'utf8' | 'base64' | null;
}

const NO_KEY: RecordKey = { key: null, keyEncoding: null };

/**
 * Decodes base64, or returns null when the text is not valid base64. Node's decoder skips characters
 * outside the alphabet, so a decoded length short of what the text length promises means invalid input
 * (much cheaper than a regular expression over a 5 KB value). The URL-safe alphabet is tolerated.
 */
function decodeBase64(text: string): Buffer | null {
  if (text.length % 4 !== 0) return null;
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const bytes = Buffer.from(text, 'base64');
  return bytes.length === (text.length / 4) * 3 - pad ? bytes : null;
}

/** The value's bytes: a tombstone is `missing-value`, bad transport encoding `invalid-base64`. */
export function valueBytesOf(r: WorkRecord): ValueBytes {
  const direct = r.valueBytes !== undefined;
  if (direct ? r.valueBytes === null : r.value === null)
    return { ok: false, reason: `${DLQ_REASON.missingValue}: the record has no value (tombstone)` };
  const bytes = direct ? (r.valueBytes as Buffer) : decodeBase64(r.value as string);
  if (bytes === null)
    return { ok: false, reason: `${DLQ_REASON.invalidBase64}: the value is not valid base64` };
  return { ok: true, bytes };
}

/**
 * The record's key through the key format; a key the format gives no text for (or one that is not even
 * valid base64) stays base64, as received.
 */
export function recordKeyOf(r: WorkRecord, format: KeyFormat): RecordKey {
  if (r.keyBytes !== undefined) {
    if (r.keyBytes === null) return NO_KEY;
    return format.decode(r.keyBytes) ?? { key: r.keyBytes.toString('base64'), keyEncoding: 'base64' };
  }
  if (r.key === null) return NO_KEY;
  const bytes = decodeBase64(r.key);
  return (bytes === null ? null : format.decode(bytes)) ?? { key: r.key, keyEncoding: 'base64' };
}

/** The key as base64 text, as the DLQ entry keeps it. */
export function base64Key(r: WorkRecord): string | null {
  if (r.keyBytes === undefined) return r.key;
  return r.keyBytes === null ? null : r.keyBytes.toString('base64');
}

/** The value as base64 text, as the DLQ entry keeps it. */
export function base64Value(r: WorkRecord): string | null {
  if (r.valueBytes === undefined) return r.value;
  return r.valueBytes === null ? null : r.valueBytes.toString('base64');
}

/** The value bytes of records that have one (what a format's `prepare` is given). */
export function valuePayloads(records: readonly WorkRecord[]): Buffer[] {
  const out: Buffer[] = [];
  for (const r of records) {
    const v = valueBytesOf(r);
    if (v.ok) out.push(v.bytes);
  }
  return out;
}

/** The key bytes of records that have one (what a key format's `prepare` is given). */
export function keyPayloads(records: readonly WorkRecord[]): Buffer[] {
  const out: Buffer[] = [];
  for (const r of records) {
    if (r.keyBytes !== undefined) {
      if (r.keyBytes !== null) out.push(r.keyBytes);
    } else if (r.key !== null) {
      const bytes = decodeBase64(r.key);
      if (bytes !== null) out.push(bytes);
    }
  }
  return out;
}

/** The record's headers as the DLQ entry keeps them: one entry per value, base64. */
export function dlqHeaders(raw: DecodedKafkaRecord['rawHeaders']): DlqHeader[] {
  const out: DlqHeader[] = [];
  for (const entry of raw ?? []) {
    for (const name of Object.keys(entry)) {
      const v = entry[name];
      out.push({
        name,
        value:
          typeof v === 'string'
            ? Buffer.from(v, 'utf8').toString('base64')
            : Buffer.from(v as number[]).toString('base64'),
      });
    }
  }
  return out;
}
