/**
 * `dlq replay` of enrichment DLQ entries whose value was truncated to fit SQS: the decision table with a
 * fake Kafka port (record found and matching / gone / different / no port / read error), the batching of
 * Kafka reads per topic-partition, and --dry-run. SQS is mocked (narrow unit case); the truncated entries
 * are made by the real DLQ sink serializer (dlqMessageBody). Behaviour against the broker and moto is in
 * test/integration/cli-dlq-from-kafka.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetBootstrapBrokersCommand, KafkaClient } from '@aws-sdk/client-kafka';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { type ReplaySummary, replayDlq } from '../../../cli/dlq/replay.js';
import type { KafkaRecordReader } from '../../../cli/dlq/reread.js';
import { streamReplayTarget } from '../../../cli/dlq/targets.js';
import type { PartitionRecord } from '../../../core/kafka/records.js';
import type { SinkEntry, SinkPort } from '../../../core/kinesis-delivery.js';
import {
  buildPipeKafkaRecord,
  compileRules,
  type DlqEntry,
  dlqMessageBody,
  enrichBatch,
  parseRules,
} from '../../../enrichment/index.js';
import { cli, sourcesDir } from './run-cli.js';

const QUEUE = 'https://sqs.local/123/KafkaPipes-test-ordersEnrichmentDlq1A2B';
/** Small SQS limit so a 6 KB value gets truncated by the real serializer. */
const LIMIT_BYTES = 3_000;
const BROKEN_RULES = `name: r
version: 1.0.0
operations:
  - id: legacy-meta
    op: set
    field: api.app_name.meta
    value: 1
    when: "api.app_name == 'legacy'"
`;
const FIXED_RULES = BROKEN_RULES.replace('1.0.0', '1.0.1').replace('api.app_name.meta', 'attributes.legacy');
const partitionKey = { type: 'field', path: 'api.transaction_id' } as const;

/** The Kafka record as the broker holds it. */
function kafkaRecord(partition: number, offset: string, value?: Buffer): PartitionRecord {
  return {
    topic: 'apic',
    partition,
    offset,
    timestamp: '1700000000000',
    timestampType: 'LOG_APPEND_TIME',
    key: Buffer.from(`k${offset}`),
    value:
      value ??
      Buffer.from(
        JSON.stringify({
          app_name: 'legacy',
          status_code: '200 OK',
          transaction_id: `t-${partition}-${offset}`,
          pad: 'x'.repeat(6_000),
        }),
      ),
    headers: [{ name: 'trace', value: Buffer.from('t-1') }],
  };
}

/** The truncated DLQ message body the enrichment writes for that record (real code path). */
function truncatedBody(r: PartitionRecord): { body: string; entry: DlqEntry } {
  const pipe = buildPipeKafkaRecord({
    eventSource: 'SelfManagedKafka',
    cluster: 'b1:9092',
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    timestampType: r.timestampType,
    key: r.key,
    value: r.value,
    headers: r.headers.map((h) => ({ key: h.name, value: h.value })),
  });
  const out = enrichBatch([pipe], {
    rules: compileRules(parseRules(BROKEN_RULES, 'r.yaml')),
    sourceName: 'orders',
    partitionKey,
  });
  const body = dlqMessageBody(out.dlq[0] as DlqEntry, LIMIT_BYTES);
  return { body, entry: JSON.parse(body) as DlqEntry };
}

const sqsMock = mockClient(SQSClient);

function queueHolds(bodies: readonly string[]): void {
  sqsMock.reset();
  sqsMock
    .on(ReceiveMessageCommand)
    .resolvesOnce({
      Messages: bodies.map((Body, i) => ({ MessageId: `m${i}`, ReceiptHandle: `r${i}`, Body })),
    })
    .resolves({ Messages: [] });
  sqsMock.on(DeleteMessageCommand).resolves({});
  sqsMock.on(ChangeMessageVisibilityBatchCommand).resolves({ Successful: [] });
}

/** A fake Kafka port holding `records`; it logs its calls. */
function fakeKafka(records: readonly PartitionRecord[], fail?: string) {
  const calls: { topic: string; partition: number; offsets: readonly string[] }[] = [];
  const port: KafkaRecordReader = {
    async readRecordsAt(topic, partition, offsets) {
      calls.push({ topic, partition, offsets });
      if (fail) throw new Error(fail);
      const found = new Map<string, PartitionRecord>();
      for (const r of records) {
        if (r.topic === topic && r.partition === partition && offsets.includes(r.offset))
          found.set(r.offset, r);
      }
      return found;
    },
  };
  return { port, calls };
}

function fakeStream() {
  const written: SinkEntry[] = [];
  const port: SinkPort = {
    async putRecords(entries) {
      written.push(...entries);
      return entries.map(() => ({}));
    },
  };
  return { port, written };
}

