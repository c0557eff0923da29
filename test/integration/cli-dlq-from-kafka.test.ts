/**
 * `dlq replay --from-kafka` against the real broker (mTLS listener, material from moto Secrets Manager) and
 * moto SQS + Kinesis: an enrichment DLQ entry whose > 256 KiB value was truncated by the real DLQ sink is
 * recovered by re-reading the record from Kafka once the cause is fixed; entries whose record is gone
 * (deleted, past the log end) are skipped and stay in the queue. Also core readRecordsAt on its own:
 * offsets across plain and gzip batches, an aborted transaction, deleted records, a missing partition
 * and the time bound.
 */
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { CreateStreamCommand } from '@aws-sdk/client-kinesis';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { DlqSummary } from '../../cli/dlq/messages.js';
import type { ReplaySummary } from '../../cli/dlq/replay.js';
import type { CliAwsClients } from '../../cli/shared/aws.js';
import { NonRetriableError, RetriableError } from '../../core/errors.js';
import { createKafka } from '../../core/kafka/client.js';
import { consumeMessages } from '../../core/kafka/group-member.js';
import type { PartitionRecord } from '../../core/kafka/records.js';
import { readRecordsAt } from '../../core/kafka/records-at.js';
import { type AwsClients, awsClients } from '../../devkit/testbed/aws.js';
import { createTopic, kafkaConnections, produceMessages, uniqueName } from '../../devkit/testbed/kafka.js';
import { readAllRecords } from '../../devkit/testbed/kinesis.js';
import {
  buildPipeKafkaRecord,
  compileRules,
  createSqsDlqSink,
  type DlqEntry,
  enrichBatch,
  eventIdOf,
  parseRules,
  SQS_MESSAGE_LIMIT_BYTES,
} from '../../enrichment/index.js';
import { printBrokerLogOnFailure } from '../harness/log-on-failure.js';
import { cli, sourcesDir } from '../unit/cli/run-cli.js';

const bed = inject('testbed');
const conns = kafkaConnections(bed);
printBrokerLogOnFailure(bed.kafka.logFile);

/** kafkajs CompressionTypes.GZIP (the enum is not re-exported by the adapter). */
const GZIP = 1;

/** Deletes the records of partition 0 below `offset` (what retention does). */
async function deleteBelow(topic: string, offset: string): Promise<void> {
  const admin = createKafka(conns.plaintext).admin();
  await admin.connect();
  try {
    await admin.fetchTopicMetadata({ topics: [topic] });
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset }] });
  } finally {
    await admin.disconnect();
  }
}

const text = (r: PartitionRecord | undefined) => ({
  offset: r?.offset,
  key: r?.key?.toString('utf8'),
  value: r?.value?.toString('utf8'),
  headers: r?.headers.map((h) => `${h.name}=${h.value.toString('utf8')}`),
});

