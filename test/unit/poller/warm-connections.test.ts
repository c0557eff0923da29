/**
 * Lifecycle of the Kafka connections a warm poller container keeps across polls: the pool
 * (core/kafka/warm-clusters.ts) and the poller's reader over it (fallback-poller/warm-reader.ts). Leases are
 * made but never connected here (kafkajs connects on first request); the test bed's broker covers the
 * connections themselves (test/integration/poller-restart.test.ts).
 */
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import type { KafkaConnection } from '../../../core/kafka/config.js';
import type { PartitionSession } from '../../../core/kafka/partition-session.js';
import {
  type ClusterLease,
  createWarmClusters,
  type WarmClusters,
} from '../../../core/kafka/warm-clusters.js';
import type { ConnectionSpec, MaterialPorts } from '../../../fallback-poller/connection.js';
import { createWarmReader } from '../../../fallback-poller/warm-reader.js';

const CONN: KafkaConnection = { brokers: ['127.0.0.1:9'], clientId: 'warm-test' };
const REQUEST = { topic: 't', partition: 0, groupId: 'g', startingPosition: 'TRIM_HORIZON' as const };

describe('warm clusters (the pool)', () => {
  it('gives a healthy lease back to the next acquire, and dials a new one only when none is kept', async () => {
    const pool = createWarmClusters(CONN);
    const first = await pool.acquire();
    expect(first.reused).toBe(false);
    pool.release(first, true);
    const second = await pool.acquire();
    expect(second.head).toBe(first.head);
    expect(second.reused).toBe(true);
    const third = await pool.acquire(); // the kept one is borrowed: a session gets connections of its own
    expect(third.head).not.toBe(first.head);
    expect(pool.stats()).toEqual({ created: 2, reused: 1, dropped: 0 });
    await pool.close();
  });

  it('disconnects a lease given back unhealthy, or after a rejected fetch', async () => {
    const pool = createWarmClusters(CONN);
    const a = await pool.acquire();
    const b = await pool.acquire();
    pool.release(a, false);
    pool.release(b, Promise.reject(new Error('fetch failed')));
    const next = await pool.acquire();
    expect([a.head, b.head]).not.toContain(next.head);
    expect(pool.stats()).toMatchObject({ created: 3, reused: 0, dropped: 2 });
    await pool.close();
  });

  it('waits for a lease still finishing its last fetch rather than dialing anew', async () => {
    const pool = createWarmClusters(CONN, { returnWaitMs: 5_000 });
    const a = await pool.acquire();
    let fetchReturned!: (fit: boolean) => void;
    pool.release(a, new Promise<boolean>((resolve) => (fetchReturned = resolve)));
    setTimeout(() => fetchReturned(true), 30);
    const next = await pool.acquire();
    expect(next.head).toBe(a.head);
    expect(pool.stats()).toMatchObject({ created: 1, reused: 1 });
    await pool.close();
  });

  it('dials anew when the returning lease takes longer than returnWaitMs', async () => {
    const pool = createWarmClusters(CONN, { returnWaitMs: 20 });
    const a = await pool.acquire();
    pool.release(a, new Promise<boolean>(() => undefined));
    const next = await pool.acquire();
    expect(next.head).not.toBe(a.head);
    await pool.close();
  });

  it('lets a lease idle longer than maxIdleMs go instead of reusing it', async () => {
    let now = 0;
    const pool = createWarmClusters(CONN, { maxIdleMs: 1_000, nowMs: () => now });
    const a = await pool.acquire();
    pool.release(a, true);
    await settle();
    now = 1_001;
    const next = await pool.acquire();
    expect(next.head).not.toBe(a.head);
    expect(pool.stats()).toEqual({ created: 2, reused: 0, dropped: 1 });
    await pool.close();
  });

  it('keeps at most maxIdle leases; close and dropKept disconnect the kept ones and any given back later', async () => {
    const pool = createWarmClusters(CONN, { maxIdle: 1 });
    const [a, b, c] = [await pool.acquire(), await pool.acquire(), await pool.acquire()];
    pool.release(a, true);
    pool.release(b, true);
    await settle();
    expect(pool.stats().dropped).toBe(1);
    await pool.dropKept();
    expect(pool.stats().dropped).toBe(2);
    await pool.close();
    pool.release(c, true);
    await settle();
    expect(pool.stats()).toEqual({ created: 3, reused: 0, dropped: 3 });
  });
});