async function replay(kafka: KafkaRecordReader | undefined, stream: SinkPort, dryRun = false) {
  return replayDlq({
    sqs: new SQSClient({ region: 'us-east-1' }),
    queueUrl: QUEUE,
    target: streamReplayTarget('orders-events-test', stream),
    enrich: { rules: compileRules(parseRules(FIXED_RULES, 'r.yaml')), partitionKey },
    ...(kafka ? { kafka } : {}),
    dryRun,
    max: 100,
  });
}

const stored = kafkaRecord(0, '7');
const { body, entry } = truncatedBody(stored);

beforeEach(() => queueHolds([body]));

describe('dlq replay of a truncated enrichment entry', () => {
  it('the real DLQ serializer truncated the entry and kept its timestampType', () => {
    expect(entry).toMatchObject({
      valueTruncated: true,
      valueBytes: stored.value?.length,
      timestampType: 'LOG_APPEND_TIME',
      key: Buffer.from('k7').toString('base64'),
    });
  });

  it.each<{
    name: string;
    kafka: () => ReturnType<typeof fakeKafka> | undefined;
    outcome: string;
    detail: string;
    deleted: boolean;
  }>([
    {
      name: 'no Kafka port (no --from-kafka)',
      kafka: () => undefined,
      outcome: 'skipped',
      detail: `value truncated in the DLQ (${stored.value?.length} bytes): pass --from-kafka to re-read apic-0@7 from Kafka`,
      deleted: false,
    },
    {
      name: 'the record is gone (retention)',
      kafka: () => fakeKafka([]),
      outcome: 'skipped',
      detail: 'record apic-0@7 is no longer in Kafka (retention)',
      deleted: false,
    },
    {
      name: 'the value at the offset differs (topic recreated)',
      kafka: () => fakeKafka([kafkaRecord(0, '7', Buffer.from('{"app_name":"other"}'))]),
      outcome: 'skipped',
      detail:
        'record apic-0@7 in Kafka differs from the DLQ entry (value sha-256): the topic may have been recreated; replay it by hand',
      deleted: false,
    },
    {
      name: 'the key at the offset differs',
      kafka: () => fakeKafka([{ ...stored, key: Buffer.from('other') }]),
      outcome: 'skipped',
      detail:
        'record apic-0@7 in Kafka differs from the DLQ entry (key): the topic may have been recreated; replay it by hand',
      deleted: false,
    },
    {
      name: 'Kafka cannot be read',
      kafka: () => fakeKafka([stored], 'reading apic-0 from kafka took longer than 30000 ms'),
      outcome: 'failed',
      detail: 'cannot re-read apic-0 from Kafka: reading apic-0 from kafka took longer than 30000 ms',
      deleted: false,
    },
    {
      name: 'the record matches',
      kafka: () => fakeKafka([stored]),
      outcome: 'delivered',
      detail: '1 record apic-0@7 (re-read from Kafka)',
      deleted: true,
    },
  ])('$name → $outcome', async ({ kafka, outcome, detail, deleted }) => {
    // Arrange
    const stream = fakeStream();
    const port = kafka();
    const seen: [string, string][] = [];
    // Act
    const summary = await replayDlq({
      sqs: new SQSClient({ region: 'us-east-1' }),
      queueUrl: QUEUE,
      target: streamReplayTarget('orders-events-test', stream.port),
      enrich: { rules: compileRules(parseRules(FIXED_RULES, 'r.yaml')), partitionKey },
      ...(port ? { kafka: port.port } : {}),
      dryRun: false,
      max: 100,
      onMessage: (_m, o, d) => seen.push([o, d]),
    });
    // Assert
    expect(seen).toEqual([[outcome, detail]]);
    expect(summary.outcomes).toEqual({ [outcome]: 1 });
    expect(summary.readFromKafka).toBe(outcome === 'delivered' ? 1 : 0);
    expect(sqsMock.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input.ReceiptHandle)).toEqual(
      deleted ? ['r0'] : [],
    );
    expect(
      sqsMock.commandCalls(ChangeMessageVisibilityBatchCommand).flatMap((c) => c.args[0].input.Entries),
    ).toEqual(deleted ? [] : [{ Id: '0', ReceiptHandle: 'r0', VisibilityTimeout: 0 }]);
    expect(stream.written).toHaveLength(deleted ? 1 : 0);
  });

  it('delivers the record rebuilt from Kafka with the entry eventId, the full value and the Kafka timestampType', async () => {
    // Arrange
    const stream = fakeStream();
    // Act
    await replay(fakeKafka([stored]).port, stream.port);
    // Assert
    const written = JSON.parse(Buffer.from(stream.written[0]?.data as Uint8Array).toString('utf8'));
    expect(written).toMatchObject({
      eventId: entry.eventId,
      partitionKey: 't-0-7',
      kafka: { topic: 'apic', partition: 0, offset: '7', timestampType: 'LOG_APPEND_TIME' },
      attributes: { legacy: 1 },
    });
    expect(written.extra.pad).toHaveLength(6_000);
    expect(stream.written[0]?.partitionKey).toBe('t-0-7');
  });

  it('reads Kafka once per topic-partition for all truncated entries, and not for whole entries', async () => {
    // Arrange: 4 truncated entries on 2 partitions and one entry small enough to be whole
    const records = [kafkaRecord(0, '9'), kafkaRecord(1, '3'), kafkaRecord(0, '7'), kafkaRecord(1, '4')];
    const small = truncatedBody(kafkaRecord(0, '20', Buffer.from('{"app_name":"legacy"}')));
    queueHolds([...records.map((r) => truncatedBody(r).body), small.body]);
    const kafka = fakeKafka(records);
    // Act
    const summary: ReplaySummary = await replay(kafka.port, fakeStream().port);
    // Assert
    expect(small.entry.valueTruncated).toBeUndefined();
    expect(kafka.calls).toEqual([
      { topic: 'apic', partition: 0, offsets: ['9', '7'] },
      { topic: 'apic', partition: 1, offsets: ['3', '4'] },
    ]);
    expect(summary).toMatchObject({ messages: 5, outcomes: { delivered: 5 }, readFromKafka: 4 });
  });

  it('--dry-run reads Kafka but delivers and deletes nothing', async () => {
    // Arrange
    const stream = fakeStream();
    const kafka = fakeKafka([stored]);
    // Act
    const summary = await replay(kafka.port, stream.port, true);
    // Assert
    expect(kafka.calls).toHaveLength(1);
    expect(summary.outcomes).toEqual({ 'would-deliver': 1 });
    expect(summary.readFromKafka).toBe(1);
    expect(stream.written).toEqual([]);
    expect(sqsMock.commandCalls(DeleteMessageCommand)).toEqual([]);
  });
});

