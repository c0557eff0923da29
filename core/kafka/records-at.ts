/**
 * The by-offset re-read behind `kafka-pipes dlq replay --from-kafka` (cli/dlq.ts): re-reads the records
 * whose value an enrichment DLQ entry had to truncate to fit SQS. Records are read at given offsets of ONE
 * partition with Fetch requests sent straight to the leader (leader-fetch.ts), like the partition reader:
 * no consumer group is joined and nothing is committed. Offsets are sorted and each fetch starts at the
 * lowest offset still missing, so offsets close together cost one request.
 */
import { NonRetriableError, RetriableError } from '../errors.js';
import { createCluster } from './cluster.js';
import type { KafkaConnection } from './config.js';
import { backoffMs, isOffsetOutOfRange, isRetriable, READER_RETRIES, sleep } from './failures.js';
import { connectToTopic, disconnectQuietly, type InternalCluster } from './internals.js';
import { type FetchedRecords, fetchFromLeader } from './leader-fetch.js';
import { readPartitionWatermarks } from './offsets.js';
import type { PartitionRecord } from './records.js';

/** Default bound of one {@link readRecordsAt} call (connect, metadata and every fetch). */
export const RECORDS_AT_TIMEOUT_MS = 30_000;
/** The records asked for exist already: a fetch need not wait for new data. */
const RECORDS_AT_FETCH_MAX_WAIT_MS = 100;
const RECORDS_AT_DEFAULT_MAX_BYTES_PER_FETCH = 4 * 1024 * 1024;
/**
 * Fetch sizing: the broker always returns the whole first record batch, so a fetch only needs the bytes up
 * to the furthest wanted offset it should cover. Wanted offsets are covered by the same fetch while the gap
 * to the next one is below RECORDS_AT_GAP_BYTES (reading a gap costs more than another request beyond
 * that); the first fetch, before the log's bytes per offset are known, asks for RECORDS_AT_FIRST_FETCH_BYTES.
 */
const RECORDS_AT_GAP_BYTES = 128 * 1024;
const RECORDS_AT_FIRST_FETCH_BYTES = 256 * 1024;
const RECORDS_AT_MIN_FETCH_BYTES = 16 * 1024;
/** Failed fetches in a row (leader move, connection reset) before giving up. */
const RECORDS_AT_FAILURES_MAX = 6;
/** Longest the final disconnect is awaited (kafkajs waits for requests still in flight). */
const RECORDS_AT_DISCONNECT_WAIT_MS = 2_000;

/** Options of {@link readRecordsAt}. */
export interface ReadRecordsAtOptions {
  /** Bound of the whole call in ms (default {@link RECORDS_AT_TIMEOUT_MS}). */
  readonly timeoutMs?: number;
  /** Bytes per fetch (default 4 MiB; a larger first record batch is still returned whole). */
  readonly maxBytesPerFetch?: number;
}

/**
 * Reads the records at `offsets` of `topic`/`partition` (READ_COMMITTED) without joining a consumer
 * group and without committing. Returns the records found, keyed by offset (decimal string). An offset
 * that holds no record — deleted by retention, beyond the log end, compacted away, or part of an aborted
 * transaction — is simply absent from the map. Always disconnects.
 *
 * @throws NonRetriableError when an offset is not a decimal integer or the partition does not exist.
 * @throws RetriableError naming the topic-partition when Kafka cannot be read within `timeoutMs`.
 * @example const found = await readRecordsAt(conn, 'orders', 0, ['17', '4711']); found.get('17')?.value
 */
