/**
 * Describing a cluster without reading records: the bounded admin probe of `kafka-pipes check` (cli/check.ts),
 * which returns plain values and leaves the errors to classifyKafkaError (failures.ts) so the check can say
 * which step failed and why. Never creates topics (listTopics before any topic metadata request) and never
 * joins the source's consumer group. A group's lag comes from group-lag.ts, which the poller uses too.
 */
import { createKafka, type KafkaConnection } from './client.js';
import { fetchGroupLag, type PartitionLag } from './group-lag.js';
import { disconnectQuietly } from './internals.js';

export type { PartitionLag };

/** A broker as the cluster advertises it. */
export interface ProbeBroker {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
}

/** A partition of a topic as metadata reports it. */
export interface ProbePartition {
  readonly partition: number;
  /** Leader node id, or -1 when the partition has no leader. */
  readonly leader: number;
  readonly replicas: number;
  readonly isr: number;
}

/** A consumer group as DescribeGroups reports it (`Dead` = the group does not exist). */
export interface ProbeGroup {
  readonly groupId: string;
  readonly state: string;
  readonly members: number;
  readonly protocol: string;
}

/** An open admin connection for the check command. */
export interface AdminProbe {
  /** Cluster id, controller and the advertised brokers. */
  describeCluster(): Promise<{ clusterId: string; controller: number | null; brokers: ProbeBroker[] }>;
  /** All topic names visible to the principal. */
  listTopics(): Promise<string[]>;
  /** Partitions of an existing topic. */
  topicPartitions(topic: string): Promise<ProbePartition[]>;
  /** State of a consumer group without joining it. */
  describeGroup(groupId: string): Promise<ProbeGroup>;
  /** Committed offsets and lag of the group on the topic. */
  groupLag(groupId: string, topic: string): Promise<PartitionLag[]>;
  close(): Promise<void>;
}

/**
 * Connects an admin client (TCP + TLS + SASL happen here) and returns the probe. No retries unless
 * `conn.retries` says so: the check reports the first failure. Rejects with the kafkajs error (classify it
 * with classifyKafkaError).
 */
export async function openAdminProbe(conn: KafkaConnection): Promise<AdminProbe> {
  const admin = createKafka({ ...conn, retries: conn.retries ?? 0 }).admin();
  try {
    await admin.connect();
  } catch (error) {
    await disconnectQuietly(admin);
    throw error;
  }
  return {
    async describeCluster() {
      const c = await admin.describeCluster();
      return {
        clusterId: c.clusterId,
        controller: c.controller ?? null,
        brokers: c.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port })),
      };
    },
    listTopics: () => admin.listTopics(),
    async topicPartitions(topic) {
      const md = await admin.fetchTopicMetadata({ topics: [topic] });
      return (md.topics[0]?.partitions ?? [])
        .map((p) => ({
          partition: p.partitionId,
          leader: p.leader,
          replicas: p.replicas.length,
          isr: p.isr.length,
        }))
        .sort((a, b) => a.partition - b.partition);
    },
    async describeGroup(groupId) {
      const g = (await admin.describeGroups([groupId])).groups[0];
      return {
        groupId,
        state: g?.state ?? 'Dead',
        members: g?.members.length ?? 0,
        protocol: g?.protocol ?? '',
      };
    },
    groupLag: (groupId, topic) => fetchGroupLag(conn, groupId, topic),
    close: () => disconnectQuietly(admin),
  };
}
