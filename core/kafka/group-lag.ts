/**
 * A group's committed offsets and lag (`check`, the local run and the tests) and a topic's partition list (the
 * poller's `describe` mode), read through kafkajs' Cluster (cluster.ts) without joining the group and without
 * creating topics.
 */
import { RetriableError } from '../errors.js';
import { createCluster } from './cluster.js';
import type { KafkaConnection } from './config.js';
import { READER_RETRIES } from './failures.js';
import { disconnectQuietly, type InternalCluster } from './internals.js';
import { readCommittedOffsets, readWatermarks } from './offsets.js';

/** Committed offset, log-end offset and lag per partition of a group (what `kafka-consumer-groups --describe` shows). */
export interface PartitionLag {
  readonly partition: number;
  /** Committed offset or null when the group never committed for the partition. */
  readonly committed: string | null;
  /** First offset still in the log (low watermark). */
  readonly logStart: string;
  readonly logEnd: string;
  /** logEnd - committed (logEnd - low when nothing committed). */
  readonly lag: string;
}

/** Runs `work` on a connected kafkajs Cluster of `conn` (reader retries unless `conn.retries` says otherwise). */
async function withCluster<T>(
  conn: KafkaConnection,
  work: (cluster: InternalCluster) => Promise<T>,
): Promise<T> {
  const cluster = createCluster({ ...conn, retries: conn.retries ?? READER_RETRIES });
  try {
    await cluster.connect();
    return await work(cluster);
  } finally {
    await disconnectQuietly(cluster);
  }
}

/** Reads the committed offsets and lag of a group for a topic without joining it. */
export function fetchGroupLag(
  conn: KafkaConnection,
  groupId: string,
  topic: string,
): Promise<PartitionLag[]> {
  return withCluster(conn, async (cluster) => {
    const watermarks = await readWatermarks(cluster, topic);
    const partitions = watermarks.map((w) => w.partition);
    const committedBy = await readCommittedOffsets(cluster, groupId, topic, partitions);
    return watermarks.map(({ partition, low, high }) => {
      const committed = committedBy.get(partition) ?? null;
      const lag = high - (committed !== null ? BigInt(committed) : low);
      return { partition, committed, logStart: low.toString(), logEnd: high.toString(), lag: lag.toString() };
    });
  });
}

/** Lists the partition ids of a topic (used by the poller's `describe` mode for `partitions: auto`). */
export async function describeTopicPartitions(conn: KafkaConnection, topic: string): Promise<number[]> {
  try {
    return await withCluster(conn, async (cluster) =>
      (await readWatermarks(cluster, topic)).map((w) => w.partition),
    );
  } catch (error) {
    throw new RetriableError(`could not describe topic ${topic}`, { cause: error });
  }
}
