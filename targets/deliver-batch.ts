/**
 * Pure delivery logic of the FIRE_AND_FORGET sink: writes the enrichment output (canonical records) to
 * the data-lake stream with the shared Kinesis delivery (core/kinesis-delivery.ts: PutRecords calls of
 * ≤ 500 entries / ≤ 5 MiB, re-sends of rejected entries with backoff and full jitter), and throws when
 * some entries still fail so Lambda's async retries and then the DLQ / on-failure destination take over.
 */
import { NonRetriableError, RetriableError } from '../core/errors.js';
import {
  BACKOFF_BASE_MS,
  BACKOFF_MAX_MS,
  deliverEntries,
  PARTITION_KEY_MAX_CHARS,
  type SinkEntry,
  type SinkPort,
} from '../core/kinesis-delivery.js';

/** Default attempts per entry (first call + re-sends); Lambda's async retries come on top. */
export const DEFAULT_ATTEMPTS = 4;

/** Options of {@link deliverBatch}. */
export interface DeliverBatchOptions {
  /** Attempts per entry (≥ 1). Default {@link DEFAULT_ATTEMPTS}. */
  readonly attempts?: number;
  /** Backoff base: re-send n waits a jittered delay below min(5 s, base × 2^(n-1)). Default 100 ms. */
  readonly baseDelayMs?: number;
  /** Injected sleep (tests pass a no-op). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Injected jitter source in [0, 1). Default `Math.random`. */
  readonly random?: () => number;
}

/** What a delivery did. */
export interface DeliverBatchResult {
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
export function toStreamEntries(event: unknown): SinkEntry[] {
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

/**
 * Delivers the batch to the stream. Entries Kinesis rejects (throttling, internal errors) and the
 * entries of a call that failed with a RetriableError are re-sent with exponential backoff and jitter.
 * @throws RetriableError naming how many records were not written and the last error codes.
 * @throws InvalidSinkEventError when the event is malformed.
 * @throws the port's error when a call fails with a non-retriable error.
 */
export async function deliverBatch(
  event: unknown,
  port: SinkPort,
  options: DeliverBatchOptions = {},
): Promise<DeliverBatchResult> {
  const attempts = Math.max(1, options.attempts ?? DEFAULT_ATTEMPTS);
  const entries = toStreamEntries(event);
  const result = await deliverEntries(entries, port, {
    maxAttempts: attempts,
    backoff: { baseMs: options.baseDelayMs ?? BACKOFF_BASE_MS, maxMs: BACKOFF_MAX_MS },
    sleep: options.sleep,
    random: options.random,
  });
  if (result.failed.length > 0) {
    throw new RetriableError(
      `${result.failed.length} of ${entries.length} records were not written to the stream after ${attempts} attempts (${result.lastErrorCodes.join(', ')})`,
    );
  }
  return { delivered: result.acknowledged, calls: result.calls, resent: result.resent };
}