describe('core readRecordsAt against the broker', () => {
  const topic = uniqueName('records-at');
  /** Offset → record number n (key k<n>, value v<n>, header h=h<n>) of what was produced. */
  const produced = new Map<string, number>();
  const aborted: string[] = [];

  beforeAll(async () => {
    // Five records plain, five gzip, three in an aborted transaction, five gzip. The abort marker is
    // written asynchronously by the coordinator, so offsets are taken from the produce results.
    await createTopic(conns.plaintext, topic, 1);
    const producer = createKafka(conns.plaintext).producer({ allowAutoTopicCreation: false });
    const txProducer = createKafka(conns.plaintext).producer({
      allowAutoTopicCreation: false,
      transactionalId: `records-at-${randomUUID()}`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    await txProducer.connect();
    const batch = (from: number, count = 5) =>
      Array.from({ length: count }, (_, i) => ({
        partition: 0,
        key: `k${from + i}`,
        value: `v${from + i}`,
        headers: { h: `h${from + i}` },
      }));
    const remember = (meta: { baseOffset?: string }[], from: number, count = 5) => {
      const base = BigInt(meta[0]?.baseOffset ?? '-1');
      for (let i = 0; i < count; i++) produced.set((base + BigInt(i)).toString(), from + i);
    };
    try {
      remember(await producer.send({ topic, acks: -1, messages: batch(0) }), 0);
      remember(await producer.send({ topic, acks: -1, compression: GZIP, messages: batch(5) }), 5);
      const txn = await txProducer.transaction();
      const meta = await txn.send({ topic, messages: batch(10, 3) });
      const base = BigInt(meta[0]?.baseOffset ?? '-1');
      aborted.push(...[0n, 1n, 2n].map((i) => (base + i).toString()));
      await txn.abort();
      remember(await producer.send({ topic, acks: -1, compression: GZIP, messages: batch(14) }), 14);
    } finally {
      await producer.disconnect();
      await txProducer.disconnect();
    }
  });

  it('returns the records at offsets across plain and gzip batches; aborted and past-the-end offsets are absent', async () => {
    // Arrange: records 2, 4 (plain), 7, 8 (gzip), 16 (gzip after the transaction)
    const offsetOf = (n: number) => [...produced].find(([, m]) => m === n)?.[0] as string;
    const want = [2, 4, 7, 8, 16].map(offsetOf);
    // Act
    const found = await readRecordsAt(conns.mtls, topic, 0, [
      want[4] as string,
      ...want,
      ...aborted,
      '500',
      want[0] as string,
    ]);
    // Assert
    expect(produced.size).toBe(15);
    expect([...found.keys()].sort((a, b) => Number(a) - Number(b))).toEqual(want);
    expect(want.map((o) => text(found.get(o)))).toEqual(
      [2, 4, 7, 8, 16].map((n) => ({
        offset: offsetOf(n),
        key: `k${n}`,
        value: `v${n}`,
        headers: [`h=h${n}`],
      })),
    );
    expect(found.get(want[4] as string)).toMatchObject({ topic, partition: 0, timestampType: 'CREATE_TIME' });
  });

  it('leaves out offsets retention deleted (OFFSET_OUT_OF_RANGE), returns the later ones with their LogAppendTime type', async () => {
    // Arrange
    const deleted = uniqueName('records-at-deleted');
    await createTopic(conns.plaintext, deleted, 1, {
      configEntries: { 'message.timestamp.type': 'LogAppendTime' },
    });
    await produceMessages(
      conns.plaintext,
      deleted,
      Array.from({ length: 8 }, (_, i) => ({ partition: 0, value: `d${i}` })),
    );
    await deleteBelow(deleted, '5');
    // Act
    const found = await readRecordsAt(conns.mtls, deleted, 0, ['1', '3', '6', '7', '9']);
    // Assert
    expect([...found.values()].map((r) => [r.offset, r.value?.toString('utf8'), r.timestampType])).toEqual([
      ['6', 'd6', 'LOG_APPEND_TIME'],
      ['7', 'd7', 'LOG_APPEND_TIME'],
    ]);
  });

  it('refuses a partition the topic does not have', async () => {
    // Act
    const read = readRecordsAt(conns.plaintext, topic, 3, ['0']);
    // Assert
    await expect(read).rejects.toThrow(NonRetriableError);
    await expect(read).rejects.toThrow(`partition 3 does not exist in topic ${topic}`);
  });

  it('gives up with a RetriableError naming the topic-partition when Kafka does not answer in time', async () => {
    // Arrange: a listener that accepts connections and never answers
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      // Act
      const started = Date.now();
      const read = readRecordsAt({ brokers: [`127.0.0.1:${port}`] }, 'orders', 0, ['1'], {
        timeoutMs: 1_500,
      });
      // Assert
      await expect(read).rejects.toThrow(RetriableError);
      await expect(read).rejects.toThrow('reading orders-0 from kafka took longer than 1500 ms');
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      silent.close();
    }
  });
});

describe('kafka-pipes dlq replay --from-kafka (mTLS broker, moto SQS + Kinesis + Secrets Manager)', () => {
  const RULES_V1 = `name: replay-kafka-test
version: 1.0.0
operations:
  - id: legacy-meta
    op: set
    field: api.app_name.meta
    value: 1
    when: "api.app_name == 'legacy'"
`;
  // The fix: write the marker where it can go.
  const RULES_V2 = RULES_V1.replace('version: 1.0.0', 'version: 1.0.1').replace(
    'api.app_name.meta',
    'attributes.legacy',
  );
  /** Larger than an SQS message (256 KiB). */
  const PAD_CHARS = 300_000;
  const big = (i: number) =>
    JSON.stringify({
      app_name: 'legacy',
      status_code: '200 OK',
      transaction_id: `big-${i}`,
      pad: 'x'.repeat(PAD_CHARS),
    });
  const VALUE_BYTES = Buffer.byteLength(big(0));
  const name = uniqueName('fromkafka').toLowerCase();
  const topic = uniqueName('cli-dlq-kafka');
  const stream = `${name}-events-test`;
  let aws: AwsClients;
  let cliAws: CliAwsClients;
  let dir: string;
  let rulesFile: string;
  let queueUrl: string;
  let entries: DlqEntry[];

  async function visible(url: string): Promise<number> {
    const res = await aws.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return (
      Number(res.Attributes?.ApproximateNumberOfMessages) +
      Number(res.Attributes?.ApproximateNumberOfMessagesNotVisible)
    );
  }

  const replay = (...args: string[]) =>
    cli(['--json', '--sources-dir', dir, 'dlq', 'replay', name, '--env', 'test', ...args], { aws: cliAws });

  beforeAll(async () => {
    aws = awsClients(bed.moto.endpoint, bed.moto.region);
    cliAws = { ...aws, lambda: new LambdaClient(aws.config) };
    const clientSecret = uniqueName('kafka/client');
    const rootSecret = uniqueName('kafka/root');
    await aws.secretsManager.send(
      new CreateSecretCommand({
        Name: clientSecret,
        SecretString: JSON.stringify({ certificate: bed.pki.clientCert, privateKey: bed.pki.clientKey }),
      }),
    );
    await aws.secretsManager.send(
      new CreateSecretCommand({
        Name: rootSecret,
        SecretString: JSON.stringify({ certificate: bed.pki.caChain }),
      }),
    );
    dir = sourcesDir({});
    rulesFile = join(dir, 'replay.rules.yaml');
    writeFileSync(rulesFile, RULES_V1);
    writeFileSync(
      join(dir, `${name}.yaml`),
      `name: ${name}\nkind: self-managed\nbrokers: [${bed.kafka.ssl}]\ntopic: ${topic}\n` +
        `auth:\n  type: mtls\n  secret: ${clientSecret}\nrootCaSecret: ${rootSecret}\n` +
        `rules: ${rulesFile}\ntarget:\n  type: kinesis\n  partitionKey: field:api.transaction_id\n`,
    );
    const q = await aws.sqs.send(
      new CreateQueueCommand({
        QueueName: `KafkaPipes-test-${name}EnrichmentDlq4D5E6F`,
        tags: { 'kafka-pipes:source': name },
      }),
    );
    queueUrl = q.QueueUrl as string;
    await aws.kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 1 }));

    // Two big poison records (offsets 0 and 1) in a LogAppendTime topic.
    await createTopic(conns.plaintext, topic, 1, {
      configEntries: { 'message.timestamp.type': 'LogAppendTime' },
    });
    await produceMessages(conns.plaintext, topic, [
      { partition: 0, key: 'k0', value: big(0) },
      { partition: 0, key: 'k1', value: big(1) },
    ]);
    // The enrichment path, as the Lambda runs it: Pipe records → enrichBatch → the SQS DLQ sink, which
    // truncates values that do not fit an SQS message.
    const consumed = await consumeMessages(conns.plaintext, topic, { count: 2, timeoutMs: 30_000 });
    const outcome = enrichBatch(
      consumed.map((m) =>
        buildPipeKafkaRecord({
          eventSource: 'SelfManagedKafka',
          cluster: bed.kafka.ssl,
          topic: m.topic,
          partition: m.partition,
          offset: m.offset,
          timestamp: m.timestamp,
          timestampType: 'LOG_APPEND_TIME',
          key: m.key,
          value: m.value,
          headers: m.headers,
        }),
      ),
      {
        rules: compileRules(parseRules(RULES_V1, rulesFile)),
        sourceName: name,
        partitionKey: { type: 'field', path: 'api.transaction_id' },
      },
    );
    const [first, second] = outcome.dlq as [DlqEntry, DlqEntry];
    // A third entry points past the log end (offset 50).
    const pastEnd: DlqEntry = {
      ...second,
      offset: '50',
      eventId: eventIdOf(second.cluster, topic, 0, '50'),
    };
    entries = [first, second, pastEnd];
    await createSqsDlqSink(aws.sqs, queueUrl).send(entries);
    // Retention deletes offset 0.
    await deleteBelow(topic, '1');
  });

  afterAll(() => {
    aws.destroy();
    cliAws.lambda.destroy();
  });

  it('the DLQ holds the three entries truncated, with timestampType', async () => {
    // Act
    const run = await cli(['--json', '--sources-dir', dir, 'dlq', 'inspect', name], { aws: cliAws });
    const textRun = await cli(['--sources-dir', dir, 'dlq', 'inspect', name], { aws: cliAws });
    // Assert
    expect(
      entries.map((e) => [e.offset, e.timestampType, Buffer.from(e.value ?? '', 'base64').length]),
    ).toEqual([
      ['0', 'LOG_APPEND_TIME', VALUE_BYTES],
      ['1', 'LOG_APPEND_TIME', VALUE_BYTES],
      ['50', 'LOG_APPEND_TIME', VALUE_BYTES],
    ]);
    expect(PAD_CHARS).toBeGreaterThan(SQS_MESSAGE_LIMIT_BYTES);
    expect(run.json<DlqSummary>()).toMatchObject({ total: 3, truncated: 3 });
    expect(textRun.stdout).toContain(
      '3 entries have a truncated value: dlq replay --from-kafka re-reads them from Kafka while retention keeps them\n',
    );
  });

  it('without --from-kafka skips them and says how to enable it', async () => {
    // Act
    const run = await replay();
    // Assert
    expect(run.code).toBe(1);
    expect(run.json<ReplaySummary>().problems.map((p) => [p.outcome, p.detail])).toEqual(
      ['0', '1', '50'].map((o) => [
        'skipped',
        `value truncated in the DLQ (${VALUE_BYTES} bytes): pass --from-kafka to re-read ${topic}-0@${o} from Kafka`,
      ]),
    );
    expect(await visible(queueUrl)).toBe(3);
  });

  it('--from-kafka --dry-run with the queue URL and --source reads Kafka over mTLS and changes nothing', async () => {
    // Arrange
    writeFileSync(rulesFile, RULES_V2);
    // Act
    const run = await cli(
      [
        ...['--json', '--sources-dir', dir, 'dlq', 'replay', queueUrl],
        ...['--source', name, '--env', 'test', '--from-kafka', '--dry-run'],
      ],
      { aws: cliAws },
    );
    // Assert
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const summary = run.json<ReplaySummary>();
    expect(summary).toMatchObject({ outcomes: { 'would-deliver': 1, skipped: 2 }, readFromKafka: 1 });
    expect(summary.problems.map((p) => p.detail).sort()).toEqual([
      `record ${topic}-0@0 is no longer in Kafka (retention)`,
      `record ${topic}-0@50 is no longer in Kafka (retention)`,
    ]);
    expect(await visible(queueUrl)).toBe(3);
    expect(await readAllRecords(aws.kinesis, stream)).toEqual([]);
  });

  it('--from-kafka after the fix delivers the record with its eventId and deletes its message; gone records stay', async () => {
    // Act
    const run = await replay('--from-kafka');
    // Assert
    expect(run.code).toBe(1);
    const summary = run.json<ReplaySummary>();
    expect(summary).toMatchObject({
      messages: 3,
      outcomes: { delivered: 1, skipped: 2 },
      recordsDelivered: 1,
      readFromKafka: 1,
    });
    expect(summary.problems.map((p) => [p.outcome, p.detail]).sort()).toEqual([
      ['skipped', `record ${topic}-0@0 is no longer in Kafka (retention)`],
      ['skipped', `record ${topic}-0@50 is no longer in Kafka (retention)`],
    ]);
    const written = (await readAllRecords(aws.kinesis, stream)).map((r) =>
      JSON.parse(r.data.toString('utf8')),
    );
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({
      eventId: entries[1]?.eventId,
      partitionKey: 'big-1',
      kafka: { topic, partition: 0, offset: '1', timestampType: 'LOG_APPEND_TIME' },
      attributes: { legacy: 1 },
    });
    expect(written[0].extra.pad).toHaveLength(PAD_CHARS);
    expect(await visible(queueUrl)).toBe(2);
    const left = await cli(['--json', 'dlq', 'inspect', queueUrl], { aws: cliAws });
    expect(left.json<DlqSummary>().partitions).toEqual([
      { topic, partition: 0, count: 2, minOffset: '0', maxOffset: '50' },
    ]);
  });
});
