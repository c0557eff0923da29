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
 * - the same poll writing to the test bed's Kinesis emulator (moto) instead of the counting sink, into a fresh
 *   stream: what a local run pays for the emulator (moto's PutRecords slows down as a shard fills), not AWS;
 * - records per invocation from the Lambda's time budget (65 s timeout less the 10 s safety margin) and the
 *   record cap, and records per minute and partition from the schedule itself (one execution a minute,
 *   4 iterations, 5 s Wait after each, one reader at a time under the lock: {@link scheduleRecordsPerMinute}),
 *   compared with the original poller design (300 records per invocation, 1,200 per minute and partition).
 */
import { randomUUID } from 'node:crypto';
import type { KafkaConnection } from '../core/kafka/client.js';
import { openPartitionSession } from '../core/kafka/partition-session.js';
import { createKinesisSink } from '../core/kinesis-delivery.js';
import { createApicGenerator } from '../devkit/apic-generator.js';
import { drainPartitionRaw } from '../devkit/bench-baselines.js';
import { ensureStream } from '../devkit/local/aws-resources.js';
import { awsClients } from '../devkit/testbed/aws.js';
import { createTopic, kafkaConnections, produceMessages } from '../devkit/testbed/kafka.js';
import { startTestBed } from '../devkit/testbed/testbed.js';
import { type CompiledRules, compileRules, DEFAULT_RULES } from '../enrichment/index.js';
import { createMemoryLock } from '../fallback-poller/lock.js';
import { pollPartition } from '../fallback-poller/poll-partition.js';
import type { PollPorts, SinkPort } from '../fallback-poller/ports.js';
import type { BenchResult } from './run.js';

const RECORDS = 20_000;
const ROUNDS = 3;
const RATIO_TARGET = 0.8;
const SEED_RECORDS_PER_INVOCATION = 300;
const SEED_RECORDS_PER_MINUTE = 1_200;
/** The poller's defaults (pipes/source-schema.ts pollerSchema, fallback-poller/constants.ts). */
const SCHEDULE = { iterations: 4, secondsWait: 5, timeoutMs: 65_000, safetyMarginMs: 10_000 } as const;
const DEFAULT_MAX_RECORDS = 1_000;
const MAX_RECORDS_LIMIT = 100_000;

/** What one poll of a partition with a backlog reads and how long it takes. */
interface PollModel {
  /** Records per second of the whole poll (measured). */
  readonly rate: number;
  /** The record cap (`poller.maxRecordsPerInvocation`). */
  readonly maxRecords: number;
  /** Fixed cost of every invocation besides reading (measured: opening and closing the partition session). */
  readonly overheadMs: number;
}

/** Records one poll reads under the cap and the time budget (timeout less the safety margin), and its duration. */
export function pollOf(m: PollModel): { records: number; ms: number } {
  const budgetMs = SCHEDULE.timeoutMs - SCHEDULE.safetyMarginMs;
  const capMs = (m.maxRecords / m.rate) * 1000;
  if (capMs <= budgetMs) return { records: m.maxRecords, ms: m.overheadMs + capMs };
  return { records: Math.floor((m.rate * budgetMs) / 1000), ms: m.overheadMs + budgetMs };
}

/**
 * Records per minute one partition with a backlog gets from the schedule: an execution starts every minute
 * and runs `iterations` polls, each followed by the Wait; executions overlap when polls are long, and a poll
 * that finds the lock held (another execution's reader) answers 203 without reading. Simulated over an hour.
 */
export function scheduleRecordsPerMinute(m: PollModel): number {
  const horizonMs = 60 * 60_000;
  const poll = pollOf(m);
  const executions = Array.from({ length: horizonMs / 60_000 }, (_, k) => ({
    next: k * 60_000,
    left: SCHEDULE.iterations,
  }));
  let lockFreeAt = 0;
  let records = 0;
  for (;;) {
    const e = executions.filter((x) => x.left > 0).sort((a, b) => a.next - b.next)[0];
    if (e === undefined || e.next >= horizonMs) break;
    let ms = m.overheadMs;
    if (e.next >= lockFreeAt) {
      ms = poll.ms;
      lockFreeAt = e.next + ms;
      const readEnd = Math.min(lockFreeAt, horizonMs);
      records += poll.records * Math.min(1, (readEnd - e.next) / ms);
    }
    e.next += ms + SCHEDULE.secondsWait * 1000;
    e.left--;
  }
  return Math.round(records / (horizonMs / 60_000));
}

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
  sink: SinkPort = { putRecords: async (entries) => entries.map(() => ({})) },
): Promise<number> {
  let delivered = 0;
  const ports: PollPorts = {
    reader: {
      open: (req) => openPartitionSession(conn, { ...req, ...readerOptions }),
      describe: async () => [0],
    },
    lock: createMemoryLock(),
    sink: {
      async putRecords(entries) {
        const results = await sink.putRecords(entries);
        delivered += results.filter((r) => r.errorCode === undefined).length;
        return results;
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
    const openCloseMs: number[] = [];
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
      const opened = performance.now();
      let n = 0;
      while (n < RECORDS) {
        const got = await session.poll(500, 1_000);
        if (got.length === 0) break;
        n += got.length;
      }
      const drained = performance.now();
      await session.close();
      reader.push((n / (performance.now() - t0)) * 1000);
      openCloseMs.push(opened - t0 + (performance.now() - drained));
      readAheads = session.stats().readAheads;

      // 3. the whole poll into a counting sink, with the default fetch lanes and with one lane
      poller.push(await timedPoll(conn, topic, rules, {}));
      pollerOneLane.push(await timedPoll(conn, topic, rules, { fetchLanes: 1 }));
      perInvocationMs = (RECORDS / (poller.at(-1) as number)) * 1000;
    }
    // 4. once: the same poll writing to moto's Kinesis, into a fresh stream (4 shards)
    const aws = awsClients(bed.moto.endpoint, bed.moto.region);
    const stream = `bench-poller-${Date.now().toString(36)}`;
    await ensureStream(aws.kinesis, stream, 4);
    const emulatorRate = await timedPoll(conn, topic, rules, {}, createKinesisSink(aws.kinesis, stream));
    aws.destroy();

    const rawRate = median(raw);
    const readerRate = median(reader);
    const pollerRate = median(poller);
    const oneLaneRate = median(pollerOneLane);
    const pollRatios = poller.map((p, i) => p / (raw[i] as number)).sort((a, b) => a - b);
    const model = { rate: pollerRate, overheadMs: median(openCloseMs) };
    const capped = { ...model, maxRecords: DEFAULT_MAX_RECORDS };
    const timeBound = { ...model, maxRecords: MAX_RECORDS_LIMIT };
    const note = `${RECORDS} records of ${avgBytes} B avg, one partition, mTLS, median of ${ROUNDS}`;
    const modelNote = `at the measured ${Math.round(pollerRate)} records/s and ${Math.round(model.overheadMs)} ms session open + close per poll`;
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
        note: `per round min ${pollRatios[0]?.toFixed(3)} / median ${median(pollRatios).toFixed(3)} / max ${pollRatios.at(-1)?.toFixed(3)}; see fallback-poller/README.md (Benchmark)`,
      },
      {
        name: 'pollPartition with one fetch lane (no read-ahead) / raw consumer ratio',
        value: Number((oneLaneRate / rawRate).toFixed(3)),
        unit: 'ratio',
        note: `what the read-ahead buys: ${Math.round(oneLaneRate)} records/s with one lane; ${readAheads} read-aheads in the last reader run`,
      },
      {
        name: "pollPartition into moto's Kinesis (fresh 4-shard stream): the emulator's cost, not AWS",
        value: Math.round(emulatorRate),
        unit: 'records/s',
        note: `${(emulatorRate / pollerRate).toFixed(3)} of the counting-sink poll; one run; moto's PutRecords slows as a shard fills`,
      },
      {
        name: 'records per invocation, default cap (maxRecordsPerInvocation 1,000; 55 s budget)',
        value: pollOf(capped).records,
        unit: 'records',
        note: `${Math.round(pollOf(capped).ms)} ms per poll ${modelNote}; original design: ${SEED_RECORDS_PER_INVOCATION}`,
      },
      {
        name: 'records per invocation, time-bound (maxRecordsPerInvocation 100,000; 55 s budget)',
        value: pollOf(timeBound).records,
        unit: 'records',
        note: `${Math.round(pollOf(timeBound).ms)} ms per poll ${modelNote}`,
      },
      {
        name: 'records per minute and partition, default cap (schedule: 1 execution/min, 4 iterations, 5 s Wait)',
        value: scheduleRecordsPerMinute(capped),
        unit: 'records/min',
        note: `original design: ${SEED_RECORDS_PER_MINUTE}; simulated over an hour of the schedule ${modelNote}`,
      },
      {
        name: 'records per minute and partition, cap 100,000 (same schedule; the lock admits one reader)',
        value: scheduleRecordsPerMinute(timeBound),
        unit: 'records/min',
        note: `the ceiling: at most 60 s of reading a minute (${Math.round(pollerRate * 60)} at this rate), less the Waits and the polls that find the lock held`,
      },
    ];
  } finally {
    await bed.stop();
  }
}
