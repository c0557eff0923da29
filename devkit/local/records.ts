/**
 * The records a local run produces (pure): API Connect events from devkit/apic-generator.ts (with its 5 %
 * anomalies) and, at a configurable share, poison records a Pipe must not stall on: not JSON, not UTF-8,
 * JSON with wrong types. Every record carries a `local-seq` header; half of them carry a key (the
 * transaction id) so key filters and record-key partition keys see both cases.
 */
import { type ApicGenerator, createApicGenerator, isApicAnomaly } from '../apic-generator.js';
import type { ValueEncoder } from './registry-values.js';

/** Kinds of produced records. */
export const RECORD_KINDS = [
  'apic',
  'apic-anomaly',
  'poison-not-json',
  'poison-not-utf8',
  'poison-wrong-type',
] as const;
/** A kind of produced record. */
export type RecordKind = (typeof RECORD_KINDS)[number];

const POISON_KINDS = ['poison-not-json', 'poison-not-utf8', 'poison-wrong-type'] as const;

/** One record to produce. */
export interface LocalRecord {
  readonly seq: number;
  readonly kind: RecordKind;
  readonly key: Buffer | null;
  readonly value: Buffer;
  readonly headers: Record<string, string>;
}

/**
 * Whether record `seq` (0-based) is poison: exactly ⌊n × share⌋ of the first n records are,
 * spread evenly.
 * @example isPoison(9, 0.1) // true (the 10th record)
 */
export function isPoison(seq: number, share: number): boolean {
  return Math.floor((seq + 1) * share) > Math.floor(seq * share);
}

/** A deterministic source of local records for one topic. */
export interface RecordSource {
  next(): LocalRecord;
}

/**
 * Creates the record source of a topic (same seed + topic ⇒ same records). With an `encoder`, the API
 * Connect events are written as it encodes them (devkit/local/registry-values.ts); poison stays as is.
 */
export function createRecordSource(opts: {
  seed: string;
  topic: string;
  poisonShare: number;
  encoder?: ValueEncoder;
}): RecordSource {
  const gen: ApicGenerator = createApicGenerator({ seed: `${opts.seed}:${opts.topic}` });
  let seq = 0;
  let poisonCount = 0;
  return {
    next() {
      const s = seq++;
      const headers = { 'local-seq': String(s), 'content-type': 'application/json' };
      if (isPoison(s, opts.poisonShare)) {
        const kind = POISON_KINDS[poisonCount++ % POISON_KINDS.length] as RecordKind;
        const key = s % 2 === 0 ? Buffer.from(`poison-${s}`) : null;
        if (kind === 'poison-not-json') {
          return {
            seq: s,
            kind,
            key,
            value: Buffer.from(`status=500 app=APP1 seq=${s} (not json)`),
            headers,
          };
        }
        if (kind === 'poison-not-utf8') {
          return { seq: s, kind, key, value: Buffer.from([0xc3, 0x28, 0xff, 0xfe, s & 0xff]), headers };
        }
        const event = gen.next();
        const wrong = { ...event, status_code: { unexpected: true }, time_to_serve_request: 'slow' };
        return { seq: s, kind, key, value: Buffer.from(JSON.stringify(wrong)), headers };
      }
      const event = gen.next();
      const encoded = opts.encoder?.encode(event, s);
      return {
        seq: s,
        kind: isApicAnomaly(event) ? 'apic-anomaly' : 'apic',
        key: s % 2 === 0 ? Buffer.from(event.transaction_id) : null,
        value: encoded?.value ?? Buffer.from(JSON.stringify(event)),
        headers: encoded ? { ...headers, 'content-type': encoded.contentType } : headers,
      };
    },
  };
}