/** The cluster of pipes/sources/msk-serverless-iam.yaml. */
const CLUSTER_ARN =
  'arn:aws:kafka:us-east-1:123456789012:cluster/uehara-msk-serverless-cluster/5f6e7d8c-1234-5678-9abc-def012345678-s1';

describe('kafka-pipes dlq replay --from-kafka flags', () => {
  const rules = join(import.meta.dirname, 'fixtures', 'preview.rules.yaml');
  const dir = sourcesDir({
    'msk-serverless-iam.yaml': readFileSync(
      join(process.cwd(), 'pipes/sources/msk-serverless-iam.yaml'),
      'utf8',
    ),
  });

  it.each([
    [
      ['https://sqs.local/1/q', '--stream', 's', '--rules', rules, '--from-kafka'],
      'error --from-kafka: source: re-reading records from Kafka needs the source to connect to, and a queue URL names none. ' +
        'Fix: pass the source name instead of the queue URL, or add --source <name>\n',
    ],
    [
      ['https://sqs.local/1/q', '--stream', 's', '--source', 'msk-serverless-iam', '--from-kafka'],
      // IAM is a client auth type: the plan looks the brokers up (GetBootstrapBrokers, mocked below), and
      // this cluster has no SASL/IAM listener.
      `error ${join(dir, 'msk-serverless-iam.yaml')}: brokers: Cluster ${CLUSTER_ARN} has no bootstrap broker string for auth type iam ` +
        '(BootstrapBrokerStringSaslIam or BootstrapBrokerStringPublicSaslIam); GetBootstrapBrokers returned BootstrapBrokerStringTls. ' +
        "Fix: turn on IAM role-based authentication for the cluster (MSK console: the cluster's Properties, Security settings), " +
        'set auth.type to an auth type the cluster has turned on, or list its bootstrap brokers in brokers\n',
    ],
  ])('names the flag, the field and the fix: %j', async (args, stderr) => {
    // Arrange: a cluster with a TLS listener only (moto has no GetBootstrapBrokers: narrow mock)
    const kafkaMock = mockClient(KafkaClient);
    kafkaMock
      .on(GetBootstrapBrokersCommand, { ClusterArn: CLUSTER_ARN })
      .resolves({ BootstrapBrokerStringTls: 'b-1.c.kafka.us-east-1.amazonaws.com:9094' });
    try {
      // Act
      const run = await cli(['--sources-dir', dir, 'dlq', 'replay', ...args]);
      // Assert
      expect(run.stderr).toBe(stderr);
      expect(run.code).toBe(2);
    } finally {
      kafkaMock.restore();
    }
  });
});
