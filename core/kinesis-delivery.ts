/**
 * The delivery loop every writer shares (the fallback poller, the FIRE_AND_FORGET sink Lambda, `dlq
 * replay`), for Kinesis PutRecords and Firehose PutRecordBatch alike: calls within the port's count and
 * byte limits (Kinesis: ≤ 500 entries and ≤ 5 MiB with partition keys), re-sending only the entries the
 * service rejected (Kinesis FailedRecordCount, Firehose FailedPutCount) with exponential backoff and full
 * jitter; and the Kinesis PutRecords adapter (core/firehose-delivery.ts has Firehose's). Runtime code: no
 * aws-cdk-lib.
 */
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { DeliveryService } from './delivery-registry.js';
import { type InfrastructureError, RetriableError } from './errors.js';
import { lazySink, once } from './lazy.js';

/** Kinesis PutRecords: at most 500 records per call. */
export const PUT_RECORDS_MAX_RECORDS = 500;

/** Kinesis PutRecords: at most 5 MiB per call (data blobs plus partition keys). */
export const PUT_RECORDS_MAX_BYTES = 5 * 1024 * 1024;

/** Kinesis PutRecords: at most 1 MiB per record (data blob plus partition key). */
export const PUT_RECORDS_MAX_RECORD_BYTES = 1024 * 1024;

/** Kinesis partition key length limit (characters). */
export const PARTITION_KEY_MAX_CHARS = 256;

/** Exponential backoff base delay of re-sends (full jitter). */
export const BACKOFF_BASE_MS = 100;

/** Exponential backoff cap of re-sends (full jitter). */
export const BACKOFF_MAX_MS = 5_000;

/** Error code reported for an entry a PutRecords response has no result for. */
export const MISSING_RESULT_CODE = 'MissingResult';

/** One Kinesis entry: the serialized canonical record and its partition key. */
export interface SinkEntry {
  readonly partitionKey: string;
  readonly data: Uint8Array;
}

/** Result of one entry of a PutRecords call: absent errorCode = acknowledged. */
export interface SinkEntryResult {
  readonly errorCode?: string;
  readonly errorMessage?: string;
}

/**
 * Delivery port: one batch call (Kinesis PutRecords, Firehose PutRecordBatch) within `limits`; results
 * aligned with the entries. A failed call throws a RetriableError (re-sent) or any other error (not
 * retried, rethrown).
 */
export interface SinkPort {
  /** The limits of one call. Default {@link PUT_RECORDS_LIMITS}. */
  readonly limits?: BatchLimits;
  /** `abortSignal` ends the call (a RetriableError) when the caller's deadline passes. */
  putRecords(
    entries: readonly SinkEntry[],
    options?: { readonly abortSignal?: AbortSignal },
  ): Promise<readonly SinkEntryResult[]>;
}

/** Limits of one batch call. */
export interface BatchLimits {
  readonly maxRecords: number;
  readonly maxBytes: number;
  /** The service counts partition keys in `maxBytes` (Kinesis). Default true. */
  readonly countsPartitionKeys?: boolean;
  /** The most bytes of one record the service takes (records over it go to the DLQ before delivery). */
  readonly maxRecordBytes?: number;
}

/** The Kinesis PutRecords limits: 500 records and 5 MiB (data + partition key) per call. */
export const PUT_RECORDS_LIMITS: BatchLimits = {
  maxRecords: PUT_RECORDS_MAX_RECORDS,
  maxBytes: PUT_RECORDS_MAX_BYTES,
  maxRecordBytes: PUT_RECORDS_MAX_RECORD_BYTES,
};

/** Exponential backoff settings. */
export interface BackoffOptions {
  readonly baseMs: number;
  readonly maxMs: number;
}

/** Default backoff: 100 ms doubling, capped at 5 s. */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: BACKOFF_BASE_MS, maxMs: BACKOFF_MAX_MS };

/**
 * Size a service counts for an entry: data bytes plus (Kinesis) the UTF-8 bytes of the partition key.
 * @param countsPartitionKey false for a service without partition keys (Firehose).
 */
export function entrySizeBytes(entry: SinkEntry, countsPartitionKey = true): number {
  return entry.data.byteLength + (countsPartitionKey ? Buffer.byteLength(entry.partitionKey, 'utf8') : 0);
}

