/**
 * kafkajs' Cluster and Broker objects, which the partition reader and the by-offset re-read use directly.
 *
 * kafkajs 2.2.4 has no `assign()`, no partition-level fetch and no memberless commit. Its `Kafka` instance
 * keeps a `private:Kafka:createCluster` factory (a Symbol-keyed property, kafkajs 2.2.4 src/index.js) that
 * its own producer, consumer and admin use; the adapter builds its Cluster the same way and sends Fetch,
 * ListOffsets, OffsetFetch and OffsetCommit requests through it. kafkajs is pinned (2.2.4) and unmaintained,
 * so these internals do not move; test/unit/poller/kafkajs-internals.test.ts asserts they exist.
 */
import { NonRetriableError } from '../errors.js';
import type { Kafka } from './client.js';

/** A decoded record as kafkajs' internal Fetch response carries it. */
export interface InternalFetchedMessage {
  readonly offset: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly timestamp: string;
  readonly attributes: number;
  readonly headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
  readonly isControlRecord?: boolean;
  readonly batchContext?: {
    readonly producerId: string;
    readonly inTransaction: boolean;
    readonly firstOffset?: string;
    readonly lastOffsetDelta?: number;
    /** 0 CreateTime, 1 LogAppendTime (v2 record format). */
    readonly timestampType?: number;
  };
}

/** One partition's data in a Fetch response (kafkajs 2.2.4 decoding). */
export interface InternalFetchedPartition {
  readonly partition: number;
  readonly highWatermark: string;
  /** Fetch v4+: the end of what READ_COMMITTED may read ("-1" when unknown). */
  readonly lastStableOffset?: string;
  readonly abortedTransactions?: readonly { producerId: string; firstOffset: string }[];
  readonly messages: readonly InternalFetchedMessage[];
}

/** Partitions of one topic in an OffsetFetch / OffsetCommit request. */
type TopicPartitions<P> = { topic: string; partitions: P[] }[];

/** The parts of kafkajs' internal Broker the adapter uses (kafkajs 2.2.4, src/broker/index.js). */
export interface InternalBroker {
  fetch(request: {
    isolationLevel: number;
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    topics: TopicPartitions<{ partition: number; fetchOffset: string; maxBytes: number }>;
  }): Promise<{ responses: { topicName: string; partitions: InternalFetchedPartition[] }[] }>;
  /** Committed offsets ("-1" = none); a partition-level error is thrown as a kafkajs protocol error. */
  offsetFetch(request: {
    groupId: string;
    topics: TopicPartitions<{ partition: number }>;
  }): Promise<{ responses: { topic: string; partitions: { partition: number; offset: string }[] }[] }>;
  offsetCommit(request: {
    groupId: string;
    groupGenerationId: number;
    memberId: string;
    topics: TopicPartitions<{ partition: number; offset: string }>;
  }): Promise<unknown>;
}

/** The parts of kafkajs' internal Cluster the adapter uses (kafkajs 2.2.4, src/cluster/index.js). */
export interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  refreshMetadata(): Promise<void>;
  refreshMetadataIfNecessary(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  /** Partitions of a topic in the current metadata ([] when the topic is unknown). */
  findTopicPartitionMetadata(topic: string): { partitionId: number; leader: number }[];
  findLeaderForPartitions(topic: string, partitions: number[]): Record<string, number[]>;
  findBroker(node: { nodeId: string }): Promise<InternalBroker>;
  findGroupCoordinator(group: { groupId: string }): Promise<InternalBroker>;
  /** ListOffsets: the earliest (`fromBeginning`) or latest offset of each partition, from its leader. */
  fetchTopicsOffset(
    topics: { topic: string; partitions: { partition: number }[]; fromBeginning: boolean }[],
  ): Promise<{ topic: string; partitions: { partition: number; offset: string }[] }[]>;
}

/** Builds a kafkajs Cluster of `kafka` (not connected; topics are never created by it). */
export function internalCluster(kafka: Kafka): InternalCluster {
  const symbol = Object.getOwnPropertySymbols(kafka).find(
    (s) => s.description === 'private:Kafka:createCluster',
  );
  if (!symbol) {
    throw new NonRetriableError(
      'kafkajs internals changed: private:Kafka:createCluster not found (kafkajs 2.2.4 expected)',
    );
  }
  const create = (
    kafka as unknown as Record<symbol, (o: { allowAutoTopicCreation: boolean }) => InternalCluster>
  )[symbol];
  if (typeof create !== 'function') {
    throw new NonRetriableError(
      'kafkajs internals changed: private:Kafka:createCluster is not a function (kafkajs 2.2.4 expected)',
    );
  }
  return create({ allowAutoTopicCreation: false });
}

/** Connects `cluster` and loads the metadata of `topic`. */
export async function connectToTopic(cluster: InternalCluster, topic: string): Promise<void> {
  await cluster.connect();
  await cluster.addTargetTopic(topic);
}

/** Disconnects, ignoring errors (the connection may already be gone). */
export async function disconnectQuietly(cluster: { disconnect(): Promise<void> }): Promise<void> {
  await cluster.disconnect().catch(() => undefined);
}
