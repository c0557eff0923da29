import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { deliveryOf, type LazyDeliveryClients } from '../core/delivery-registry.js';
import { describeTopicPartitions } from '../core/kafka/group-lag.js';
import type { AwsCredentialsLike } from '../core/kafka/msk-iam-token.js';
import { once } from '../core/lazy.js';
import { awsBootstrapLookup, type BootstrapLookup } from '../core/msk-bootstrap.js';
import { createRecordFormats } from '../enrichment/formats/registry.js';
import { type PartitionKeySpec, parsePartitionKeySpec } from '../enrichment/partition-key.js';
import type { CompiledRules } from '../enrichment/rules/compile.js';
import { createSqsDlqSink, type DlqSink } from '../enrichment/sqs-dlq-sink.js';
import type { LazyPollerAwsClients } from './aws-clients.js';
import type { PollerRuntimeConfig } from './config.js';
import { type ConnectionSpec, createConnectionCache, type MaterialPorts } from './connection.js';
import { createDynamoLock } from './lock.js';
import { type PollInput, type PollResponse, type PollSettings, pollPartition } from './poll-partition.js';
import type { DlqPort, LockPort, LoggerPort, PollPorts, ReaderPort, SinkPort } from './ports.js';
import { createWarmReader } from './warm-reader.js';

/** AWS clients the poller uses, each made on first use (fallback-poller/aws-clients.ts). */
export type PollerClients = LazyPollerAwsClients;

/** Dependencies of {@link createPoller}. */
export interface CreatePollerOptions {
  readonly config: PollerRuntimeConfig;
  readonly clients: PollerClients;
  /** The rules in force (bundled default or AppConfig, resolved per invocation). */
  readonly rules: () => Promise<CompiledRules>;
  readonly logger: LoggerPort;
  /** Directory bundled files (`truststore.type = file`) are relative to (default LAMBDA_TASK_ROOT or cwd). */
  readonly baseDir?: string;
  /** Replaces the Kinesis sink (tests inject partial failures by wrapping it). */
  readonly wrapSink?: (sink: SinkPort) => SinkPort;
  /** Replaces the reader (tests simulate crashes by wrapping it). */
  readonly wrapReader?: (reader: ReaderPort) => ReaderPort;
  readonly now?: () => number;
  /** AWS client settings of the schema registries (the test bed's endpoint); default the runtime's. */
  readonly registryAws?: Readonly<Record<string, unknown>>;
  /** GetBootstrapBrokers (MSK sources without brokers); default: the SDK's, in the cluster's Region. */
  readonly bootstrapLookup?: BootstrapLookup;
  /** Credentials signing IAM tokens; default: the SDK's default credential chain (the Lambda role). */
  readonly iamCredentials?: () => Promise<AwsCredentialsLike>;
}

/** The S3 and Secrets Manager SDK packages, loaded on first use (core/lazy.ts). */
const s3Sdk = once(() => import('@aws-sdk/client-s3'));
const secretsSdk = once(() => import('@aws-sdk/client-secrets-manager'));

/** Streams text from S3 / Secrets Manager / the bundle. */
export function awsMaterialPorts(
  clients: Pick<PollerClients, 's3' | 'secretsManager'>,
  baseDir: string,
): MaterialPorts {
  return {
    async getObjectText(bucket, key) {
      const [s3, { GetObjectCommand }] = await Promise.all([clients.s3(), s3Sdk()]);
      const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (!out.Body) throw new Error(`s3://${bucket}/${key} has no body`);
      return out.Body.transformToString('utf8');
    },
    async getSecretString(secretId) {
      const [sm, { GetSecretValueCommand }] = await Promise.all([clients.secretsManager(), secretsSdk()]);
      const out = await sm.send(new GetSecretValueCommand({ SecretId: secretId }));
      if (out.SecretString === undefined) throw new Error(`secret ${secretId} has no SecretString`);
      return out.SecretString;
    },
    readFileText: (path) => readFile(isAbsolute(path) ? path : join(baseDir, path), 'utf8'),
  };
}

/** The connection spec of a runtime config. */
export function connectionSpecOf(config: PollerRuntimeConfig): ConnectionSpec {
  return {
    brokers: config.brokers ?? [],
    ...(config.clusterArn ? { clusterArn: config.clusterArn } : {}),
    sourceName: config.sourceName,
    tls: config.tls,
    truststore: config.truststore,
    auth: config.auth,
    clientId: `kafka-pipes-poller-${config.sourceName}`,
  };
}

/**
 * Wires the real adapters (kafkajs partition reader on connections kept across polls, DynamoDB lock,
 * Kinesis, SQS DLQ, S3/Secrets Manager material with a warm-container cache) around
 * {@link pollPartition}. Returns the function the
 * Lambda handler calls with the event and the remaining time.
 */
