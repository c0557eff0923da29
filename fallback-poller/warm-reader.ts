/**
 * The poller's partition reader in a warm container: the Kafka connections (and the material they were
 * resolved from: truststore, secret, bootstrap brokers) stay open across polls (core/kafka/warm-clusters.ts).
 * One pool per connection spec, made when the spec's resolved connection is first used and replaced when the
 * material cache resolves it anew (rotation). A session that cannot open because of a connection, timeout or
 * authentication failure lets every kept connection of the spec go, so the next poll dials anew; an
 * authentication failure also drops the resolved material, so the next poll reads the secret again.
 */

import type { KafkaConnection } from '../core/kafka/config.js';
import { classifyKafkaError } from '../core/kafka/failures.js';
import {
  type OpenPartitionOptions,
  openWarmPartitionSession,
  type PartitionSession,
} from '../core/kafka/partition-session.js';
import {
  createWarmClusters,
  type WarmClusterOptions,
  type WarmClusters,
} from '../core/kafka/warm-clusters.js';
import type { ConnectionSpec, MaterialPorts } from './connection.js';

/** The material cache of connection.ts (createConnectionCache). */
export interface ResolvedConnections {
  get(spec: ConnectionSpec, ports: MaterialPorts): Promise<KafkaConnection>;
  clear(): void;
}

/** Opens a session on a pool (default: openWarmPartitionSession; tests count or fail it). */
export type OpenOnPool = (pool: WarmClusters, request: OpenPartitionOptions) => Promise<PartitionSession>;

/** Options of {@link createWarmReader}. */
export interface WarmReaderOptions extends WarmClusterOptions {
  readonly open?: OpenOnPool;
}

/** Failure kinds after which kept connections are let go (core/kafka/failures.ts). */
const DROP_CONNECTIONS_ON = new Set(['connection', 'timeout', 'sasl']);

/** The warm reader: `open` borrows kept connections; `pool` shows the current pool (tests, logs). */
export function createWarmReader(
  resolved: ResolvedConnections,
  spec: ConnectionSpec,
  material: MaterialPorts,
  options: WarmReaderOptions = {},
) {
  const open = options.open ?? openWarmPartitionSession;
  let current: WarmClusters | null = null;

  const poolFor = (connection: KafkaConnection): WarmClusters => {
    if (current?.connection === connection) return current;
    // The material was resolved anew (TTL, rotation): the old pool's connections end as their sessions do.
    void current?.close();
    current = createWarmClusters(connection, options);
    return current;
  };

  return {
    async open(request: OpenPartitionOptions): Promise<PartitionSession> {
      const pool = poolFor(await resolved.get(spec, material));
      try {
        return await open(pool, request);
      } catch (error) {
        const { kind } = classifyKafkaError(error);
        if (DROP_CONNECTIONS_ON.has(kind)) {
          if (current === pool) current = null;
          await pool.close();
          if (kind === 'sasl') resolved.clear();
        }
        throw error;
      }
    },
    pool: (): WarmClusters | null => current,
    /** Disconnects the kept connections (the local run and tests end with it; a Lambda never needs it). */
    async close(): Promise<void> {
      const pool = current;
      current = null;
      await pool?.close();
    },
  };
}
