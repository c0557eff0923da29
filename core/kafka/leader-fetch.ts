/**
 * One Fetch request to a partition's leader, and the decoding of its answer into the records a
 * READ_COMMITTED consumer sees. The partition reader (partition-session.ts) and the by-offset re-read
 * (records-at.ts) both fetch through here.
 */
import type { InternalCluster, InternalFetchedMessage, InternalFetchedPartition } from './internals.js';
import { type PartitionRecord, toPartitionRecord } from './records.js';

/** Isolation level of every fetch: READ_COMMITTED (1), like Pipes and the Java consumer in EOS setups. */
const READ_COMMITTED = 1;

/** One fetch of one partition. */
export interface LeaderFetch {
  readonly topic: string;
  readonly partition: number;
  /** The offset to fetch from. */
  readonly start: bigint;
  /** Longest time the broker holds the fetch open waiting for data. */
  readonly maxWaitMs: number;
  /** Byte limit of the whole response. */
  readonly maxBytes: number;
  /** Byte limit of the partition (a larger first record batch is still returned whole). */
  readonly partitionMaxBytes: number;
}

/** What one fetch of a partition held, decoded (see {@link decodeFetchedPartition}). */
export interface FetchedRecords {
  /** The visible records at or after `start`. */
  readonly records: PartitionRecord[];
  /** One past the last offset the response covered (`start` when it covered nothing). */
  readonly end: bigint;
  /** The first offset it carried (base offset of its first batch). */
  readonly from: bigint;
  /** Approximate bytes it carried. */
  readonly bytes: number;
  /** Records it carried before `start`. */
  readonly skipped: number;
  readonly highWatermark: bigint;
  /** The last stable offset (READ_COMMITTED), or the high watermark before fetch v4. */
  readonly readableEnd: bigint;
}

/** The metadata names no leader for the partition (a leader election or a broker restart): retriable. */
export class NoLeaderError extends Error {
  readonly retriable = true;
}

/**
 * Sends one READ_COMMITTED Fetch for `request.start` to the partition's leader and decodes the answer; null
 * when the response carries no data for the partition. Rejects with the kafkajs error of the request.
 */
export async function fetchFromLeader(
  cluster: InternalCluster,
  request: LeaderFetch,
): Promise<FetchedRecords | null> {
  const { topic, partition, start } = request;
  const nodeId = Object.keys(cluster.findLeaderForPartitions(topic, [partition]))[0];
  if (nodeId === undefined) throw new NoLeaderError(`no leader for ${topic}-${partition}`);
  const broker = await cluster.findBroker({ nodeId });
  const { responses } = await broker.fetch({
    isolationLevel: READ_COMMITTED,
    maxWaitTime: request.maxWaitMs,
    minBytes: 1,
    maxBytes: request.maxBytes,
    topics: [
      {
        topic,
        partitions: [{ partition, fetchOffset: start.toString(), maxBytes: request.partitionMaxBytes }],
      },
    ],
  });
  const data = responses[0]?.partitions.find((p) => p.partition === partition);
  return data ? decodeFetchedPartition(topic, partition, start, data) : null;
}

/**
 * Decodes one partition of a Fetch response that asked for `start`:
 * - `records`: the visible records at or after `start` (a fetch returns whole batches, so records before
 *   it are dropped; so are aborted transactions and control records);
 * - `end`: one past the last offset the response covered, counting the batch's compacted tail
 *   (`start` when it covered nothing);
 * - `from`: the first offset it carried (base of its first batch), `bytes` its approximate size and
 *   `skipped` the records before `start`: for sizing later fetches;
 * - `readableEnd`: the last stable offset (READ_COMMITTED), or the high watermark before fetch v4.
 */
function decodeFetchedPartition(
  topic: string,
  partition: number,
  start: bigint,
  data: InternalFetchedPartition,
): FetchedRecords {
  const within = data.messages.filter((m) => BigInt(m.offset) >= start);
  const visible = filterAborted(within, data.abortedTransactions).filter((m) => !m.isControlRecord);
  const first = data.messages[0]?.batchContext?.firstOffset;
  let bytes = 0;
  for (const m of data.messages) bytes += approxRecordBytes(m);
  const highWatermark = BigInt(data.highWatermark);
  const lso = data.lastStableOffset !== undefined ? BigInt(data.lastStableOffset) : -1n;
  return {
    records: visible.map((m) => toPartitionRecord(topic, partition, m)),
    end: coveredEnd(start, data.messages),
    from: first !== undefined ? BigInt(first) : start,
    bytes,
    skipped: data.messages.length - within.length,
    highWatermark,
    readableEnd: lso >= 0n ? lso : highWatermark,
  };
}

/** One past the last offset `messages` covered, counting the last batch's compacted tail; at least `start`. */
function coveredEnd(start: bigint, messages: readonly InternalFetchedMessage[]): bigint {
  const last = messages.at(-1);
  if (!last) return start;
  let end = BigInt(last.offset) + 1n;
  const ctx = last.batchContext;
  if (ctx?.firstOffset !== undefined && ctx.lastOffsetDelta !== undefined) {
    const batchEnd = BigInt(ctx.firstOffset) + BigInt(ctx.lastOffsetDelta) + 1n;
    if (batchEnd > end) end = batchEnd;
  }
  return end > start ? end : start;
}

/** Record overhead on the wire besides key, value and headers (length, attributes, deltas; batch share). */
const RECORD_OVERHEAD_BYTES = 16;

/** Approximate wire size of a fetched record, for sizing later fetches (fetch-plan.ts, records-at.ts). */
function approxRecordBytes(m: InternalFetchedMessage): number {
  let n = RECORD_OVERHEAD_BYTES + (m.key?.length ?? 0) + (m.value?.length ?? 0);
  for (const [name, v] of Object.entries(m.headers ?? {})) {
    for (const x of Array.isArray(v) ? v : [v]) n += name.length + (x === undefined ? 0 : x.length) + 2;
  }
  return n;
}

const ABORT_MARKER_KEY = Buffer.from([0, 0, 0, 0]);

/** Drops records of aborted transactions (port of kafkajs src/consumer/filterAbortedMessages.js). */
function filterAborted(
  messages: readonly InternalFetchedMessage[],
  abortedTransactions: InternalFetchedPartition['abortedTransactions'],
): InternalFetchedMessage[] {
  if (!abortedTransactions || abortedTransactions.length === 0) return [...messages];
  const remaining = [...abortedTransactions];
  const aborted = new Set<string>();
  return messages.filter((m) => {
    const head = remaining[0];
    if (head && BigInt(m.offset) >= BigInt(head.firstOffset)) {
      remaining.shift();
      aborted.add(head.producerId);
    }
    const producerId = m.batchContext?.producerId ?? '';
    if (m.isControlRecord && m.key && Buffer.from(m.key).equals(ABORT_MARKER_KEY)) {
      aborted.delete(producerId);
    } else if (aborted.has(producerId) && m.batchContext?.inTransaction) {
      return false;
    }
    return true;
  });
}