export function createPoller(options: CreatePollerOptions) {
  const { config, clients } = options;
  const now = options.now ?? Date.now;
  const cache = createConnectionCache((config.materialCacheMinutes ?? 15) * 60_000, now);
  const material: MaterialPorts = {
    ...awsMaterialPorts(clients, options.baseDir ?? process.env.LAMBDA_TASK_ROOT ?? process.cwd()),
    getBootstrapBrokers: options.bootstrapLookup ?? awsBootstrapLookup(),
    ...(options.iamCredentials ? { iamCredentials: options.iamCredentials } : {}),
  };
  const spec = connectionSpecOf(config);
  // Kafka connections stay open across the polls of a warm container (fallback-poller/warm-reader.ts).
  const warm = createWarmReader(cache, spec, material);
  const baseReader: ReaderPort = {
    open: (request) => warm.open(request),
    async describe(topic) {
      return describeTopicPartitions(await cache.get(spec, material), topic);
    },
  };
  const reader = options.wrapReader ? options.wrapReader(baseReader) : baseReader;
  const { sink: baseSink, dlq, lock } = lazyAdapters(clients, config);
  const sink = options.wrapSink ? options.wrapSink(baseSink) : baseSink;
  const partitionKey = parsePartitionKeySpec(config.partitionKey) as PartitionKeySpec;
  // One set of formats (and schema caches) per warm container, as in the enrichment Lambda.
  const formats = createRecordFormats(config.value ?? { format: 'json' }, config.key ?? { format: 'text' }, {
    ...(options.registryAws ? { aws: options.registryAws } : {}),
    secretString: material.getSecretString,
  });

  const poll = async (input: PollInput, remainingTimeMs: () => number): Promise<PollResponse> => {
    const settings: PollSettings = {
      sourceName: config.sourceName,
      topic: config.topic,
      groupId: config.groupId,
      startingPosition: config.startingPosition,
      ...(config.offsetReset ? { offsetReset: config.offsetReset } : {}),
      eventSource: config.eventSource,
      cluster: config.cluster,
      rules: await options.rules(),
      partitionKey,
      formats,
      maxRecordsPerInvocation: config.maxRecordsPerInvocation,
      lockTtlSeconds: config.lockTtlSeconds,
      ...(config.idleWaitMs !== undefined ? { idleWaitMs: config.idleWaitMs } : {}),
      ...(config.safetyMarginMs !== undefined ? { safetyMarginMs: config.safetyMarginMs } : {}),
      ...(config.kinesisMaxAttempts !== undefined ? { kinesisMaxAttempts: config.kinesisMaxAttempts } : {}),
    };
    const ports: PollPorts = {
      reader,
      lock,
      sink,
      dlq,
      clock: { nowMs: now, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) },
      logger: options.logger,
      remainingTimeMs,
    };
    return pollPartition(input, settings, ports);
  };
  return Object.assign(poll, {
    /** The kept Kafka connections' pool (null before the first poll). */
    connections: () => warm.pool(),
    /** Disconnects the kept Kafka connections. */
    close: () => warm.close(),
  });
}

/**
 * The port the canonical records go through: the delivery service whose POLLER_CONFIG field names the
 * destination (core/delivery-registry.ts: the data-lake Kinesis stream or a Firehose stream), with the
 * service's limits known at once and its client made by the first call.
 */
export function deliverySinkOf(
  config: Pick<PollerRuntimeConfig, 'streamName' | 'deliveryStreamName'>,
  clients: LazyDeliveryClients,
): SinkPort {
  const { service, name } = deliveryOf(config);
  return service.sink(clients, name);
}

/**
 * The delivery sink (its limits known up front), the SQS DLQ and the DynamoDB lock over clients made on
 * first use: each adapter is created when its first call needs it.
 */
function lazyAdapters(
  clients: PollerClients,
  config: PollerRuntimeConfig,
): { sink: SinkPort; dlq: DlqPort; lock: LockPort } {
  const sink = deliverySinkOf(config, clients);
  const dlq = once(async () => createSqsDlqSink(await clients.sqs(), config.dlqUrl));
  const lock = once(async () => createDynamoLock(await clients.dynamodb(), config.lockTable));
  return {
    sink,
    dlq: {
      send: async (entries) => (await dlq()).send(entries as Parameters<DlqSink['send']>[0]),
    },
    lock: {
      acquire: async (request) => (await lock()).acquire(request),
      renew: async (request) => (await lock()).renew(request),
      release: async (request) => (await lock()).release(request),
    },
  };
}