/**
 * Splits entry indexes into PutRecords calls, in order, each within `limits`. An entry larger than
 * `maxBytes` on its own still gets a call of its own (Kinesis then rejects it; the enrichment already
 * routes records over 1 MiB to the DLQ).
 *
 * @example chunkIndexes(entries, { maxRecords: 500, maxBytes: 5 * 1024 * 1024 }) // → [[0..499], [500..]]
 */
export function chunkIndexes(
  entries: readonly SinkEntry[],
  limits: BatchLimits = PUT_RECORDS_LIMITS,
  indexes: readonly number[] = entries.map((_, i) => i),
): number[][] {
  const calls: number[][] = [];
  let current: number[] = [];
  let bytes = 0;
  for (const i of indexes) {
    const entry = entries[i];
    if (!entry) continue;
    const size = entrySizeBytes(entry, limits.countsPartitionKeys !== false);
    if (current.length > 0 && (current.length >= limits.maxRecords || bytes + size > limits.maxBytes)) {
      calls.push(current);
      current = [];
      bytes = 0;
    }
    current.push(i);
    bytes += size;
  }
  if (current.length > 0) calls.push(current);
  return calls;
}

/**
 * Delay before retry number `retry` (1 = first retry) with "full jitter":
 * uniform in [0, min(maxMs, baseMs · 2^(retry-1))). `random` returns a number in [0, 1).
 *
 * @example backoffDelayMs(3, { baseMs: 100, maxMs: 5000 }, () => 0.5) // → 200
 */
export function backoffDelayMs(
  retry: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
  random = Math.random,
): number {
  if (!Number.isInteger(retry) || retry < 1) {
    throw new RangeError(`retry must be an integer >= 1, received ${retry}`);
  }
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}

/** Options of {@link deliverEntries}. */
export interface DeliverOptions {
  /** Attempts per entry, first try included (≥ 1). */
  readonly maxAttempts: number;
  /** Backoff between attempts. Default {@link DEFAULT_BACKOFF}. */
  readonly backoff?: BackoffOptions;
  /** Limits of one call. Default: the port's, else {@link PUT_RECORDS_LIMITS}. */
  readonly limits?: BatchLimits;
  /** Injected sleep (tests pass a recorder). Default: a timer. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Injected jitter source in [0, 1). Default `Math.random`. */
  readonly random?: () => number;
  /**
   * Milliseconds left for the whole delivery (default: no deadline). Each call is aborted when it runs out,
   * and no call or retry starts after it: the entries not yet acknowledged are reported failed.
   */
  readonly timeLeftMs?: () => number;
}

/** What {@link deliverEntries} achieved. */
export interface DeliverResult {
  /** Entries acknowledged by Kinesis. */
  readonly acknowledged: number;
  /** Indexes (into the input) still failing after `maxAttempts`, ascending. */
  readonly failed: number[];
  /** PutRecords calls made (retries included). */
  readonly calls: number;
  /** Entries re-sent after a rejection or a failed call (summed over the retries). */
  readonly resent: number;
  /** Last error code or thrown message seen, for a response detail. */
  readonly lastError: string | null;
  /**
   * Distinct error codes of the last attempt, in order of appearance: an entry's errorCode, or for a
   * call that threw, the name of the error's cause (the SDK exception) or else of the error itself.
   */
  readonly lastErrorCodes: string[];
}

const timerSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The code a thrown PutRecords call is reported with: the cause's name (SDK exception) or the error's. */
function thrownErrorCode(error: Error): string {
  const cause = error.cause;
  if (cause instanceof Error && cause.name) return cause.name;
  return error.name || 'Error';
}

/**
 * Writes entries in calls within the limits (Kinesis PutRecords: ≤ 500 records and ≤ 5 MiB). Entries a
 * call reports as failed (Kinesis FailedRecordCount, Firehose FailedPutCount, or no result at all) — or all of a call that threw a RetriableError — are
 * re-sent with exponential backoff and full jitter, up to `maxAttempts` per entry. Never throws for
 * retriable faults: the result names the entries still failing (the poller commits only up to the first
 * of them; the sink throws).
 * @throws the port's error when a call fails with a non-retriable error.
 */
