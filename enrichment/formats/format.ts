/**
 * The decoding seam: a record's value (and key) bytes go through a format module chosen per source
 * (enrichment setting `VALUE_FORMAT` / `KEY_FORMAT`, or `EnrichContext.formats`). Both engines call the
 * same record path (enrich-batch.ts), so a format decodes alike in the Pipe enrichment Lambda and in
 * the fallback poller. Adding a format = one file here + one line in registry.ts.
 */
import type { JsonObject } from '../normalize.js';

/** A decoded value: the event object the normalization reads, or why it cannot be read. */
export type DecodedValue =
  | {
      readonly ok: true;
      readonly event: JsonObject;
      /**
       * Set when the value holds several events (newline-delimited JSON): all of them in order, `event`
       * being the first. Each becomes its own canonical record (enrich-batch.ts).
       */
      readonly events?: readonly JsonObject[];
    }
  /** `reason` starts with a DLQ reason code (constants.ts DLQ_REASON), then `: ` and the detail. */
  | { readonly ok: false; readonly reason: string };

/**
 * A value format. `decode` is synchronous and never throws (a bad value is a DLQ reason), so the record
 * path stays one loop with no await per record. A format that needs lookups (e.g. schemas by id from a
 * registry) does them in `prepare`, which the engines await once per batch before any record is decoded
 * (prepareFormats in enrich-batch.ts for the Pipe enrichment handler, prepareKafkaRecords in
 * enrich-kafka-records.ts for the poller), keeping what it fetched in its own bounded cache that `decode`
 * then reads. `prepare` may throw an error the engines retry (core/errors.ts RetriableError): the whole
 * batch is retried, no record goes to the DLQ for it.
 */
export interface ValueFormat {
  /** The name used in settings (`VALUE_FORMAT=json`). */
  readonly name: string;
  /** Decodes one value (never null: a tombstone is a DLQ entry before any format is asked). */
  decode(bytes: Buffer): DecodedValue;
  /** Resolves what `decode` needs for these values; absent for self-describing formats such as JSON. */
  prepare?(values: readonly Buffer[]): Promise<void>;
}

/** A key as the canonical record carries it (`kafka.key`, `kafka.keyEncoding = 'utf8'`). */
export interface DecodedKey {
  readonly key: string;
  readonly keyEncoding: 'utf8';
}

/**
 * A key format. `decode` returns null when the key has no text form in this format: the record then
 * carries the key's bytes as base64 (`keyEncoding: 'base64'`), exactly as they were received.
 */
export interface KeyFormat {
  /** The name used in settings (`KEY_FORMAT=text`). */
  readonly name: string;
  decode(bytes: Buffer): DecodedKey | null;
  /** Resolves what `decode` needs for these keys (as ValueFormat `prepare`); absent for text keys. */
  prepare?(keys: readonly Buffer[]): Promise<void>;
}

/** The formats of one source. */
export interface RecordFormats {
  readonly value: ValueFormat;
  readonly key: KeyFormat;
}
