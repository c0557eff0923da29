/**
 * The partition reader (core/kafka/partition-session.ts openPartitionSession) against the real broker, with small
 * fetches so that a few thousand records take many fetches, read-aheads, overlaps and gap fills:
 * every record is handed out once and in order, whatever the number of lanes; transactions are read
 * READ_COMMITTED (aborted records dropped, control records skipped) across lane boundaries; an open
 * transaction at the end of the log is "caught up", not a stuck reader.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { createKafka, type KafkaConnection } from '../../core/kafka/client.js';
import { openPartitionSession, type PartitionSession } from '../../core/kafka/partition-session.js';
import type { PartitionRecord } from '../../core/kafka/records.js';
import { createTopic, kafkaConnections, produceMessages, uniqueName } from '../../devkit/testbed/kafka.js';
import { printBrokerLogOnFailure } from '../harness/log-on-failure.js';

const bed = inject('testbed');
const conns = kafkaConnections(bed);
printBrokerLogOnFailure(bed.kafka.logFile);

/** kafkajs CompressionTypes.GZIP (the enum is not re-exported by the adapter). */
const GZIP = 1;

interface Sent {
  readonly key: string;
  readonly value: string;
  readonly header: string;
}

/** Deterministic pseudo-random numbers (the test data must not change run to run). */
function prng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

/**
 * Produces `count` records to partition 0 in batches of 1–80 records, every third batch gzip-compressed,
 * values of 50 B – 6 KB (growing in the second half, so fetch spans change mid-way).
 */
async function produceVaried(
  conn: KafkaConnection,
  topic: string,
  count: number,
): Promise<{ sent: Sent[]; maxBatchBytes: number }> {
  const random = prng(7);
  const producer = createKafka(conn).producer({ allowAutoTopicCreation: false });
  const sent: Sent[] = [];
  let maxBatchBytes = 0;
  await producer.connect();
  try {
    for (let batchNo = 0; sent.length < count; batchNo++) {
      const n = Math.min(count - sent.length, 1 + Math.floor(random() * 80));
      const batch: Sent[] = [];
      for (let i = 0; i < n; i++) {
        const k = sent.length + i;
        const len = k < count / 2 ? 50 + Math.floor(random() * 1_500) : 500 + Math.floor(random() * 5_500);
        batch.push({ key: `k${k}`, value: `${k}:${'x'.repeat(len)}`, header: `h${k}` });
      }
      await producer.send({
        topic,
        acks: -1,
        ...(batchNo % 3 === 2 ? { compression: GZIP } : {}),
        messages: batch.map((m) => ({ partition: 0, key: m.key, value: m.value, headers: { h: m.header } })),
      });
      sent.push(...batch);
      const bytes = batch.reduce((sum, m) => sum + m.key.length + m.value.length + 1 + m.header.length, 0);
      maxBatchBytes = Math.max(maxBatchBytes, bytes);
    }
  } finally {
    await producer.disconnect();
  }
  return { sent, maxBatchBytes };
}

/** Polls until `count` records arrived or a poll came back empty. */
async function readAll(session: PartitionSession, count: number): Promise<PartitionRecord[]> {
  const out: PartitionRecord[] = [];
  while (out.length < count) {
    const got = await session.poll(250, 2_000);
    if (got.length === 0) break;
    out.push(...got);
  }
  return out;
}

const view = (r: PartitionRecord) => ({
  offset: r.offset,
  key: r.key?.toString('utf8'),
  value: r.value?.toString('utf8'),
  header: r.headers.find((h) => h.name === 'h')?.value.toString('utf8'),
});