export async function deliverEntries(
  entries: readonly SinkEntry[],
  sink: SinkPort,
  options: DeliverOptions,
): Promise<DeliverResult> {
  const limits = options.limits ?? sink.limits ?? PUT_RECORDS_LIMITS;
  const sleep = options.sleep ?? timerSleep;
  let pending = entries.map((_, i) => i);
  let calls = 0;
  let resent = 0;
  let lastError: string | null = null;
  let lastErrorCodes: string[] = [];
  const timeLeftMs = options.timeLeftMs ?? (() => Number.POSITIVE_INFINITY);
  for (let attempt = 1; attempt <= options.maxAttempts && pending.length > 0; attempt++) {
    if (attempt > 1) {
      const delay = backoffDelayMs(attempt - 1, options.backoff ?? DEFAULT_BACKOFF, options.random);
      if (timeLeftMs() <= delay) {
        lastError = `${lastError ?? 'failed'}; no time left for another attempt (delivery deadline)`;
        break;
      }
      resent += pending.length;
      await sleep(delay);
    }
    const stillFailing: number[] = [];
    const codes = new Set<string>();
    for (const call of chunkIndexes(entries, limits, pending)) {
      const left = timeLeftMs();
      if (left <= 0) {
        lastError = 'delivery deadline reached (the poll keeps its remaining time to finish)';
        codes.add('DeadlineExceeded');
        stillFailing.push(...call);
        continue;
      }
      calls++;
      try {
        const signal = Number.isFinite(left) ? { abortSignal: AbortSignal.timeout(left) } : undefined;
        const results = await sink.putRecords(
          call.map((i) => entries[i] as SinkEntry),
          signal,
        );
        call.forEach((index, k) => {
          const code = results[k] === undefined ? MISSING_RESULT_CODE : results[k]?.errorCode;
          if (code) {
            lastError = code;
            codes.add(code);
            stillFailing.push(index);
          }
        });
      } catch (error) {
        if (!(error instanceof RetriableError) && (error as InfrastructureError).retriable !== true)
          throw error;
        lastError = (error as Error).message;
        codes.add(thrownErrorCode(error as Error));
        stillFailing.push(...call);
      }
    }
    pending = stillFailing.sort((a, b) => a - b);
    lastErrorCodes = [...codes];
  }
  return {
    acknowledged: entries.length - pending.length,
    failed: pending,
    calls,
    resent,
    lastError,
    lastErrorCodes,
  };
}

/** The Kinesis SDK package, loaded on the first PutRecords (core/lazy.ts). */
const kinesisSdk = once(() => import('@aws-sdk/client-kinesis'));

/**
 * Kinesis PutRecords adapter. A failed call throws a RetriableError whose `cause` is the SDK error;
 * per-entry failures are results (a missing result is reported as {@link MISSING_RESULT_CODE}).
 */
export function createKinesisSink(kinesis: KinesisClient, streamName: string): SinkPort {
  return {
    limits: PUT_RECORDS_LIMITS,
    async putRecords(entries, options) {
      try {
        const { PutRecordsCommand } = await kinesisSdk();
        const out = await kinesis.send(
          new PutRecordsCommand({
            StreamName: streamName,
            Records: entries.map((e) => ({ PartitionKey: e.partitionKey, Data: e.data })),
          }),
          options?.abortSignal ? { abortSignal: options.abortSignal } : {},
        );
        const records = out.Records ?? [];
        return entries.map((_, i) => {
          const r = records[i];
          if (!r) return { errorCode: MISSING_RESULT_CODE, errorMessage: 'no result for entry' };
          return r.ErrorCode ? { errorCode: r.ErrorCode, errorMessage: r.ErrorMessage ?? '' } : {};
        });
      } catch (error) {
        throw new RetriableError(`kinesis PutRecords to ${streamName} failed: ${(error as Error).message}`, {
          cause: error,
        });
      }
    },
  };
}

/** Kinesis as a delivery service (core/delivery-registry.ts): the data-lake stream of POLLER_CONFIG `streamName`. */
export const kinesisDelivery: DeliveryService<'kinesis'> = {
  type: 'kinesis',
  configField: 'streamName',
  limits: PUT_RECORDS_LIMITS,
  sink: (clients, name) =>
    lazySink(PUT_RECORDS_LIMITS, async () => createKinesisSink(await clients.kinesis(), name)),
};
