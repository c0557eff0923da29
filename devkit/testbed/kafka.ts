/**
 * Kafka helpers for tests, the bench and the local run: connection descriptors for the bed's listeners, topic
 * creation, producing, a metadata probe, unique names. Kafka I/O goes through the Kafka adapter's
 * `createKafka` (core/kafka/client.ts); the dev kit never imports kafkajs itself. Every call but
 * {@link openProducer} connects, does its work and disconnects; errors are the kafkajs errors, unwrapped.
 * Free of vitest imports (usable from scripts).
 */
import { RetriableError } from '../../core/errors.js';
import { createKafka, type KafkaConnection } from '../../core/kafka/client.js';
import { iamConnection } from './iam-listener.js';
import { brokerConnections } from './kafka-broker.js';
import type { TestBedInfo } from './testbed.js';

/** Connections to the bed's broker. */
export interface BedConnections {
  /** PLAINTEXT listener. */
  readonly plaintext: KafkaConnection;
  /** SSL listener with the private chain as CA and the client certificate + PKCS#8 key (mTLS). */
  readonly mtls: KafkaConnection;
  /** SASL_SSL listener, SCRAM-SHA-512, private chain as CA. */
  readonly scram: KafkaConnection;
  /** SASL_SSL listener, SCRAM-SHA-256, private chain as CA. */
  readonly scram256: KafkaConnection;
  /** SASL_IAM listener: OAUTHBEARER with MSK IAM tokens signed with the bed's test credentials. */
  readonly iam: KafkaConnection;
}

/** Connection descriptors for a bed (works with `inject('testbed')` or a TestBed from startTestBed()). */
export function kafkaConnections(bed: Pick<TestBedInfo, 'kafka' | 'pki' | 'scram' | 'iam'>): BedConnections {
  return {
    ...brokerConnections(bed.kafka, bed.pki, bed.scram),
    iam: iamConnection(bed.kafka.saslIam, bed.pki.caChain, bed.iam, bed.kafka.iamReauthMs),
  };
}

/** A topic name unique to this run (`<prefix>-<time>-<random>`), safe for Kafka and AWS resource names. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Creates a topic with `partitions` partitions (replication factor 1 by default) and waits for its leaders.
 * Returns false when the topic already existed.
 */
