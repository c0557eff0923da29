/**
 * Fallback poller benchmark (`npm run bench -- poller`), against a real broker (the test bed, mTLS
 * listener with the private chain) so kafkajs does real network and TLS work:
 * - the partition reader alone (openPartitionSession → poll, counting) vs a raw kafkajs consumer
 *   (same single-partition assignment, no processing) draining the same partition in the same run
 *   → ratio (the reader: no group join, offset fetch, buffering, a read-ahead fetch on a second
 *   connection while behind, see core/kafka/fetch-plan.ts);
 * - the whole poll (pollPartition: lock, read, enrichment with the default rules, a counting Kinesis
 *   sink, DLQ, commits) vs the same raw consumer → ratio, target ≥ 0.8; and the same poll with one
 *   fetch lane (no read-ahead), to show what the read-ahead buys;
 * - records per invocation and per minute and partition compared with the original poller design (300 records per
 *   invocation, 4 iterations a minute = 1,200 records per minute and partition).
 */
import { randomUUID } from 'node:crypto';
import type { KafkaConnection } from '../core/kafka/client.js';
import { openPartitionSession } from '../core/kafka/partition-session.js';
import { createApicGenerator } from '../devkit/apic-generator.js';
import { drainPartitionRaw } from '../devkit/bench-baselines.js';
import { createTopic, kafkaConnections, produceMessages } from '../devkit/testbed/kafka.js';
import { startTestBed } from '../devkit/testbed/testbed.js';
import { type CompiledRules, compileRules, DEFAULT_RULES } from '../enrichment/index.js';
import { createMemoryLock } from '../fallback-poller/lock.js';
import { pollPartition } from '../fallback-poller/poll-partition.js';
import type { PollPorts, SinkEntryResult } from '../fallback-poller/ports.js';
import type { BenchResult } from './run.js';

const RECORDS = 20_000;
const ROUNDS = 3;
const RATIO_TARGET = 0.8;
const SEED_RECORDS_PER_INVOCATION = 300;
const SEED_ITERATIONS_PER_MINUTE = 4;
const LAMBDA_TIMEOUT_MS = 65_000;
const SAFETY_MARGIN_MS = 10_000;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
}

/** Drains the topic once with pollPartition into a counting sink; returns records/s. */
async function timedPoll(
  conn: KafkaConnection,
  topic: string,
  rules: CompiledRules,
  readerOptions: { fetchLanes?: number },
): Promise<number> {
  let delivered = 0;
  const ports: PollPorts = {
    reader: {
      open: (req) => openPartitionSession(conn, { ...req, ...readerOptions }),
      describe: async () => [0],
    },
    lock: createMemoryLock(),
    sink: {
      async putRecords(entries): Promise<SinkEntryResult[]> {
        delivered += entries.length;
        return entries.map(() => ({}));
      },
    },
    dlq: { send: async () => undefined },
    clock: { nowMs: Date.now, sleep: (ms) => new Promise((res) => setTimeout(res, ms)) },
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    remainingTimeMs: () => 600_000,
  };
  const t1 = performance.now();
  const res = await pollPartition(
    { kafka_partition: 0, iteration: 1 },
    {
      sourceName: 'bench',
      topic,
      groupId: `bench-poller-${randomUUID()}`,
      startingPosition: 'TRIM_HORIZON',
      eventSource: 'SelfManagedKafka',
      cluster: conn.brokers.join(','),
      rules,
      partitionKey: { type: 'record-key' },
      maxRecordsPerInvocation: RECORDS,
      idleWaitMs: 200,
    },
    ports,
  );
  const ms = performance.now() - t1;
  if (res.counts.committed !== RECORDS || delivered !== RECORDS) {
    throw new Error(`poll delivered ${delivered} and committed ${res.counts.committed} of ${RECORDS}`);
  }
  return (RECORDS / ms) * 1000;
}

