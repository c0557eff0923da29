/**
 * The partition reader of the fallback poller (fallback-poller/README.md explains the approach): reads
 * exactly ONE partition from the committed offset of the source's consumer group WITHOUT becoming a member
 * of that group (kafkajs has no `assign()`):
 *   1. The group's committed offset (the next offset to read) and the partition's watermarks are read with
 *      OffsetFetch and ListOffsets (offsets.ts); where the read starts is decided as a Kafka consumer
 *      decides it (start-offset.ts): the committed offset inside the log; with none, the low or high
 *      watermark per the starting position; outside the log, the offset reset policy. Any start other than
 *      the committed offset is reported (`start.reset`) for the caller to commit, log and count.
 *   2. Records are read with Fetch requests sent straight to the partition leader through kafkajs' own
 *      Cluster/Broker objects (internals.ts, leader-fetch.ts, fetch-lanes.ts). No group is joined: no rebalance, no
 *      group.initial.rebalance.delay.ms wait, no other reader disturbed. While behind, a second connection
 *      reads ahead (partition-fetcher.ts, fetch-plan.ts).
 *   3. Offsets are committed with the memberless OffsetCommit (offsets.ts): the group stays Empty, so
 *      `kafka-consumer-groups --describe` shows "no active members" and the lag per partition. kafkajs'
 *      admin.setOffsets is NOT used: it joins the group with a temporary consumer (≈ 5 s, and it fails while
 *      another partition's poller is committing at the same time).
 */
import { NonRetriableError, RetriableError } from '../errors.js';
import type { KafkaConnection } from './config.js';
import { protocolErrorType } from './failures.js';
import { FetchLanes } from './fetch-lanes.js';
import {
  GroupCoordinator,
  MemberlessCommitter,
  readCommittedOffsets,
  readPartitionWatermarks,
} from './offsets.js';
import { type FetcherSettings, PartitionFetcher, type ReaderStats } from './partition-fetcher.js';
import type { PartitionRecord, StartingPosition } from './records.js';
import {
  decideStart,
  defaultOffsetReset,
  type OffsetResetPolicy,
  type StartDecision,
} from './start-offset.js';
import { type ClusterLease, disconnectLease, newLease, type WarmClusters } from './warm-clusters.js';

export type { ReaderStats } from './partition-fetcher.js';

/** Options of {@link openPartitionSession}. */
export interface OpenPartitionOptions {
  readonly topic: string;
  readonly partition: number;
  /** The source's consumer group: offsets are read from and committed to it; it never gets members. */
  readonly groupId: string;
  /** Start when the group has no committed offset for the partition. */
  readonly startingPosition: StartingPosition;
  /** A committed offset outside the log: start at the log start, the log end, or fail (default per position). */
  readonly offsetReset?: OffsetResetPolicy;
  /** Longest time a broker holds a fetch open waiting for data (default 500 ms). */
  readonly fetchMaxWaitMs?: number;
  /** Bytes per fetch for the partition (default 4 MiB). */
  readonly maxBytesPerFetch?: number;
  /**
   * Records buffered ahead of the caller before the reader stops fetching (default 10,000; for records
   * over ≈ 2.5 KB the byte bound below is reached first).
   */
  readonly prefetchRecords?: number;
  /**
   * Bytes (keys, values, headers) buffered ahead of the caller before the reader stops fetching (default
   * 24 MiB): bounds memory when records are large. A fetch in flight may land on top of it.
   */
  readonly prefetchBytes?: number;
  /**
   * Fetches in flight at once while behind, each on its own connection (default 2; 1 = one connection,
   * no read-ahead). At the end of the log only one long-polling fetch runs.
   */
  readonly fetchLanes?: number;
  /**
   * The most records the caller will take from this session (e.g. the poll's record cap): the reader reads
   * ahead no further, so a capped poll does not fetch records it would drop (default: no limit).
   */
  readonly readLimit?: number;
}

/** An open single-partition read, see {@link openPartitionSession}. */
export interface PartitionSession {
  /** The group's committed offset when the session opened, or null when it had none. */
  readonly committedOffset: string | null;
  /** Where the session starts and why; a `reset` must be committed (`commit(start.offset)`) before reading. */
  readonly start: StartDecision;
  /** First offset this session reads. */
  readonly startOffset: string;
  /** Low watermark when the session opened. */
  readonly lowWatermark: string;
  /** Log-end offset when the session opened, updated as fetches report newer ones. */
  highWatermark(): string;
  /** Offset of the next record this session will hand out. */
  nextOffset(): string;
  /**
   * Returns up to `maxRecords` records in offset order; waits up to `maxWaitMs` when none are buffered
   * and returns `[]` when none arrived. Rejects with RetriableError when the reader crashed.
   */
  poll(maxRecords: number, maxWaitMs: number): Promise<PartitionRecord[]>;
  /** Commits `nextOffset` (the offset AFTER the last processed record) to the group (memberless OffsetCommit). */
  commit(nextOffset: string): Promise<void>;
  /** Fetch counters (read-aheads, records received twice by overlapping read-aheads, gaps re-fetched). */
  stats(): ReaderStats;
  /** Stops the reader and disconnects; safe to call twice. */
  close(): Promise<void>;
}