describe('warm reader (the poller over the pool)', () => {
  const spec: ConnectionSpec = {
    brokers: ['127.0.0.1:9'],
    tls: false,
    truststore: { type: 'default' },
    auth: { type: 'none' },
  };
  const material = {} as MaterialPorts;
  /** A material cache returning `conns` in turn, counting clears. */
  const resolvedAs = (...conns: KafkaConnection[]) => {
    let i = 0;
    const state = { clears: 0 };
    return {
      state,
      resolved: {
        get: async () => conns[Math.min(i++, conns.length - 1)] as KafkaConnection,
        clear: () => void state.clears++,
      },
    };
  };
  /** Opens by borrowing a lease and giving it back healthy at close; `fail` makes the next opens throw. */
  const fakeOpen = () => {
    const opened: ClusterLease[] = [];
    const failures: Error[] = [];
    const open = async (pool: WarmClusters): Promise<PartitionSession> => {
      const failure = failures.shift();
      if (failure) throw failure;
      const lease = await pool.acquire();
      opened.push(lease);
      return { close: async () => pool.release(lease, true) } as PartitionSession;
    };
    return { open, opened, failures };
  };

  it('two polls in one container share one connection', async () => {
    const { resolved } = resolvedAs(CONN);
    const { open, opened } = fakeOpen();
    const reader = createWarmReader(resolved, spec, material, { open });
    await (await reader.open(REQUEST)).close();
    await settle();
    await (await reader.open(REQUEST)).close();
    expect(opened[1]?.head).toBe(opened[0]?.head);
    expect(reader.pool()?.stats()).toMatchObject({ created: 1, reused: 1 });
    await reader.close();
  });

  it.each([
    ['connection', new kafkajs.KafkaJSConnectionError('Connection error: ECONNREFUSED'), 0],
    ['request timeout', new kafkajs.KafkaJSRequestTimeoutError('Request timed out'), 0],
    [
      'authentication',
      // kafkajs' typings omit the message its constructor takes (kafkajs 2.2.4 src/errors.js).
      new (kafkajs.KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error)(
        'SASL SCRAM SHA512 authentication failed',
      ),
      1,
    ],
  ])(
    'a %s failure drops the kept connections (and, for authentication, the material)',
    async (_kind, error, clears) => {
      const { resolved, state } = resolvedAs(CONN);
      const { open, opened, failures } = fakeOpen();
      const reader = createWarmReader(resolved, spec, material, { open });
      await (await reader.open(REQUEST)).close();
      await settle();
      const before = reader.pool();
      failures.push(error);
      await expect(reader.open(REQUEST)).rejects.toBe(error);
      expect(before?.stats().dropped).toBe(1);
      await (await reader.open(REQUEST)).close();
      expect(reader.pool()).not.toBe(before);
      expect(opened[1]?.head).not.toBe(opened[0]?.head);
      expect(state.clears).toBe(clears);
      await reader.close();
    },
  );

  it('keeps the connections after a failure that is not about the connection (a missing partition)', async () => {
    const { resolved } = resolvedAs(CONN);
    const { open, opened, failures } = fakeOpen();
    const reader = createWarmReader(resolved, spec, material, { open });
    await (await reader.open(REQUEST)).close();
    await settle();
    failures.push(new Error('partition 7 does not exist in topic t'));
    await expect(reader.open(REQUEST)).rejects.toThrow('partition 7');
    await (await reader.open(REQUEST)).close();
    expect(opened[1]?.head).toBe(opened[0]?.head);
    await reader.close();
  });

  it('material resolved anew (TTL, rotation) gets a new pool; the old one is closed', async () => {
    const rotated: KafkaConnection = { ...CONN, clientId: 'rotated' };
    const { resolved } = resolvedAs(CONN, rotated);
    const { open } = fakeOpen();
    const reader = createWarmReader(resolved, spec, material, { open });
    await (await reader.open(REQUEST)).close();
    await settle();
    const old = reader.pool();
    await (await reader.open(REQUEST)).close();
    expect(reader.pool()?.connection).toBe(rotated);
    expect(old?.stats().dropped).toBe(1);
    await reader.close();
  });
});

/** Lets given-back leases settle (their release runs in promise callbacks). */
const settle = () => new Promise((resolve) => setTimeout(resolve, 5));
