import { describe, expect, it } from 'vitest';
import { createKafka, internalCluster } from '../../../core/kafka-client.js';

describe('kafkajs internals the partition reader relies on (kafkajs 2.2.4)', () => {
  it.each([
    'connect',
    'disconnect',
    'refreshMetadata',
    'addTargetTopic',
    'findLeaderForPartitions',
    'findBroker',
    'findGroupCoordinator',
  ])('Cluster exposes %s', (method) => {
    // Arrange: no connection is made, only the objects are built
    const cluster = internalCluster(createKafka({ brokers: ['127.0.0.1:1'] })) as unknown as Record<
      string,
      unknown
    >;
    // Assert
    expect(typeof cluster[method]).toBe('function');
  });

  it('fails with a clear message when the private factory is missing', () => {
    expect(() => internalCluster({} as never)).toThrow(
      'kafkajs internals changed: private:Kafka:createCluster not found (kafkajs 2.2.4 expected)',
    );
  });
});