/** Defaults of {@link OpenPartitionOptions}; the prefetch bytes are sized for the poller's 512 MB Lambda. */
export const READER_DEFAULTS = {
  fetchMaxWaitMs: 500,
  maxBytesPerFetch: 4 * 1024 * 1024,
  prefetchRecords: 10_000,
  prefetchBytes: 24 * 1024 * 1024,
  fetchLanes: 2,
} as const;

/** Longest a poll waits for records it knows exist (offset below the readable end) before failing. */
const READER_BEHIND_WAIT_MAX_MS = 30_000;
/** While behind, a poll re-checks this often whether the reader moved. */
const READER_BEHIND_RECHECK_MS = 250;

/** Where a session starts, read when it opens. */
interface StartOffsets {
  readonly committed: string | null;
  readonly start: bigint;
  readonly low: bigint;
  readonly high: bigint;
  readonly decision: StartDecision;
}

/**
 * Opens a read of exactly one partition from the group's committed offset without joining the group
 * (see the file comment) on connections of its own, closed with the session. The caller owns the session
 * and must `close()` it.
 */
export async function openPartitionSession(
  conn: KafkaConnection,
  opts: OpenPartitionOptions,
): Promise<PartitionSession> {
  return openOnLease(newLease(conn), opts, null);
}

/**
 * {@link openPartitionSession} on kept connections (warm-clusters.ts): borrows a lease, gives it back when
 * the session closes. When kept connections fail before anything was read (the broker or a middlebox
 * dropped them while unused), every kept lease is let go and the session opens once more on new ones.
 */
export async function openWarmPartitionSession(
  pool: WarmClusters,
  opts: OpenPartitionOptions,
): Promise<PartitionSession> {
  const lease = await pool.acquire();
  try {
    return await openOnLease(lease, opts, pool);
  } catch (error) {
    if (!lease.reused || error instanceof NonRetriableError) throw error;
    await pool.dropKept();
    return openOnLease(await pool.acquire(), opts, pool);
  }
}

