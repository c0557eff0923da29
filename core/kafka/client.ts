/**
 * kafkajs' full client (producer, consumer, admin) for the CLI and the dev kit, with the connection settings
 * of config.ts (re-exported here). The poller reads partitions through kafkajs' Cluster alone (cluster.ts),
 * so its bundle does not carry this client.
 */
import { AssignerProtocol, Kafka, type PartitionAssigner } from 'kafkajs';
import { type KafkaConnection, toKafkaConfig } from './config.js';

export * from './config.js';

/**
 * Creates a kafkajs client for the connection. The adapter's own modules use it; so does the dev kit (test
 * bed readiness probes, test producers, the bench baseline), which never imports kafkajs itself.
 */
export function createKafka(conn: KafkaConnection): Kafka {
  return new Kafka(toKafkaConfig(conn));
}

export type { Kafka, PartitionAssigner };
/** kafkajs' group-assignment codec, for the dev kit's single-partition bench consumer (devkit/bench-baselines.ts). */
export { AssignerProtocol };
