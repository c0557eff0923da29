import { describe, expect, it } from 'vitest';
import { createKafka } from '../../../core/kafka/client.js';
import { internalCluster } from '../../../core/kafka/internals.js';

/** The Cluster of a client that never connects (only the objects are built). */
function unconnectedCluster(): Record<string, unknown> {
  return internalCluster(createKafka({ brokers: ['127.0.0.1:1'] })) as unknown as Record<string, unknown>;
}

describe('kafkajs internals the partition reader and the by-offset re-read rely on (kafkajs 2.2.4)', () => {
  it.each([
    'connect',
    'disconnect',
    'refreshMetadata',
    'refreshMetadataIfNecessary',
    'addTargetTopic',
    'findTopicPartitionMetadata',
    'findLeaderForPartitions',
    'findBroker',
    'findGroupCoordinator',
    'fetchTopicsOffset',
  ])('Cluster exposes %s', (method) => {
    // Arrange
    const cluster = unconnectedCluster();
    // Assert
    expect(typeof cluster[method]).toBe('function');
  });

  it.each(['fetch', 'offsetFetch', 'offsetCommit'])('Broker exposes %s', (method) => {
    // Arrange: a Broker built the way the cluster's broker pool builds one, over a connection pool stub
    const pool = (unconnectedCluster().brokerPool ?? {}) as {
      createBroker?: (o: object) => Record<string, unknown>;
      rootLogger?: unknown;
    };
    const broker = pool.createBroker?.({
      connectionPool: { host: '127.0.0.1', port: 1, connectionTimeout: 1 },
      logger: pool.rootLogger,
    });
    // Assert
    expect(typeof broker?.[method]).toBe('function');
  });

  it('fails with a clear message when the private factory is missing', () => {
    expect(() => internalCluster({} as never)).toThrow(
      'kafkajs internals changed: private:Kafka:createCluster not found (kafkajs 2.2.4 expected)',
    );
  });
});
