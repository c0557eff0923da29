/**
 * Shared setup of the poller integration tests (test/integration/poller-*.test.ts): a topic on the real
 * broker, a Kinesis stream, DLQ, lock table, truststore bucket and client secrets in moto, and a poller
 * wired with the real adapters (createPoller) exactly as the Lambda handler wires it.
 */
import { createHash } from 'node:crypto';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand } from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateSecretCommand } from '@aws-sdk/client-secrets-manager';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import type { KafkaConnection } from '../../core/kafka/client.js';
import { createApicGenerator } from '../../devkit/apic-generator.js';
import type { AwsClients } from '../../devkit/testbed/aws.js';
import { createTopic, fixtureTimestamp, produceMessages, uniqueName } from '../../devkit/testbed/kafka.js';
import { readAllRecords } from '../../devkit/testbed/kinesis.js';
import type { TestBedInfo } from '../../devkit/testbed/testbed.js';
import {
  buildPipeKafkaRecord,
  compileRules,
  DEFAULT_RULES,
  enrichBatch,
  serializeCanonical,
} from '../../enrichment/index.js';
import { readyPollerAwsClients } from '../../fallback-poller/aws-clients.js';
import type { PollerRuntimeConfig } from '../../fallback-poller/config.js';
import { type CreatePollerOptions, createPoller } from '../../fallback-poller/create-poller.js';
import type { PollInput, PollResponse } from '../../fallback-poller/poll-partition.js';
import type { SinkPort } from '../../fallback-poller/ports.js';

/** Rules compiled once (the bundled default, as both engines use it without AppConfig). */
export const RULES = compileRules(DEFAULT_RULES);

/** A logger that drops everything (the poller never logs payloads anyway). */
export const SILENT = { debug() {}, info() {}, warn() {}, error() {} };

/** How the poller reaches the broker in a test. */
export type Transport =
  | { kind: 'mtls'; truststore: 's3-chain' | 's3-long' | 'secret'; key: 'pbes1' | 'pbes2' | 'plain' }
  | { kind: 'scram'; truststore: 's3-chain' | 'secret' };

/** Produced record, as the test expects it back. */
export interface ProducedRecord {
  readonly partition: number;
  readonly offset: string;
  readonly timestamp: string;
  readonly key: string;
  readonly value: string;
  readonly headers: Record<string, string>;
}

/** Creates topic + AWS resources + secrets for one test and returns the runtime config. */
export async function setupPollerResources(
  bed: Pick<TestBedInfo, 'kafka' | 'pki' | 'scram'>,
  aws: AwsClients,
  transport: Transport,
  admin: KafkaConnection,
  partitions = 3,
): Promise<PollerRuntimeConfig & { readonly streamName: string }> {
  const name = uniqueName('poller');
  const topic = name;
  await createTopic(admin, topic, partitions);
  await aws.kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 2 }));
  const queue = await aws.sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
  await aws.dynamodb.send(
    new CreateTableCommand({
      TableName: `${name}-lock`,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'topic_partition', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'topic_partition', KeyType: 'HASH' }],
    }),
  );
  const bucket = `${name}-truststore`;
  await aws.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await aws.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'chain.pem', Body: bed.pki.caChain }));
  await aws.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'long.pem', Body: bed.pki.longTrustBundle }));
  const caSecret = await aws.secretsManager.send(
    new CreateSecretCommand({
      Name: `${name}/root-ca`,
      SecretString: JSON.stringify({ certificate: bed.pki.caChain }),
    }),
  );
  const truststore =
    transport.truststore === 'secret'
      ? ({ type: 'secret', secret: caSecret.ARN as string } as const)
      : ({ type: 's3', bucket, key: transport.truststore === 's3-long' ? 'long.pem' : 'chain.pem' } as const);
  let auth: PollerRuntimeConfig['auth'];
  let brokers: string[];
  if (transport.kind === 'mtls') {
    const privateKey =
      transport.key === 'pbes1'
        ? bed.pki.clientKeyEncrypted
        : transport.key === 'pbes2'
          ? bed.pki.clientKeyPbes2
          : bed.pki.clientKey;
    const secret = await aws.secretsManager.send(
      new CreateSecretCommand({
        Name: `${name}/client-cert`,
        SecretString: JSON.stringify({
          certificate: bed.pki.clientCert,
          privateKey,
          ...(transport.key === 'plain' ? {} : { privateKeyPassword: bed.pki.clientKeyPassword }),
        }),
      }),
    );
    auth = { type: 'mtls', secret: secret.ARN as string };
    brokers = [bed.kafka.ssl];
  } else {
    const secret = await aws.secretsManager.send(
      new CreateSecretCommand({
        Name: `${name}/scram`,
        SecretString: JSON.stringify({ username: bed.scram.username, password: bed.scram.password }),
      }),
    );
    auth = { type: 'sasl-scram-512', secret: secret.ARN as string };
    brokers = [bed.kafka.saslSsl];
  }
  return {
    sourceName: 'apic-test',
    topic,
    groupId: `kafka-pipes-${name}`,
    startingPosition: 'TRIM_HORIZON',
    eventSource: 'SelfManagedKafka',
    cluster: brokers.join(','),
    brokers,
    tls: true,
    truststore,
    auth,
    partitionKey: 'record-key',
    streamName: name,
    dlqUrl: queue.QueueUrl as string,
    lockTable: `${name}-lock`,
    maxRecordsPerInvocation: 1_000,
    lockTtlSeconds: 30,
    idleWaitMs: 300,
    safetyMarginMs: 5_000,
  };
}

