import { describe, expect, it } from 'vitest';
import { createKafka, type KafkaConnection } from '../../../core/kafka/client.js';
import { createCluster } from '../../../core/kafka/cluster.js';
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

  it.each<[string, KafkaConnection]>([
    ['plaintext', { brokers: ['127.0.0.1:1'] }],
    [
      'TLS with SCRAM, timeouts and re-authentication',
      {
        brokers: ['broker-1.example.com:9096', 'broker-2.example.com:9096'],
        clientId: 'poller-test',
        tls: { ca: 'CA PEM', servername: 'kafka.example.com' },
        sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' },
        connectionTimeoutMs: 1_234,
        requestTimeoutMs: 4_321,
        retries: 6,
        reauthenticationThresholdMs: 2_000,
      },
    ],
  ])("createCluster builds the Cluster that kafkajs' own factory builds (%s)", async (_, conn) => {
    // Arrange: one Cluster from kafkajs' client, one from the adapter's direct construction
    const viaKafka = internalCluster(createKafka(conn)) as unknown as ClusterShape;
    const direct = createCluster(conn) as unknown as ClusterShape;
    // Act: what each Cluster hands its brokers and their connections
    const [a, b] = await Promise.all([describeCluster(viaKafka), describeCluster(direct)]);
    // Assert
    expect(b).toEqual(a);
    expect(a.connection).toMatchObject({
      requestTimeout: conn.requestTimeoutMs ?? 15_000,
      clientId: conn.clientId ?? 'kafka-pipes-template',
    });
  });

  it('fails with a clear message when the private factory is missing', () => {
    expect(() => internalCluster({} as never)).toThrow(
      'kafkajs internals changed: private:Kafka:createCluster not found (kafkajs 2.2.4 expected)',
    );
  });
});

/** The parts of a Cluster that describeCluster reads (kafkajs 2.2.4 src/cluster, src/network). */
interface ClusterShape {
  isolationLevel: unknown;
  brokerPool: { metadataMaxAge: number; createBroker(o: object): Record<string, unknown> };
  connectionPoolBuilder: {
    build(d: { host: string; port: number }): Promise<{ pool: Record<string, unknown>[] }>;
  };
  retrier: unknown;
}

/** The settings a Cluster gives its brokers and connections, without functions (compared between two Clusters). */
async function describeCluster(
  cluster: ClusterShape,
): Promise<{ cluster: object; broker: object; connection: object }> {
  // Settings only: numbers, strings, booleans, null and undefined (objects such as locks and pools are state).
  const plain = (o: Record<string, unknown>) =>
    Object.fromEntries(
      Object.entries(o).filter(([, v]) => v === null || (typeof v !== 'object' && typeof v !== 'function')),
    );
  const pool = await cluster.connectionPoolBuilder.build({ host: '127.0.0.1', port: 1 });
  const connection = pool.pool[0] ?? {};
  const broker = cluster.brokerPool.createBroker({
    connectionPool: pool,
    logger: (cluster as unknown as { rootLogger: unknown }).rootLogger,
  });
  return {
    cluster: { isolationLevel: cluster.isolationLevel, metadataMaxAge: cluster.brokerPool.metadataMaxAge },
    broker: plain(broker),
    connection: {
      ...plain(connection),
      requestQueue: plain((connection.requestQueue ?? {}) as Record<string, unknown>),
      ssl: connection.ssl,
      sasl: (connection.sasl as { mechanism?: string } | undefined)?.mechanism,
      saslOptions: JSON.stringify(connection.sasl),
    },
  };
}