describe('partition reader against the broker', () => {
  it.each<{ name: string; lanes: number; prefetchRecords?: number; prefetchBytes?: number }>([
    { name: '1 fetch lane', lanes: 1 },
    { name: '2 fetch lanes', lanes: 2 },
    { name: '3 fetch lanes', lanes: 3 },
    {
      name: '2 lanes, prefetch bounded to 10 records / 32 KiB',
      lanes: 2,
      prefetchRecords: 10,
      prefetchBytes: 32 * 1024,
    },
  ])(
    'hands out every record once and in order: $name (16 KiB fetches, gzip and plain batches)',
    async ({ lanes, prefetchRecords, prefetchBytes }) => {
      // Arrange
      const topic = uniqueName('reader-lanes');
      await createTopic(conns.plaintext, topic, 1);
      const { sent, maxBatchBytes } = await produceVaried(conns.plaintext, topic, 3_000);
      // Act
      const session = await openPartitionSession(conns.mtls, {
        topic,
        partition: 0,
        groupId: `reader-${randomUUID()}`,
        startingPosition: 'TRIM_HORIZON',
        maxBytesPerFetch: 16 * 1024,
        fetchLanes: lanes,
        ...(prefetchRecords ? { prefetchRecords } : {}),
        ...(prefetchBytes ? { prefetchBytes } : {}),
      });
      let got: PartitionRecord[];
      try {
        got = await readAll(session, sent.length);
      } finally {
        await session.close();
      }
      // Assert
      expect(got.map(view)).toEqual(
        sent.map((m, i) => ({ offset: String(i), key: m.key, value: m.value, header: m.header })),
      );
      const stats = session.stats();
      if (lanes === 1) expect(stats).toMatchObject({ readAheads: 0, overlapRecords: 0 });
      else expect(stats.readAheads).toBeGreaterThan(stats.fetches / 10);
      if (prefetchBytes) {
        // Held pieces (behind a gap) never block the head fetch that releases them, so a small bound
        // cannot stall the reader; it may be overshot by what lanes had in flight (whole batches).
        expect(stats.peakBufferedBytes).toBeLessThanOrEqual(prefetchBytes + lanes * maxBatchBytes);
      }
      console.info(`reader, ${lanes} lane(s): ${JSON.stringify(stats)}`);
    },
  );

  it('reads ahead no further than its read limit; a poll past the limit still gets records', async () => {
    // Arrange
    const topic = uniqueName('reader-limit');
    await createTopic(conns.plaintext, topic, 1);
    const { sent } = await produceVaried(conns.plaintext, topic, 3_000);
    const open = (readLimit?: number) =>
      openPartitionSession(conns.mtls, {
        topic,
        partition: 0,
        groupId: `reader-${randomUUID()}`,
        startingPosition: 'TRIM_HORIZON',
        maxBytesPerFetch: 16 * 1024,
        ...(readLimit ? { readLimit } : {}),
      });
    /** Takes `count` records, lets the fetches in flight land, and returns what the fetches brought. */
    const readAndSettle = async (session: PartitionSession, count: number) => {
      const got = await readAll(session, count);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      return { got, received: session.stats().receivedRecords };
    };
    // Act
    const limited = await open(200);
    const unlimited = await open();
    let withLimit: Awaited<ReturnType<typeof readAndSettle>>;
    let withoutLimit: Awaited<ReturnType<typeof readAndSettle>>;
    let pastLimit: PartitionRecord[];
    try {
      [withLimit, withoutLimit] = await Promise.all([
        readAndSettle(limited, 200),
        readAndSettle(unlimited, 200),
      ]);
      pastLimit = await limited.poll(50, 5_000);
    } finally {
      await Promise.all([limited.close(), unlimited.close()]);
    }
    // Assert: at most what the fetches in flight at the limit carried (16 KiB fetches, 2 lanes)
    expect(withLimit.got.length).toBeGreaterThanOrEqual(200);
    console.info(`read limit 200: ${withLimit.received} received; no limit: ${withoutLimit.received}`);
    expect(withLimit.received).toBeLessThan(1_000);
    expect(withoutLimit.received).toBeGreaterThanOrEqual(sent.length);
    expect(pastLimit.length).toBeGreaterThan(0);
    expect(pastLimit[0]?.offset).toBe(String(withLimit.got.length));
  });

  it.each<{ type: 'CreateTime' | 'LogAppendTime'; expected: PartitionRecord['timestampType'] }>([
    { type: 'CreateTime', expected: 'CREATE_TIME' },
    { type: 'LogAppendTime', expected: 'LOG_APPEND_TIME' },
  ])(
    'reports the timestamp type of a $type topic (a batch attribute in the v2 format)',
    async ({ type, expected }) => {
      // Arrange: producer timestamps far in the past, so a LogAppendTime broker visibly replaces them
      const topic = uniqueName('reader-ts');
      await createTopic(conns.plaintext, topic, 1, { configEntries: { 'message.timestamp.type': type } });
      const produced = Date.now();
      await produceMessages(
        conns.plaintext,
        topic,
        Array.from({ length: 5 }, (_, i) => ({ partition: 0, value: `v${i}`, timestamp: String(1_000 + i) })),
      );
      // Act
      const session = await openPartitionSession(conns.mtls, {
        topic,
        partition: 0,
        groupId: `reader-${randomUUID()}`,
        startingPosition: 'TRIM_HORIZON',
      });
      let got: PartitionRecord[];
      try {
        got = await readAll(session, 5);
      } finally {
        await session.close();
      }
      // Assert
      expect(got.map((r) => r.timestampType)).toEqual(Array(5).fill(expected));
      if (type === 'CreateTime')
        expect(got.map((r) => r.timestamp)).toEqual(['1000', '1001', '1002', '1003', '1004']);
      else expect(got.every((r) => Number(r.timestamp) >= produced - 60_000)).toBe(true);
    },
  );

  it('reads transactions READ_COMMITTED across read-aheads, and an open transaction at the end is caught up', async () => {
    // Arrange: 12 transactions of 100 records (every third aborted), then one left open
    const topic = uniqueName('reader-txn');
    await createTopic(conns.plaintext, topic, 1);
    const producer = createKafka(conns.plaintext).producer({
      allowAutoTopicCreation: false,
      transactionalId: `txn-${randomUUID()}`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    const committed: string[] = [];
    let open: Awaited<ReturnType<typeof producer.transaction>> | null = null;
    try {
      for (let t = 0; t < 13; t++) {
        const txn = await producer.transaction();
        const values = Array.from({ length: 100 }, (_, i) => `t${t}-${i}-${'y'.repeat(300)}`);
        await txn.send({ topic, messages: values.map((value) => ({ partition: 0, value })) });
        if (t === 12) open = txn;
        else if (t % 3 === 1) await txn.abort();
        else {
          await txn.commit();
          committed.push(...values);
        }
      }
      // Act
      const session = await openPartitionSession(conns.mtls, {
        topic,
        partition: 0,
        groupId: `reader-${randomUUID()}`,
        startingPosition: 'TRIM_HORIZON',
        maxBytesPerFetch: 8 * 1024,
        fetchLanes: 2,
      });
      let got: PartitionRecord[];
      let tail: PartitionRecord[];
      try {
        got = await readAll(session, committed.length);
        tail = await session.poll(100, 1_000); // the open transaction: nothing readable, no error
      } finally {
        await session.close();
      }
      // Assert
      expect(got.map((r) => r.value?.toString('utf8'))).toEqual(committed);
      expect(tail).toEqual([]);
      expect(session.stats().readAheads).toBeGreaterThan(0);
    } finally {
      await open?.abort().catch(() => undefined);
      await producer.disconnect();
    }
  });
});
