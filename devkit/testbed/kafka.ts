/**
 * Kafka helpers for tests: connection descriptors for the bed's three listeners, topic creation, producing,
 * unique names. All Kafka I/O goes through core/kafka-client.ts. Free of vitest imports (usable from scripts).
 */
import {
  createTopic as coreCreateTopic,
  produceMessages as coreProduceMessages,
  type KafkaConnection,
  type ProducedOffset,
  type ProduceMessage,
} from '../../core/kafka-client.js';
import { brokerConnections } from './kafka-broker.js';
import type { TestBedInfo } from './testbed.js';

export type { ProducedOffset, ProduceMessage } from '../../core/kafka-client.js';

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
}

/** Connection descriptors for a bed (works with `inject('testbed')` or a TestBed from startTestBed()). */
export function kafkaConnections(bed: Pick<TestBedInfo, 'kafka' | 'pki' | 'scram'>): BedConnections {
  return brokerConnections(bed.kafka, bed.pki, bed.scram);
}

/** Creates `topic` with `partitions` partitions (RF 1) and waits for leaders; false if it already existed. */
export function createTopic(conn: KafkaConnection, topic: string, partitions: number): Promise<boolean> {
  return coreCreateTopic(conn, topic, partitions);
}

/** Produces messages (acks all, batches of 500); strings are UTF-8. */
export function produceMessages(
  conn: KafkaConnection,
  topic: string,
  messages: readonly ProduceMessage[],
): Promise<ProducedOffset[]> {
  return coreProduceMessages(conn, topic, messages);
}

/** A topic name unique to this run (`<prefix>-<time>-<random>`), safe for Kafka and AWS resource names. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
