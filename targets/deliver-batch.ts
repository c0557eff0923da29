/**
 * Pure delivery logic of the FIRE_AND_FORGET sink: writes the enrichment output (canonical records) to
 * the data-lake stream with PutRecords, re-sends only the entries Kinesis rejected, and throws when some
 * entries still fail so Lambda's async retries and then the DLQ / on-failure destination take over.
 */
import { NonRetriableError, RetriableError } from '../core/errors.js';

/** Limits of one PutRecords call. */
export const PUT_RECORDS_MAX_ENTRIES = 500;
/** Summed data + partition key bytes allowed in one PutRecords call (5 MiB). */
export const PUT_RECORDS_MAX_BYTES = 5 * 1024 * 1024;
/** Partition key length limit (characters). */
export const PARTITION_KEY_MAX_CHARS = 256;
/** Default attempts per chunk (first call + re-sends of failed entries). */
export const DEFAULT_ATTEMPTS = 4;
/** Default base delay of the exponential backoff between attempts. */
export const DEFAULT_BASE_DELAY_MS = 100;

/** One record to put. */
export interface StreamEntry {
  readonly partitionKey: string;
  readonly data: Uint8Array;
}

/** Per-entry outcome of a PutRecords call, aligned with the entries: no errorCode = written. */
export interface StreamEntryResult {
  readonly errorCode?: string;
}

/** The Kinesis port: one PutRecords call. Throws when the call itself fails. */
export interface KinesisPort {
  putRecords(entries: readonly StreamEntry[]): Promise<readonly StreamEntryResult[]>;
}

/** Options of {@link deliverBatch}. */
export interface DeliverOptions {
  /** Attempts per chunk (≥ 1). Default {@link DEFAULT_ATTEMPTS}. */
  readonly attempts?: number;
  /** Base backoff delay; attempt n waits base × 2^(n-1). Default {@link DEFAULT_BASE_DELAY_MS}. */
  readonly baseDelayMs?: number;
  /** Injected sleep (tests pass a no-op). */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** What a delivery did. */
export interface DeliverResult {
  /** Records written. */
  readonly delivered: number;
  /** PutRecords calls made. */
  readonly calls: number;
  /** Entries re-sent after a rejection or a failed call. */
  readonly resent: number;
}

/** Raised when the event is not an array of records with a partition key: retrying cannot help. */
export class InvalidSinkEventError extends NonRetriableError {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidSinkEventError';
  }
}

const encoder = new TextEncoder();

/**
 * Turns the Lambda event (the enrichment output: an array of canonical records) into stream entries.
 * Each record's bytes are its compact JSON, exactly what the enrichment returned.
 * @throws InvalidSinkEventError when the event is not such an array.
 */
export function toStreamEntries(event: unknown): StreamEntry[] {
  if (!Array.isArray(event)) {
    throw new InvalidSinkEventError(`Sink event must be an array of records, received ${typeof event}`);
  }
  return event.map((record, index) => {
    const key = (record as { partitionKey?: unknown } | null)?.partitionKey;
    if (typeof record !== 'object' || record === null || typeof key !== 'string' || key.length === 0) {
      throw new InvalidSinkEventError(`Record ${index} has no partitionKey string`);
    }
    if (key.length > PARTITION_KEY_MAX_CHARS) {
      throw new InvalidSinkEventError(
        `Record ${index} partitionKey has ${key.length} characters; the limit is ${PARTITION_KEY_MAX_CHARS}`,
      );
    }
    return { partitionKey: key, data: encoder.encode(JSON.stringify(record)) };
  });
}

/** Splits entries into PutRecords-sized chunks (≤ 500 entries, ≤ 5 MiB). */
export function chunkEntries(entries: readonly StreamEntry[]): StreamEntry[][] {
  const chunks: StreamEntry[][] = [];
  let current: StreamEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size = entry.data.byteLength + encoder.encode(entry.partitionKey).byteLength;
    if (
      current.length > 0 &&
      (current.length === PUT_RECORDS_MAX_ENTRIES || bytes + size > PUT_RECORDS_MAX_BYTES)
    ) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Delivers the batch to the stream. Entries Kinesis rejects (throttling, internal errors) are re-sent
 * with exponential backoff; a failed call re-sends the whole chunk.
 * @throws RetriableError naming how many records were not written and the last error codes.
 * @throws InvalidSinkEventError when the event is malformed.
 */
export async function deliverBatch(
  event: unknown,
  port: KinesisPort,
  options: DeliverOptions = {},
): Promise<DeliverResult> {
  const attempts = Math.max(1, options.attempts ?? DEFAULT_ATTEMPTS);
  const baseDelayMs = options.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
  const sleep = options.sleep ?? defaultSleep;
  const entries = toStreamEntries(event);
  let delivered = 0;
  let calls = 0;
  let resent = 0;
  for (const chunk of chunkEntries(entries)) {
    let pending: readonly StreamEntry[] = chunk;
    let lastErrors: string[] = [];
    for (let attempt = 1; attempt <= attempts && pending.length > 0; attempt++) {
      if (attempt > 1) {
        resent += pending.length;
        await sleep(baseDelayMs * 2 ** (attempt - 2));
      }
      calls++;
      let results: readonly StreamEntryResult[];
      try {
        results = await port.putRecords(pending);
      } catch (error) {
        lastErrors = [(error as Error).name || 'Error'];
        continue;
      }
      const failed: StreamEntry[] = [];
      const codes = new Set<string>();
      pending.forEach((entry, i) => {
        const code = results[i] === undefined ? 'MissingResult' : results[i]?.errorCode;
        if (code) {
          failed.push(entry);
          codes.add(code);
        }
      });
      delivered += pending.length - failed.length;
      pending = failed;
      lastErrors = [...codes];
    }
    if (pending.length > 0) {
      throw new RetriableError(
        `${pending.length} of ${entries.length} records were not written to the stream after ${attempts} attempts (${lastErrors.join(', ')})`,
      );
    }
  }
  return { delivered, calls, resent };
}