/** Reads where to start on the lease's head connection and starts the session's fetcher on the lanes. */
async function openOnLease(
  lease: ClusterLease,
  opts: OpenPartitionOptions,
  pool: WarmClusters | null,
): Promise<PartitionSession> {
  const coordinator = new GroupCoordinator(lease.head, opts.groupId, lease.coordinators);
  const lanes = new FetchLanes(lease.newCluster, lease.head, opts.topic, pool ? lease.lanes : undefined);
  let offsets: StartOffsets;
  try {
    offsets = await readStartOffsets(lease.head, coordinator, opts);
  } catch (error) {
    await lanes.close();
    if (pool) pool.release(lease, false);
    else await disconnectLease(lease);
    throw error;
  }
  const fetcher = new PartitionFetcher(lanes, lease.head, fetcherSettings(opts), offsets.start, offsets.high);
  const committer = new MemberlessCommitter(lease.head, opts.groupId, coordinator);
  const session = sessionOf(opts, offsets, fetcher, committer);
  if (!pool) return session;
  let closed = false;
  return {
    ...session,
    async commit(nextOffset) {
      try {
        await session.commit(nextOffset);
      } catch (error) {
        fetcher.taint();
        throw error;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      pool.release(lease, fetcher.stop());
    },
  };
}

function fetcherSettings(opts: OpenPartitionOptions): FetcherSettings {
  return {
    topic: opts.topic,
    partition: opts.partition,
    fetchMaxWaitMs: opts.fetchMaxWaitMs ?? READER_DEFAULTS.fetchMaxWaitMs,
    maxBytesPerFetch: opts.maxBytesPerFetch ?? READER_DEFAULTS.maxBytesPerFetch,
    prefetchRecords: opts.prefetchRecords ?? READER_DEFAULTS.prefetchRecords,
    prefetchBytes: opts.prefetchBytes ?? READER_DEFAULTS.prefetchBytes,
    lanes: opts.fetchLanes ?? READER_DEFAULTS.fetchLanes,
    readLimit: opts.readLimit ?? Number.POSITIVE_INFINITY,
  };
}

/** Connects `cluster` and reads the group's committed offset and the watermarks; decides the start. */
async function readStartOffsets(
  cluster: ClusterLease['head'],
  coordinator: GroupCoordinator,
  opts: OpenPartitionOptions,
): Promise<StartOffsets> {
  const { topic, partition, groupId } = opts;
  try {
    await cluster.connect();
  } catch (error) {
    throw new RetriableError(`could not connect to kafka: ${(error as Error).message}`, { cause: error });
  }
  try {
    const [watermarks, committedBy] = await Promise.all([
      readPartitionWatermarks(cluster, topic, partition),
      readCommittedOffsets(cluster, groupId, topic, [partition], coordinator),
    ]);
    const { low, high } = watermarks;
    const committed = committedBy.get(partition) ?? null;
    const decision = decideStart({
      committed,
      low,
      high,
      position: opts.startingPosition,
      reset: opts.offsetReset ?? defaultOffsetReset(opts.startingPosition),
      label: `${topic}/${partition}`,
    });
    return { committed, low, high, start: BigInt(decision.offset), decision };
  } catch (error) {
    if (error instanceof NonRetriableError) throw error;
    throw new RetriableError(`could not read offsets of ${topic}/${partition}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** The session over its fetcher (a plain object: callers may wrap it by spreading it). */
function sessionOf(
  opts: OpenPartitionOptions,
  offsets: StartOffsets,
  fetcher: PartitionFetcher,
  committer: MemberlessCommitter,
): PartitionSession {
  return {
    committedOffset: offsets.committed,
    start: offsets.decision,
    startOffset: offsets.start.toString(),
    lowWatermark: offsets.low.toString(),
    highWatermark: () => fetcher.latestHigh.toString(),
    nextOffset: () => fetcher.nextOffset(),
    stats: () => fetcher.stats(),
    close: () => fetcher.close(),
    async poll(maxRecords, maxWaitMs) {
      if (fetcher.closed) throw new NonRetriableError('partition session is closed');
      if (fetcher.buffered === 0) {
        if (!fetcher.started && !fetcher.behind && maxWaitMs <= 0) return [];
        fetcher.start();
        await awaitRecords(fetcher, maxWaitMs);
      }
      return fetcher.take(maxRecords);
    },
    commit: (nextOffset) => commitOffset(committer, opts, nextOffset),
  };
}

/**
 * Behind the readable end, records exist: waits for them (first connection, leader move, broker restart)
 * rather than report "caught up", and fails after READER_BEHIND_WAIT_MAX_MS. At the end of the log, waits
 * `maxWaitMs` for new ones. Rejects with RetriableError when the reader crashed and nothing is buffered.
 */
async function awaitRecords(f: PartitionFetcher, maxWaitMs: number): Promise<void> {
  const started = Date.now();
  while (f.buffered === 0 && !f.crash) {
    const behind = f.behind;
    const left = (behind ? READER_BEHIND_WAIT_MAX_MS : maxWaitMs) - (Date.now() - started);
    if (left <= 0) {
      if (behind)
        f.fail(new Error(`no records arrived within ${READER_BEHIND_WAIT_MAX_MS} ms ${f.behindBy()}`));
      break;
    }
    await f.waitForRecords(behind ? Math.min(left, READER_BEHIND_RECHECK_MS) : left);
    if (!behind) break;
  }
  const crash = f.crash;
  if (f.buffered === 0 && crash)
    throw new RetriableError(`kafka reader failed: ${crash.message}`, { cause: crash });
}

/** Commits with the memberless commit; tells a group with active members (which refuses it) from a failure. */
async function commitOffset(
  committer: MemberlessCommitter,
  { topic, partition, groupId }: OpenPartitionOptions,
  nextOffset: string,
): Promise<void> {
  try {
    await committer.commit(topic, partition, nextOffset);
  } catch (error) {
    const type = protocolErrorType(error);
    const message = (error as Error).message;
    if (type === 'ILLEGAL_GENERATION' || type === 'UNKNOWN_MEMBER_ID' || type === 'REBALANCE_IN_PROGRESS') {
      throw new NonRetriableError(
        `cannot commit offsets for group ${groupId}: it has active members (${message}); the poller needs a consumer group no other consumer uses`,
        { cause: error },
      );
    }
    throw new RetriableError(`could not commit offset ${nextOffset} of ${topic}/${partition}: ${message}`, {
      cause: error,
    });
  }
}
