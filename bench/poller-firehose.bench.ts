/**
 * Poller → Firehose vs poller → Kinesis on the same records (`npm run bench -- poller-firehose`): the
 * whole poll (pollPartition: lock, read from the test bed's broker over mTLS, enrichment with the default
 * rules, delivery through the shared loop, commits) drains the same topic once per round into each target,
 * the two interleaved, a fresh consumer group each time. Each target is its real adapter
 * (core/kinesis-delivery.ts createKinesisSink with its 500-record / 5 MiB limits and partition keys,
 * core/firehose-delivery.ts createFirehoseSink with 500 records / 4 MiB of data) over a counting client that
 * acknowledges every record without network: the SDK commands are built, nothing is sent.
 *
 * Why counting clients and not moto for both: the ratio is meant to show what the project's code costs
 * per target (chunking, request building, re-send bookkeeping). Through moto it would mostly compare two
 * emulators — moto's Kinesis slows down as a shard fills (bench/poller.bench.ts measures that), moto's
 * Firehose writes an S3 object during every call — neither of which AWS does. Service-side latency and
 * throttling are not measured here; the alarms watch them in AWS.
 */
import { randomUUID } from 'node:crypto';
import type { FirehoseClient } from '@aws-sdk/client-firehose';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { createFirehoseSink } from '../core/firehose-delivery.js';
import type { KafkaConnection } from '../core/kafka/client.js';
import { openPartitionSession } from '../core/kafka/partition-session.js';
import { createKinesisSink, type SinkPort } from '../core/kinesis-delivery.js';
import { createApicGenerator } from '../devkit/apic-generator.js';
import { createTopic, kafkaConnections, produceMessages } from '../devkit/testbed/kafka.js';
import { startTestBed } from '../devkit/testbed/testbed.js';
import { type CompiledRules, compileRules, DEFAULT_RULES } from '../enrichment/index.js';
import { createMemoryLock } from '../fallback-poller/lock.js';
import { pollPartition } from '../fallback-poller/poll-partition.js';
import type { BenchResult } from './run.js';

const RECORDS = 20_000;
const ROUNDS = 5;
/** Firehose must cost no more than 10 % over Kinesis: the same loop, only limits and adapter differ. */
const RATIO_TARGET = 0.9;

/** What a counting client saw. */
interface Counted {
  calls: number;
  records: number;
  bytes: number;
}

/** A client that acknowledges every record of every call (Kinesis PutRecords or Firehose PutRecordBatch). */
function countingClient(counted: Counted): KinesisClient & FirehoseClient {
  return {
    async send(command: { input: { Records: { Data: Uint8Array }[] } }) {
      const records = command.input.Records;
      counted.calls++;
      counted.records += records.length;
      for (const r of records) counted.bytes += r.Data.byteLength;
      const ok = records.map(() => ({ SequenceNumber: '1', ShardId: 's', RecordId: 'r' }));
      return { FailedRecordCount: 0, Records: ok, FailedPutCount: 0, RequestResponses: ok };
    },
  } as unknown as KinesisClient & FirehoseClient;
}