export default async function pollerBench(): Promise<BenchResult[]> {
  const bed = await startTestBed();
  try {
    const conns = kafkaConnections(bed);
    const conn = conns.mtls;
    const topic = `bench-poller-${Date.now().toString(36)}`;
    await createTopic(conns.plaintext, topic, 1);
    const gen = createApicGenerator({ seed: 7 });
    let bytes = 0;
    for (let i = 0; i < RECORDS; i += 200) {
      const batch = gen.take(Math.min(200, RECORDS - i)).map((e, k) => {
        const value = JSON.stringify(e);
        bytes += value.length;
        return { partition: 0, key: `app-${(i + k) % 7}`, value };
      });
      await produceMessages(conns.plaintext, topic, batch);
    }
    const avgBytes = Math.round(bytes / RECORDS);
    const rules = compileRules(DEFAULT_RULES);

    const raw: number[] = [];
    const reader: number[] = [];
    const poller: number[] = [];
    const pollerOneLane: number[] = [];
    let perInvocationMs = 0;
    let readAheads = 0;
    for (let round = 0; round < ROUNDS; round++) {
      // 1. raw kafkajs consumer
      const r = await drainPartitionRaw(conn, { topic, partition: 0, count: RECORDS });
      raw.push((r.records / r.elapsedMs) * 1000);

      // 2. the partition reader alone
      const t0 = performance.now();
      const session = await openPartitionSession(conn, {
        topic,
        partition: 0,
        groupId: `bench-reader-${randomUUID()}`,
        startingPosition: 'TRIM_HORIZON',
      });
      let n = 0;
      while (n < RECORDS) {
        const got = await session.poll(500, 1_000);
        if (got.length === 0) break;
        n += got.length;
      }
      await session.close();
      reader.push((n / (performance.now() - t0)) * 1000);
      readAheads = session.stats().readAheads;

      // 3. the whole poll into a counting sink, with the default fetch lanes and with one lane
      poller.push(await timedPoll(conn, topic, rules, {}));
      pollerOneLane.push(await timedPoll(conn, topic, rules, { fetchLanes: 1 }));
      perInvocationMs = (RECORDS / (poller.at(-1) as number)) * 1000;
    }
    const rawRate = median(raw);
    const readerRate = median(reader);
    const pollerRate = median(poller);
    const oneLaneRate = median(pollerOneLane);
    const perInvocation = Math.floor((pollerRate * (LAMBDA_TIMEOUT_MS - SAFETY_MARGIN_MS)) / 1000);
    const note = `${RECORDS} records of ${avgBytes} B avg, one partition, mTLS, median of ${ROUNDS}`;
    return [
      { name: 'raw kafkajs consumer (no processing)', value: Math.round(rawRate), unit: 'records/s', note },
      {
        name: 'partition reader (no group, counting)',
        value: Math.round(readerRate),
        unit: 'records/s',
        note,
      },
      {
        name: 'reader / raw consumer ratio',
        value: Number((readerRate / rawRate).toFixed(3)),
        unit: 'ratio',
        target: `>= ${RATIO_TARGET}`,
        ok: readerRate / rawRate >= RATIO_TARGET,
      },
      {
        name: 'pollPartition (lock, enrichBatch default rules, counting sink, commits)',
        value: Math.round(pollerRate),
        unit: 'records/s',
        note: `${note}; last run ${Math.round(perInvocationMs)} ms`,
      },
      {
        name: 'pollPartition / raw consumer ratio',
        value: Number((pollerRate / rawRate).toFixed(3)),
        unit: 'ratio',
        target: `>= ${RATIO_TARGET}`,
        ok: pollerRate / rawRate >= RATIO_TARGET,
        note: 'see fallback-poller/README.md (Benchmark)',
      },
      {
        name: 'pollPartition with one fetch lane (no read-ahead) / raw consumer ratio',
        value: Number((oneLaneRate / rawRate).toFixed(3)),
        unit: 'ratio',
        note: `what the read-ahead buys: ${Math.round(oneLaneRate)} records/s with one lane; ${readAheads} read-aheads in the last reader run`,
      },
      {
        name: 'records per invocation (65 s timeout, 10 s margin) vs the original design',
        value: perInvocation,
        unit: 'records',
        note: `original design: ${SEED_RECORDS_PER_INVOCATION} (x${(perInvocation / SEED_RECORDS_PER_INVOCATION).toFixed(0)}); capped by poller.maxRecordsPerInvocation`,
      },
      {
        name: 'records per minute and partition (4 iterations) vs the original design',
        value: perInvocation * SEED_ITERATIONS_PER_MINUTE,
        unit: 'records/min',
        note: `original design: ${SEED_RECORDS_PER_INVOCATION * SEED_ITERATIONS_PER_MINUTE}; time-bound, not a fixed count`,
      },
    ];
  } finally {
    await bed.stop();
  }
}
