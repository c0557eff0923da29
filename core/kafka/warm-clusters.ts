/**
 * Kafka connections kept open across partition sessions of one process (a warm Lambda container): the
 * TCP/TLS handshake, SASL authentication, ApiVersions and metadata of a session's connections are paid
 * once, and later sessions of the same KafkaConnection borrow them (partition-session.ts).
 *
 * A session borrows a whole lease (the head connection, its read-ahead lanes and the group coordinator it
 * looked up) for itself: the broker answers one request per connection at a time, so two sessions on one
 * connection would wait on each other's long-polling fetches. A closed session gives its lease back once
 * its last fetch has returned (at most the fetch's max wait), healthy or not: a lease whose session saw a
 * fetch, offset or commit failure is disconnected, never reused. A lease idle longer than `maxIdleMs` is
 * disconnected instead of reused: NAT gateways and load balancers drop TCP flows idle for 350 seconds
 * (https://repost.aws/knowledge-center/lambda-vpc-timeout), and a silently dropped connection would cost a
 * request timeout. A broker that closed a kept connection is redialed by kafkajs on the next request
 * (kafkajs 2.2.4 src/cluster/brokerPool.js, findBroker). SASL sessions with a lifetime (MSK IAM) are
 * re-authenticated by kafkajs before a request once the lifetime nears its end, with a fresh token from the
 * connection's provider (client.ts, `reauthenticationThresholdMs`).
 */
import { createCluster } from './cluster.js';
import type { KafkaConnection } from './config.js';
import { READER_RETRIES } from './failures.js';
import { disconnectQuietly, type InternalBroker, type InternalCluster } from './internals.js';

/** The connections one session borrows. */
export interface ClusterLease {
  /** Builds an unconnected cluster of the connection (a read-ahead lane's own connection). */
  readonly newCluster: () => InternalCluster;
  /** Metadata, offsets, commits and the first fetch lane (fetch-lanes.ts). */
  readonly head: InternalCluster;
  /** Connected read-ahead lanes (lane number → cluster), kept for the next session. */
  readonly lanes: Map<number, InternalCluster>;
  /** Group coordinators found on `head` (group id → broker), kept while the lease is healthy. */
  readonly coordinators: Map<string, InternalBroker>;
  /** True when an earlier session used these connections. */
  readonly reused: boolean;
}

/** Counters of a pool (for tests and logs). */
export interface WarmClusterStats {
  /** Leases dialed. */
  readonly created: number;
  /** Sessions that borrowed a kept lease. */
  readonly reused: number;
  /** Leases disconnected (failed, idle too long, pool closed). */
  readonly dropped: number;
}

/** Options of {@link createWarmClusters}. */
export interface WarmClusterOptions {
  /** Longest a lease may sit unused and still be reused (default 4 minutes, below the 350 s idle drop). */
  readonly maxIdleMs?: number;
  /** Leases kept unused at most (default 4); more are disconnected when given back. */
  readonly maxIdle?: number;
  /** Longest `acquire` waits for a lease still finishing its last fetch before dialing anew (default 750 ms). */
  readonly returnWaitMs?: number;
  readonly nowMs?: () => number;
}

/** Connections of one KafkaConnection kept for reuse, see the file comment. */
export interface WarmClusters {
  readonly connection: KafkaConnection;
  /** A kept lease (the most recently used first), or a new one (not connected yet). */
  acquire(): Promise<ClusterLease>;
  /**
   * Gives a lease back once `healthy` settles (the session's last fetch returned); an unhealthy lease (and
   * any given back after `close`) is disconnected.
   */
  release(lease: ClusterLease, healthy: boolean | Promise<boolean>): void;
  /** Disconnects the kept leases (they failed: the next `acquire` dials anew). */
  dropKept(): Promise<void>;
  /** Disconnects every kept lease and every lease given back later. */
  close(): Promise<void>;
  stats(): WarmClusterStats;
}

export const WARM_CLUSTER_DEFAULTS = { maxIdleMs: 240_000, maxIdle: 4, returnWaitMs: 750 } as const;

interface Kept {
  readonly lease: ClusterLease;
  readonly since: number;
}

/** A pool of kept connections for `connection` (one per warm container and connection). */
export function createWarmClusters(
  connection: KafkaConnection,
  options: WarmClusterOptions = {},
): WarmClusters {
  const maxIdleMs = options.maxIdleMs ?? WARM_CLUSTER_DEFAULTS.maxIdleMs;
  const maxIdle = options.maxIdle ?? WARM_CLUSTER_DEFAULTS.maxIdle;
  const returnWaitMs = options.returnWaitMs ?? WARM_CLUSTER_DEFAULTS.returnWaitMs;
  const now = options.nowMs ?? Date.now;
  const idle: Kept[] = [];
  const returning = new Set<Promise<unknown>>();
  const counts = { created: 0, reused: 0, dropped: 0 };
  let closed = false;

  const drop = (lease: ClusterLease): Promise<void> => {
    counts.dropped++;
    return disconnectLease(lease);
  };
  const takeKept = (): ClusterLease | null => {
    for (let kept = idle.pop(); kept; kept = idle.pop()) {
      if (now() - kept.since <= maxIdleMs) {
        counts.reused++;
        return kept.lease;
      }
      void drop(kept.lease);
    }
    return null;
  };

  return {
    connection,
    async acquire() {
      const kept = takeKept();
      if (kept) return kept;
      if (returning.size > 0) {
        await Promise.race([Promise.race(returning), delay(returnWaitMs)]);
        const back = takeKept();
        if (back) return back;
      }
      counts.created++;
      return newLease(connection);
    },
    release(lease, healthy) {
      const back = Promise.resolve(healthy).then(
        (fit) => {
          if (!fit || closed || idle.length >= maxIdle) return drop(lease);
          idle.push({ lease: { ...lease, reused: true }, since: now() });
        },
        () => drop(lease),
      );
      returning.add(back);
      void back.finally(() => returning.delete(back));
    },
    async dropKept() {
      await Promise.all(idle.splice(0).map((k) => drop(k.lease)));
    },
    async close() {
      closed = true;
      await Promise.all(idle.splice(0).map((k) => drop(k.lease)));
    },
    stats: () => ({ ...counts }),
  };
}

/** A lease of new, unconnected connections (the reader's retries unless the connection sets its own). */
export function newLease(connection: KafkaConnection): ClusterLease {
  const readerConn = { ...connection, retries: connection.retries ?? READER_RETRIES };
  const newCluster = () => createCluster(readerConn);
  return { newCluster, head: newCluster(), lanes: new Map(), coordinators: new Map(), reused: false };
}

/** Disconnects a lease's head and lanes (errors ignored: the connections may already be gone). */
export async function disconnectLease(lease: Pick<ClusterLease, 'head' | 'lanes'>): Promise<void> {
  await Promise.all([lease.head, ...lease.lanes.values()].map(disconnectQuietly));
}

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());
