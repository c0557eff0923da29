import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { describeTopicPartitions } from '../core/kafka/admin-probe.js';
import { openPartitionSession } from '../core/kafka/partition-session.js';
import { createKinesisSink } from '../core/kinesis-delivery.js';
import {
  type CompiledRules,
  createSqsDlqSink,
  type PartitionKeySpec,
  parsePartitionKeySpec,
} from '../enrichment/index.js';
import type { PollerRuntimeConfig } from './config.js';
import { type ConnectionSpec, createConnectionCache, type MaterialPorts } from './connection.js';
import { createDynamoLock } from './lock.js';
import { type PollInput, type PollResponse, type PollSettings, pollPartition } from './poll-partition.js';
import type { LoggerPort, PollPorts, ReaderPort, SinkPort } from './ports.js';

/** AWS clients the poller uses. */
export interface PollerClients {
  readonly kinesis: KinesisClient;
  readonly sqs: SQSClient;
  readonly s3: S3Client;
  readonly secretsManager: SecretsManagerClient;
  readonly dynamodb: DynamoDBClient;
}

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
}

/** Streams text from S3 / Secrets Manager / the bundle. */
export function awsMaterialPorts(
  clients: Pick<PollerClients, 's3' | 'secretsManager'>,
  baseDir: string,
): MaterialPorts {
  return {
    async getObjectText(bucket, key) {
      const out = await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (!out.Body) throw new Error(`s3://${bucket}/${key} has no body`);
      return out.Body.transformToString('utf8');
    },
    async getSecretString(secretId) {
      const out = await clients.secretsManager.send(new GetSecretValueCommand({ SecretId: secretId }));
      if (out.SecretString === undefined) throw new Error(`secret ${secretId} has no SecretString`);
      return out.SecretString;
    },
    readFileText: (path) => readFile(isAbsolute(path) ? path : join(baseDir, path), 'utf8'),
  };
}

/** The connection spec of a runtime config. */
export function connectionSpecOf(config: PollerRuntimeConfig): ConnectionSpec {
  return {
    brokers: config.brokers,
    tls: config.tls,
    truststore: config.truststore,
    auth: config.auth,
    clientId: `kafka-pipes-poller-${config.sourceName}`,
  };
}

/**
 * Wires the real adapters (kafkajs partition reader, DynamoDB lock, Kinesis, SQS DLQ, S3/Secrets
 * Manager material with a warm-container cache) around {@link pollPartition}. Returns the function the
 * Lambda handler calls with the event and the remaining time.
 */
export function createPoller(options: CreatePollerOptions) {
  const { config, clients } = options;
  const now = options.now ?? Date.now;
  const cache = createConnectionCache((config.materialCacheMinutes ?? 15) * 60_000, now);
  const material = awsMaterialPorts(
    clients,
    options.baseDir ?? process.env.LAMBDA_TASK_ROOT ?? process.cwd(),
  );
  const spec = connectionSpecOf(config);
  const baseReader: ReaderPort = {
    async open(request) {
      return openPartitionSession(await cache.get(spec, material), request);
    },
    async describe(topic) {
      return describeTopicPartitions(await cache.get(spec, material), topic);
    },
  };
  const reader = options.wrapReader ? options.wrapReader(baseReader) : baseReader;
  const baseSink = createKinesisSink(clients.kinesis, config.streamName);
  const sink = options.wrapSink ? options.wrapSink(baseSink) : baseSink;
  const dlq = createSqsDlqSink(clients.sqs, config.dlqUrl);
  const lock = createDynamoLock(clients.dynamodb, config.lockTable);
  const partitionKey = parsePartitionKeySpec(config.partitionKey) as PartitionKeySpec;

  return async (input: PollInput, remainingTimeMs: () => number): Promise<PollResponse> => {
    const settings: PollSettings = {
      sourceName: config.sourceName,
      topic: config.topic,
      groupId: config.groupId,
      startingPosition: config.startingPosition,
      eventSource: config.eventSource,
      cluster: config.cluster,
      rules: await options.rules(),
      partitionKey,
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
      dlq: { send: (entries) => dlq.send(entries as Parameters<typeof dlq.send>[0]) },
      clock: { nowMs: now, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) },
      logger: options.logger,
      remainingTimeMs,
    };
    return pollPartition(input, settings, ports);
  };
}
