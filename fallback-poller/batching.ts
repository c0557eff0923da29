import { KINESIS_MAX_BYTES_PER_CALL, KINESIS_MAX_RECORDS_PER_CALL } from './constants.js';

/** One Kinesis entry: the serialized canonical record and its partition key. */
export interface SinkEntry {
  readonly partitionKey: string;
  readonly data: Uint8Array;
}

/** Limits of one PutRecords call. */
export interface BatchLimits {
  readonly maxRecords: number;
  readonly maxBytes: number;
}

/** The Kinesis PutRecords limits: 500 records and 5 MiB (data + partition key) per call. */
export const PUT_RECORDS_LIMITS: BatchLimits = {
  maxRecords: KINESIS_MAX_RECORDS_PER_CALL,
  maxBytes: KINESIS_MAX_BYTES_PER_CALL,
};

/** Size Kinesis counts for an entry: data bytes plus the UTF-8 bytes of the partition key. */
export function entrySizeBytes(entry: SinkEntry): number {
  return entry.data.byteLength + Buffer.byteLength(entry.partitionKey, 'utf8');
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
    const size = entrySizeBytes(entry);
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
