import { type InfrastructureError, RetriableError } from '../core/errors.js';
import { type BackoffOptions, backoffDelayMs, DEFAULT_BACKOFF } from './backoff.js';
import { type BatchLimits, chunkIndexes, PUT_RECORDS_LIMITS, type SinkEntry } from './batching.js';
import { KINESIS_MAX_ATTEMPTS } from './constants.js';
import type { SinkPort } from './kinesis-sink.js';

/** Options of {@link deliverEntries}. */
export interface DeliverOptions {
  /** Attempts per entry, first try included. */
  readonly maxAttempts?: number;
  readonly backoff?: BackoffOptions;
  readonly limits?: BatchLimits;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random?: () => number;
}

/** What {@link deliverEntries} achieved. */
export interface DeliverResult {
  /** Indexes (into the input) acknowledged by Kinesis. */
  readonly acknowledged: number;
  /** Indexes still failing after `maxAttempts`, ascending. */
  readonly failed: number[];
  /** PutRecords calls made (retries included). */
  readonly calls: number;
  /** Last error code or thrown message seen, for the response detail. */
  readonly lastError: string | null;
}

/**
 * Writes entries with PutRecords in calls of ≤ 500 records and ≤ 5 MiB. Entries a call reports as
 * failed (FailedRecordCount) — or all of a call that threw a RetriableError — are retried with
 * exponential backoff and full jitter, up to `maxAttempts` per entry. Never throws for retriable faults:
 * the caller commits only up to the first failed entry.
 */
export async function deliverEntries(
  entries: readonly SinkEntry[],
  sink: SinkPort,
  options: DeliverOptions,
): Promise<DeliverResult> {
  const maxAttempts = options.maxAttempts ?? KINESIS_MAX_ATTEMPTS;
  const limits = options.limits ?? PUT_RECORDS_LIMITS;
  let pending = entries.map((_, i) => i);
  let calls = 0;
  let lastError: string | null = null;
  for (let attempt = 1; attempt <= maxAttempts && pending.length > 0; attempt++) {
    if (attempt > 1) {
      await options.sleep(backoffDelayMs(attempt - 1, options.backoff ?? DEFAULT_BACKOFF, options.random));
    }
    const stillFailing: number[] = [];
    for (const call of chunkIndexes(entries, limits, pending)) {
      calls++;
      try {
        const results = await sink.putRecords(call.map((i) => entries[i] as SinkEntry));
        call.forEach((index, k) => {
          const r = results[k];
          if (r?.errorCode) {
            lastError = r.errorCode;
            stillFailing.push(index);
          }
        });
      } catch (error) {
        if (!(error instanceof RetriableError) && (error as InfrastructureError).retriable !== true)
          throw error;
        lastError = (error as Error).message;
        stillFailing.push(...call);
      }
    }
    pending = stillFailing.sort((a, b) => a - b);
  }
  return { acknowledged: entries.length - pending.length, failed: pending, calls, lastError };
}