export async function readRecordsAt(
  conn: KafkaConnection,
  topic: string,
  partition: number,
  offsets: readonly string[],
  opts: ReadRecordsAtOptions = {},
): Promise<Map<string, PartitionRecord>> {
  const where = `${topic}-${partition}`;
  const wanted = sortedOffsets(offsets, where);
  if (wanted.length === 0) return new Map();
  const timeoutMs = opts.timeoutMs ?? RECORDS_AT_TIMEOUT_MS;
  // No request may outlive the bound of the call.
  const requestTimeoutMs = Math.min(conn.requestTimeoutMs ?? 15_000, timeoutMs);
  const cluster = createCluster({ ...conn, requestTimeoutMs, retries: conn.retries ?? READER_RETRIES });
  const reader = new OffsetReader(cluster, topic, partition, wanted, opts.maxBytesPerFetch);
  try {
    return await withDeadline(
      reader.readAll(),
      timeoutMs,
      `reading ${where} from kafka took longer than ${timeoutMs} ms`,
    );
  } catch (error) {
    if (error instanceof RetriableError || error instanceof NonRetriableError) throw error;
    throw new RetriableError(`could not read ${where} from kafka: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    reader.stop();
    await disconnectWithin(cluster, RECORDS_AT_DISCONNECT_WAIT_MS);
  }
}

/** The distinct offsets, ascending; NonRetriableError for one that is not a decimal integer. */
function sortedOffsets(offsets: readonly string[], where: string): bigint[] {
  const unique = new Map<string, bigint>();
  for (const o of offsets) {
    if (!/^\d{1,20}$/.test(o))
      throw new NonRetriableError(`offset ${o} of ${where} is not a decimal integer`);
    const big = BigInt(o);
    unique.set(big.toString(), big);
  }
  return [...unique.values()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Rejects with RetriableError(`message`) when `work` has not settled after `ms`. */
async function withDeadline<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RetriableError(message)), ms);
  });
  work.catch(() => undefined);
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Disconnects, waiting at most `ms` (kafkajs waits for requests still in flight). */
async function disconnectWithin(cluster: InternalCluster, ms: number): Promise<void> {
  let waited: NodeJS.Timeout | undefined;
  await Promise.race([
    disconnectQuietly(cluster),
    new Promise((resolve) => {
      waited = setTimeout(resolve, ms);
      waited.unref();
    }),
  ]);
  clearTimeout(waited);
}

/** One {@link readRecordsAt} call: walks the wanted offsets, one fetch per step. */
class OffsetReader {
  readonly #where: string;
  readonly #wantedKeys: Set<string>;
  readonly #maxBytes: number;
  readonly #found = new Map<string, PartitionRecord>();
  /** Index of the lowest wanted offset not yet covered by a fetch. */
  #i = 0;
  #failures = 0;
  #stopped = false;
  /** Bytes per offset seen in the last fetch (null until one returned records). */
  #bytesPerOffset: number | null = null;

  constructor(
    private readonly cluster: InternalCluster,
    private readonly topic: string,
    private readonly partition: number,
    private readonly wanted: readonly bigint[],
    maxBytesPerFetch: number | undefined,
  ) {
    this.#where = `${topic}-${partition}`;
    this.#wantedKeys = new Set(wanted.map(String));
    this.#maxBytes = maxBytesPerFetch ?? RECORDS_AT_DEFAULT_MAX_BYTES_PER_FETCH;
  }

  stop(): void {
    this.#stopped = true;
  }

  async readAll(): Promise<Map<string, PartitionRecord>> {
    await connectToTopic(this.cluster, this.topic);
    if (Object.keys(this.cluster.findLeaderForPartitions(this.topic, [this.partition])).length === 0) {
      throw new NonRetriableError(`partition ${this.partition} does not exist in topic ${this.topic}`);
    }
    while (this.#i < this.wanted.length && !this.#stopped && (await this.#step()));
    return this.#found;
  }

  /** Fetches from the lowest wanted offset still missing; false when nothing more can be found. */
  async #step(): Promise<boolean> {
    const start = this.wanted[this.#i] as bigint;
    let fetched: FetchedRecords | null;
    try {
      fetched = await fetchFromLeader(this.cluster, {
        topic: this.topic,
        partition: this.partition,
        start,
        maxWaitMs: RECORDS_AT_FETCH_MAX_WAIT_MS,
        maxBytes: this.#maxBytes,
        partitionMaxBytes: this.#fetchBytes(),
      });
    } catch (error) {
      return this.#afterFailedFetch(error, start);
    }
    if (!fetched) {
      this.#failed(new Error(`the fetch response has no data for ${this.#where}`));
      return true;
    }
    return this.#afterFetch(start, fetched);
  }

  async #afterFailedFetch(error: unknown, start: bigint): Promise<boolean> {
    if (isOffsetOutOfRange(error)) {
      // Deleted by retention (below the low watermark) or beyond the log end: those are absent.
      const { low, high } = await readPartitionWatermarks(this.cluster, this.topic, this.partition);
      if (start >= high) return false;
      const before = this.#i;
      this.#skipBelow(low);
      if (this.#i === before) this.#failed(error); // out of range, yet inside the watermarks: a race, retry
      return true;
    }
    if (!isRetriable(error)) throw error;
    this.#failed(error);
    await sleep(backoffMs(this.#failures));
    await this.cluster.refreshMetadata().catch(() => undefined);
    return true;
  }

  #afterFetch(start: bigint, { records, end, from, bytes, readableEnd }: FetchedRecords): boolean {
    for (const r of records) if (this.#wantedKeys.has(r.offset)) this.#found.set(r.offset, r);
    if (end === start) {
      // Nothing at or after `start`: it is at the end of what READ_COMMITTED may read.
      if (start >= readableEnd) return false;
      this.#failed(
        new Error(`no record returned at ${this.#where}@${start} below the readable end ${readableEnd}`),
      );
      return true;
    }
    this.#failures = 0;
    if (end > from) this.#bytesPerOffset = Math.max(1, bytes / Number(end - from));
    this.#skipBelow(end);
    return true;
  }

  /** Moves past the wanted offsets below `offset`. */
  #skipBelow(offset: bigint): void {
    while (this.#i < this.wanted.length && (this.wanted[this.#i] as bigint) < offset) this.#i++;
  }

  /** Counts a failed step; throws `error` once there were too many in a row. */
  #failed(error: unknown): void {
    this.#failures++;
    if (this.#failures > RECORDS_AT_FAILURES_MAX) throw error;
  }

  /** Partition bytes for a fetch from the current offset: enough to reach the wanted offsets worth covering. */
  #fetchBytes(): number {
    const max = this.#maxBytes;
    const perOffset = this.#bytesPerOffset;
    if (perOffset === null) return Math.min(max, RECORDS_AT_FIRST_FETCH_BYTES);
    const wanted = this.wanted;
    const start = wanted[this.#i] as bigint;
    const cost = (from: bigint, to: bigint) => Number(to - from + 1n) * perOffset;
    let j = this.#i;
    while (j + 1 < wanted.length) {
      const next = wanted[j + 1] as bigint;
      if (cost(wanted[j] as bigint, next) > RECORDS_AT_GAP_BYTES || cost(start, next) > max) break;
      j++;
    }
    const need = Math.ceil(cost(start, wanted[j] as bigint) * 1.25);
    return Math.min(max, Math.max(RECORDS_AT_MIN_FETCH_BYTES, need));
  }
}
