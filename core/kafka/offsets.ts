/**
 * Offsets without a group membership, through kafkajs' Cluster (internals.ts): the watermarks of a topic's
 * partitions (ListOffsets), a group's committed offsets (OffsetFetch) and the memberless commit
 * (OffsetCommit with generation -1). The partition reader, the by-offset re-read, the poller's partition
 * listing and the lag of `kafka-pipes check` all read them here.
 */
import { NonRetriableError } from '../errors.js';
import { protocolErrorType, withRetries } from './failures.js';
import type { InternalBroker, InternalCluster } from './internals.js';

/** The offsets a partition's log spans. */
export interface Watermarks {
  readonly partition: number;
  /** Low watermark: the first offset still in the log. */
  readonly low: bigint;
  /** High watermark: the offset the next record will get (the log-end offset). */
  readonly high: bigint;
}

/**
 * Reads the low and high watermarks of every partition of `topic` (what kafkajs' admin.fetchTopicOffsets
 * sends, kafkajs 2.2.4 src/admin/index.js), sorted by partition, retrying retriable failures. The cluster
 * must be connected.
 */
export function readWatermarks(cluster: InternalCluster, topic: string): Promise<Watermarks[]> {
  return withRetries(async () => {
    try {
      await cluster.addTargetTopic(topic);
      await cluster.refreshMetadataIfNecessary();
      const partitions = cluster.findTopicPartitionMetadata(topic).map((p) => ({ partition: p.partitionId }));
      const listOffsets = async (fromBeginning: boolean) => {
        const res = await cluster.fetchTopicsOffset([{ topic, partitions, fromBeginning }]);
        return new Map(res[0]?.partitions.map((p) => [p.partition, BigInt(p.offset)]) ?? []);
      };
      const [low, high] = await Promise.all([listOffsets(true), listOffsets(false)]);
      return [...high]
        .map(([partition, h]) => ({ partition, low: low.get(partition) ?? h, high: h }))
        .sort((a, b) => a.partition - b.partition);
    } catch (error) {
      // A topic just created (or deleted) may be missing from the metadata kafkajs cached.
      if (protocolErrorType(error) === 'UNKNOWN_TOPIC_OR_PARTITION') await cluster.refreshMetadata();
      throw error;
    }
  });
}

/** The watermarks of one partition; NonRetriableError when the topic has no such partition. */
export async function readPartitionWatermarks(
  cluster: InternalCluster,
  topic: string,
  partition: number,
): Promise<Watermarks> {
  const found = (await readWatermarks(cluster, topic)).find((w) => w.partition === partition);
  if (!found) throw new NonRetriableError(`partition ${partition} does not exist in topic ${topic}`);
  return found;
}

/**
 * Reads the offsets `groupId` committed for `partitions` of `topic` (the next offset to read), without
 * joining the group. A partition without a committed offset is absent from the map. The cluster must be
 * connected.
 */
export function readCommittedOffsets(
  cluster: InternalCluster,
  groupId: string,
  topic: string,
  partitions: readonly number[],
  coordinators?: GroupCoordinator,
): Promise<Map<number, string>> {
  const coordinatorOf = coordinators ?? new GroupCoordinator(cluster, groupId);
  return withRetries(async () => {
    const coordinator = await coordinatorOf.find();
    let responses: Awaited<ReturnType<InternalBroker['offsetFetch']>>['responses'];
    try {
      ({ responses } = await coordinator.offsetFetch({
        groupId,
        topics: [{ topic, partitions: partitions.map((partition) => ({ partition })) }],
      }));
    } catch (error) {
      coordinatorOf.forget();
      throw error;
    }
    const committed = new Map<number, string>();
    for (const p of responses[0]?.partitions ?? [])
      if (p.offset !== '-1') committed.set(p.partition, p.offset);
    return committed;
  });
}

/**
 * The coordinator of a group, looked up once (FindCoordinator) and reused until a request to it fails
 * (coordinator moved, broker restarted). With `kept`, the lookup outlives this object: a later session on
 * the same kept connections (warm-clusters.ts) reuses it.
 */
export class GroupCoordinator {
  constructor(
    private readonly cluster: InternalCluster,
    private readonly groupId: string,
    private readonly kept: Map<string, InternalBroker> = new Map(),
  ) {}

  async find(): Promise<InternalBroker> {
    const known = this.kept.get(this.groupId);
    if (known) return known;
    const found = await this.cluster.findGroupCoordinator({ groupId: this.groupId });
    this.kept.set(this.groupId, found);
    return found;
  }

  forget(): void {
    this.kept.delete(this.groupId);
  }
}

/**
 * Commits offsets to a group as a non-member: an OffsetCommit with generation -1 and no member id, the
 * "simple consumer" commit that Java's assign() + commitSync() sends. The broker accepts it only while the
 * group has no active members, and the group stays Empty. The coordinator is looked up once and reused;
 * a failure forgets it, so the next attempt looks it up again (coordinator moved, broker restarted).
 */
export class MemberlessCommitter {
  constructor(
    private readonly cluster: InternalCluster,
    private readonly groupId: string,
    private readonly coordinator: GroupCoordinator = new GroupCoordinator(cluster, groupId),
  ) {}

  /** Commits `offset` (the next offset to read) of `topic`/`partition`, retrying retriable failures. */
  commit(topic: string, partition: number, offset: string): Promise<void> {
    return withRetries(async () => {
      await this.cluster.connect();
      const coordinator = await this.coordinator.find();
      try {
        await coordinator.offsetCommit({
          groupId: this.groupId,
          groupGenerationId: -1,
          memberId: '',
          topics: [{ topic, partitions: [{ partition, offset }] }],
        });
      } catch (error) {
        this.coordinator.forget();
        throw error;
      }
    });
  }
}