/** Drains the topic once through pollPartition into `sink`; returns records/s. */
async function timedPoll(conn: KafkaConnection, topic: string, rules: CompiledRules, sink: SinkPort) {
  const t0 = performance.now();
  const res = await pollPartition(
    { kafka_partition: 0, iteration: 1 },
    {
      sourceName: 'bench',
      topic,
      groupId: `bench-firehose-${randomUUID()}`,
      startingPosition: 'TRIM_HORIZON',
      eventSource: 'SelfManagedKafka',
      cluster: conn.brokers.join(','),
      rules,
      partitionKey: { type: 'record-key' },
      maxRecordsPerInvocation: RECORDS,
      idleWaitMs: 200,
    },
    {
      reader: { open: (req) => openPartitionSession(conn, req), describe: async () => [0] },
      lock: createMemoryLock(),
      sink,
      dlq: { send: async () => undefined },
      clock: { nowMs: Date.now, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      remainingTimeMs: () => 600_000,
    },
  );
  const ms = performance.now() - t0;
  if (res.counts.committed !== RECORDS || res.counts.delivered !== RECORDS) {
    throw new Error(
      `poll delivered ${res.counts.delivered}, committed ${res.counts.committed} of ${RECORDS}`,
    );
  }
  return (RECORDS / ms) * 1000;
}

const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
const median = (values: number[]) => sorted(values)[Math.floor(values.length / 2)] as number;
const spread = (values: number[]) =>
  `min ${sorted(values)[0]?.toFixed(3)} / median ${median(values).toFixed(3)} / max ${sorted(values).at(-1)?.toFixed(3)}`;

/** Produces the records once: API Connect events, keys app-0…app-6, one partition. */
async function produce(conn: KafkaConnection, topic: string): Promise<number> {
  const gen = createApicGenerator({ seed: 11 });
  let bytes = 0;
  for (let i = 0; i < RECORDS; i += 200) {
    const batch = gen.take(Math.min(200, RECORDS - i)).map((e, k) => {
      const value = JSON.stringify(e);
      bytes += value.length;
      return { partition: 0, key: `app-${(i + k) % 7}`, value };
    });
    await produceMessages(conn, topic, batch);
  }
  return Math.round(bytes / RECORDS);
}

export default async function pollerFirehoseBench(): Promise<BenchResult[]> {
  const bed = await startTestBed();
  try {
    const conns = kafkaConnections(bed);
    const topic = `bench-firehose-${Date.now().toString(36)}`;
    await createTopic(conns.plaintext, topic, 1);
    const avgBytes = await produce(conns.plaintext, topic);
    const rules = compileRules(DEFAULT_RULES);
    const kinesis: number[] = [];
    const firehose: number[] = [];
    const counted = {
      kinesis: { calls: 0, records: 0, bytes: 0 },
      firehose: { calls: 0, records: 0, bytes: 0 },
    };
    // A first poll of each warms the JIT, the SDK packages and the broker's page cache (not counted).
    await timedPoll(conns.mtls, topic, rules, createKinesisSink(countingClient({ ...counted.kinesis }), 'k'));
    await timedPoll(
      conns.mtls,
      topic,
      rules,
      createFirehoseSink(countingClient({ ...counted.firehose }), 'f'),
    );
    for (let round = 0; round < ROUNDS; round++) {
      const k = createKinesisSink(countingClient(counted.kinesis), 'lake');
      const f = createFirehoseSink(countingClient(counted.firehose), 'lake');
      // Alternate which goes first, so neither always runs on a warmer cache.
      if (round % 2 === 0) {
        kinesis.push(await timedPoll(conns.mtls, topic, rules, k));
        firehose.push(await timedPoll(conns.mtls, topic, rules, f));
      } else {
        firehose.push(await timedPoll(conns.mtls, topic, rules, f));
        kinesis.push(await timedPoll(conns.mtls, topic, rules, k));
      }
    }
    const ratios = firehose.map((f, i) => f / (kinesis[i] as number));
    const ratio = median(ratios);
    const note = `${RECORDS} records of ${avgBytes} B avg, one partition, mTLS, ${ROUNDS} interleaved rounds`;
    const perCall = (c: Counted) =>
      `${Math.round(c.records / c.calls)} records / ${Math.round(c.bytes / c.calls / 1024)} KiB per call`;
    return [
      {
        name: 'poller → Kinesis (counting client under createKinesisSink)',
        value: Math.round(median(kinesis)),
        unit: 'records/s',
        note: `${note}; ${perCall(counted.kinesis)}`,
      },
      {
        name: 'poller → Firehose (counting client under createFirehoseSink)',
        value: Math.round(median(firehose)),
        unit: 'records/s',
        note: `${note}; ${perCall(counted.firehose)}`,
      },
      {
        name: 'poller → Firehose / poller → Kinesis ratio (same records)',
        value: Number(ratio.toFixed(3)),
        unit: 'ratio',
        target: `>= ${RATIO_TARGET}`,
        ok: ratio >= RATIO_TARGET,
        note: `per round ${spread(ratios)}`,
      },
    ];
  } finally {
    await bed.stop();
  }
}