/**
 * Produces `perPartition` (≤ 20,000) API Connect events (keys, headers, current timestamps: fixtureTimestamp)
 * to every partition.
 */
export async function produceApicEvents(
  conn: KafkaConnection,
  topic: string,
  partitions: number,
  perPartition: number,
  seed = 42,
): Promise<ProducedRecord[]> {
  const gen = createApicGenerator({ seed });
  const out: ProducedRecord[] = [];
  const now = Date.now();
  for (let p = 0; p < partitions; p++) {
    // Current timestamps (never older than any retention), ascending per partition, distinct across them.
    const batch = Array.from({ length: perPartition }, (_, i) => ({
      partition: p,
      key: `app-${(i * 7 + p) % 5}`,
      value: JSON.stringify(gen.next()),
      timestamp: fixtureTimestamp(p * 20_000 + i, now),
      headers: { 'x-origin': `gw-${p}`, 'x-seq': String(i) },
    }));
    // ≤ 200 records (~700 KB) per produce call: the broker's default message.max.bytes is 1 MB a batch.
    for (let start = 0; start < batch.length; start += 200) {
      const slice = batch.slice(start, start + 200);
      const produced = await produceMessages(conn, topic, slice);
      const base = BigInt(produced.find((o) => o.partition === p)?.baseOffset ?? '0');
      slice.forEach((m, i) => {
        out.push({
          partition: p,
          offset: (base + BigInt(i)).toString(),
          timestamp: m.timestamp,
          key: m.key,
          value: m.value,
          headers: m.headers,
        });
      });
    }
  }
  return out;
}

/** The exact Kinesis data strings the enrichment produces for the produced records (what a Pipe would write). */
export function expectedKinesisData(
  config: PollerRuntimeConfig,
  topic: string,
  records: readonly ProducedRecord[],
): string[] {
  const event = records.map((r) =>
    buildPipeKafkaRecord({
      eventSource: config.eventSource,
      cluster: config.cluster,
      topic,
      partition: r.partition,
      offset: r.offset,
      timestamp: r.timestamp,
      key: Buffer.from(r.key),
      value: Buffer.from(r.value),
      headers: Object.entries(r.headers).map(([key, value]) => ({ key, value: Buffer.from(value) })),
    }),
  );
  const outcome = enrichBatch(event, {
    rules: RULES,
    sourceName: config.sourceName,
    partitionKey: { type: 'record-key' },
    outputLimitBytes: Number.MAX_SAFE_INTEGER,
  });
  if (outcome.dlq.length > 0) throw new Error(`test data produced ${outcome.dlq.length} DLQ entries`);
  return outcome.records.map(serializeCanonical).sort();
}

/** Every data string in the stream, sorted. */
export async function kinesisData(aws: AwsClients, stream: string): Promise<string[]> {
  return (await readAllRecords(aws.kinesis, stream)).map((r) => r.data.toString('utf8')).sort();
}

/**
 * Serializes PutRecords calls across concurrent pollers. moto's Kinesis loses records when PutRecords
 * calls to the same stream run concurrently (measured: 5,991 of 6,000 read back with 3 concurrent
 * writers; sequence numbers collide). Real Kinesis has no such limit; the poller code is unchanged.
 */
export function serializedSink(sink: SinkPort): SinkPort {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    ...(sink.limits ? { limits: sink.limits } : {}),
    putRecords(entries, options) {
      const run = tail.then(() => sink.putRecords(entries, options));
      tail = run.catch(() => undefined);
      return run;
    },
  };
}

/** A poller wired with the real adapters against moto and the broker (Kinesis writes serialized, see above). */
export function realPoller(
  config: PollerRuntimeConfig,
  aws: AwsClients,
  extra: Partial<Omit<CreatePollerOptions, 'config' | 'clients'>> = {},
) {
  const wrap = extra.wrapSink;
  const poll = createPoller({
    config,
    clients: readyPollerAwsClients(aws),
    rules: async () => RULES,
    logger: SILENT,
    ...extra,
    wrapSink: (sink) => (wrap ? wrap(serializedSink(sink)) : serializedSink(sink)),
  });
  const run = (input: PollInput, remainingMs = 60_000): Promise<PollResponse> =>
    poll(input, () => remainingMs);
  return Object.assign(run, { connections: poll.connections, close: poll.close });
}

/** Polls one partition until it answers 204 (caught up); returns every response. */
export async function drainPartition(
  poll: (input: PollInput) => Promise<PollResponse>,
  partition: number,
  maxPolls = 50,
): Promise<PollResponse[]> {
  const responses: PollResponse[] = [];
  for (let i = 1; i <= maxPolls; i++) {
    const res = await poll({ kafka_partition: partition, iteration: i });
    responses.push(res);
    if (res.statusCode === 204) return responses;
  }
  throw new Error(`partition ${partition} not drained after ${maxPolls} polls`);
}

/**
 * A compact, exact comparison of Kinesis contents: the sorted eventIds (readable on failure) and a
 * sha-256 of the sorted data strings (byte-identical check without megabytes of diff output).
 */
export function digest(data: readonly string[]): { count: number; eventIds: string[]; sha256: string } {
  const sorted = [...data].sort();
  return {
    count: sorted.length,
    eventIds: sorted.map((d) => (JSON.parse(d) as { eventId: string }).eventId).sort(),
    sha256: createHash('sha256').update(sorted.join('\n')).digest('hex'),
  };
}

/** Counts how many strings occur more than once (extra copies). */
export function duplicateCount(values: readonly string[]): number {
  return values.length - new Set(values).size;
}