export async function createTopic(
  conn: KafkaConnection,
  topic: string,
  partitions: number,
  opts: { replicationFactor?: number; configEntries?: Readonly<Record<string, string>> } = {},
): Promise<boolean> {
  const admin = createKafka(conn).admin();
  try {
    await admin.connect();
    return await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          numPartitions: partitions,
          replicationFactor: opts.replicationFactor ?? 1,
          configEntries: Object.entries(opts.configEntries ?? {}).map(([name, value]) => ({ name, value })),
        },
      ],
    });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Kafka's default time retention (`log.retention.hours` = 168): a record whose timestamp is older is deleted
 * at the broker's next retention check, maybe before a test reads it
 * (https://kafka.apache.org/documentation/#brokerconfigs_log.retention.hours).
 */
export const KAFKA_DEFAULT_RETENTION_MS = 7 * 24 * 3_600_000;

/**
 * Throws when a fixture timestamp (epoch ms, as a string) is older than `retentionMs` or in the future: test
 * data must survive any broker's default retention, whatever the bed's own setting.
 */
export function assertWithinRetention(
  timestamps: readonly string[],
  nowMs: number = Date.now(),
  retentionMs: number = KAFKA_DEFAULT_RETENTION_MS,
): void {
  for (const t of timestamps) {
    const ms = Number(t);
    if (!Number.isFinite(ms) || ms <= nowMs - retentionMs || ms > nowMs) {
      throw new RangeError(
        `fixture timestamp ${t} (${Number.isFinite(ms) ? new Date(ms).toISOString() : 'not a number'}) is outside the last ${retentionMs} ms: retention would delete the record (or it lies in the future); stamp fixtures with fixtureTimestamp()`,
      );
    }
  }
}

/**
 * A fixture record timestamp: `offsetMs` after a start 10 minutes before `nowMs` (so up to 600,000 records a
 * millisecond apart stay in the past), inside any broker's retention.
 */
export function fixtureTimestamp(offsetMs: number, nowMs: number = Date.now()): string {
  const t = String(nowMs - 600_000 + offsetMs);
  assertWithinRetention([t], nowMs);
  return t;
}

/** A record to produce. Strings are written as UTF-8. */
export interface ProduceMessage {
  readonly key?: string | Buffer | null;
  readonly value: string | Buffer | null;
  /** Target partition; absent = kafkajs' default partitioner (murmur2 of the key). */
  readonly partition?: number;
  readonly headers?: Readonly<Record<string, string | Buffer>>;
  /** Record timestamp in epoch milliseconds, as a string. */
  readonly timestamp?: string;
}

/** Where one produced batch landed. */
export interface ProducedOffset {
  readonly partition: number;
  /** Offset of the first record of the batch in that partition (string: offsets stay strings). */
  readonly baseOffset: string;
}

/** The kafkajs message of a {@link ProduceMessage}. */
function toKafkaMessage(m: ProduceMessage) {
  return {
    key: m.key ?? null,
    value: m.value,
    ...(m.partition !== undefined ? { partition: m.partition } : {}),
    ...(m.headers ? { headers: { ...m.headers } } : {}),
    ...(m.timestamp ? { timestamp: m.timestamp } : {}),
  };
}

/**
 * Produces `messages` to `topic` (acks all, idempotence off) in batches of 500 to keep requests small.
 * Returns one entry per partition per batch with the batch's base offset.
 */
export async function produceMessages(
  conn: KafkaConnection,
  topic: string,
  messages: readonly ProduceMessage[],
): Promise<ProducedOffset[]> {
  const producer = createKafka(conn).producer({ allowAutoTopicCreation: false });
  const batchSize = 500;
  const out: ProducedOffset[] = [];
  try {
    await producer.connect();
    for (let i = 0; i < messages.length; i += batchSize) {
      const batch = messages.slice(i, i + batchSize).map(toKafkaMessage);
      const meta = await producer.send({ topic, acks: -1, messages: batch });
      for (const r of meta) {
        out.push({ partition: r.partition, baseOffset: String(r.baseOffset ?? r.offset ?? '0') });
      }
    }
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
  return out;
}

/** A record to produce to an explicit partition. */
export interface PartitionedMessage extends ProduceMessage {
  readonly partition: number;
}

/** Where one produced record landed. */
export interface ProducedRecord {
  readonly partition: number;
  /** Offset as a decimal string. */
  readonly offset: string;
}

/** A connected producer, see {@link openProducer}. */
export interface LongLivedProducer {
  /**
   * Writes `messages` (acks all) and returns, in input order, the partition and offset of each record
   * (base offset of its partition's batch + its index in that batch).
   */
  send(topic: string, messages: readonly PartitionedMessage[]): Promise<ProducedRecord[]>;
  close(): Promise<void>;
}

/** Connects a producer that stays open across sends (idempotent, so retries never duplicate records). */
export async function openProducer(conn: KafkaConnection): Promise<LongLivedProducer> {
  const producer = createKafka(conn).producer({
    allowAutoTopicCreation: false,
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  return {
    async send(topic, messages) {
      if (messages.length === 0) return [];
      const meta = await producer.send({ topic, acks: -1, messages: messages.map(toKafkaMessage) });
      const base = new Map<number, bigint>();
      for (const r of meta) base.set(r.partition, BigInt(r.baseOffset ?? r.offset ?? '0'));
      const seen = new Map<number, bigint>();
      return messages.map((m) => {
        const b = base.get(m.partition);
        if (b === undefined) throw new RetriableError(`no produce result for ${topic}/${m.partition}`);
        const i = seen.get(m.partition) ?? 0n;
        seen.set(m.partition, i + 1n);
        return { partition: m.partition, offset: (b + i).toString() };
      });
    },
    close: () => producer.disconnect().catch(() => undefined),
  };
}

/** What {@link fetchClusterMetadata} returns. */
export interface ClusterMetadata {
  readonly clusterId: string;
  readonly controller: number | null;
  readonly brokers: readonly { readonly nodeId: number; readonly host: string; readonly port: number }[];
}

/**
 * Connects an admin client and describes the cluster: a cheap probe that the connection (TLS, mTLS, SASL)
 * works. Throws the kafkajs error (e.g. `KafkaJSConnectionError`, `KafkaJSSASLAuthenticationError`).
 */
export async function fetchClusterMetadata(conn: KafkaConnection): Promise<ClusterMetadata> {
  const admin = createKafka(conn).admin();
  try {
    await admin.connect();
    const c = await admin.describeCluster();
    return { clusterId: c.clusterId, controller: c.controller, brokers: c.brokers.map((b) => ({ ...b })) };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
