/**
 * The poller's runtime config (POLLER_CONFIG) of one source, made in one place for the FallbackPoller
 * construct (deploy time: resource names may be CDK tokens) and the local runner behind `npm start`
 * (devkit/local/poller-engine.ts). Runtime-safe: no aws-cdk-lib import.
 */
import { basename } from 'node:path';
import { kafkaClientSettings, sourceKind } from '../pipes/kinds/registry.js';
import { type PollerConfig, pollerSchema, type SourceConfig } from '../pipes/source-schema.js';
import type { PollerRuntimeConfig } from './config.js';

/** Folder of the function bundle that holds a `truststore: {file}` PEM bundle. */
export const BUNDLED_TRUSTSTORE_DIR = 'truststore';

/**
 * Where a `truststore: {file}` source file lands in the poller's function bundle: the construct copies
 * `<project root>/<file>` there at bundling, and the handler reads a relative path against the bundle
 * root (`LAMBDA_TASK_ROOT`, fallback-poller/create-poller.ts). The local runner stages the same layout.
 *
 * @example bundledTruststorePath('certs/legacy-ca.pem') // 'truststore/legacy-ca.pem'
 */
export function bundledTruststorePath(file: string): string {
  return `${BUNDLED_TRUSTSTORE_DIR}/${basename(file)}`;
}

/** The `poller` block of a source, with the schema's defaults when the file has none. */
export function pollerSettingsOf(source: Pick<SourceConfig, 'poller'>): PollerConfig {
  return source.poller ?? pollerSchema.parse({});
}

/** The AWS resources a poller works with (names, URLs, or CDK tokens at deploy time). */
export interface PollerResources {
  readonly truststoreBucket: string;
  /** The data-lake Kinesis stream, or (firehose targets) the Firehose stream's name. */
  readonly streamName?: string;
  readonly deliveryStreamName?: string;
  readonly dlqUrl: string;
  readonly lockTable: string;
  /** AppConfig coordinates of the source's rules; absent = the bundled default rules. */
  readonly rulesAppConfig?: PollerRuntimeConfig['rulesAppConfig'];
}

/** How the poller reaches the cluster when it is not the source's own (the local runner's test bed). */
export interface PollerDialOverrides {
  /** Brokers to dial instead of the source's `brokers`. */
  readonly brokers?: readonly string[];
  /** TLS on or off instead of what the source implies. */
  readonly tls?: boolean;
  /** Maps a secret reference of the source (name or ARN) to the id to read (default: as written). */
  readonly secretId?: (ref: string) => string;
}

/** Where the poller's truststore comes from: the poller block, else the source's root CA secret. */
function truststoreOf(
  source: SourceConfig,
  resources: PollerResources,
  secretId: (ref: string) => string,
): PollerRuntimeConfig['truststore'] {
  const truststore = pollerSettingsOf(source).truststore;
  if (truststore && 's3Key' in truststore) {
    return { type: 's3', bucket: resources.truststoreBucket, key: truststore.s3Key };
  }
  if (truststore && 'secret' in truststore) return { type: 'secret', secret: secretId(truststore.secret) };
  if (truststore) return { type: 'file', path: bundledTruststorePath(truststore.file) };
  if (source.rootCaSecret) return { type: 'secret', secret: secretId(source.rootCaSecret) };
  return { type: 'default' };
}

/**
 * The brokers the poller dials: the dial override, the file's `brokers`, or (kinds that look them up) the
 * cluster ARN the poller looks them up for with GetBootstrapBrokers.
 */
function brokersOf(
  source: SourceConfig,
  dial: PollerDialOverrides,
): Pick<PollerRuntimeConfig, 'brokers' | 'clusterArn'> {
  const brokers = dial.brokers ?? source.brokers;
  if (brokers && brokers.length > 0) return { brokers: [...brokers] };
  if (sourceKind(source.kind).brokers === 'lookup' && source.clusterArn) {
    return { clusterArn: source.clusterArn };
  }
  return { brokers: [] };
}

/**
 * The POLLER_CONFIG of a source: what it reads (topic, group, cluster identity), how it connects
 * (brokers, TLS, truststore, auth secret) and where it writes (stream, DLQ, lock table).
 *
 * @example pollerRuntimeConfig(source, { truststoreBucket: 'b', streamName: 's', dlqUrl: 'https://…', lockTable: 't' })
 */
export function pollerRuntimeConfig(
  source: SourceConfig,
  resources: PollerResources,
  dial: PollerDialOverrides = {},
): PollerRuntimeConfig {
  const poller = pollerSettingsOf(source);
  const secretId = dial.secretId ?? ((ref: string) => ref);
  const truststore = truststoreOf(source, resources, secretId);
  // TLS when the auth type or the kind implies it, or with a private CA (pipes/kinds/registry.ts).
  const client = kafkaClientSettings(source, truststore.type !== 'default');
  const secret = client.auth.secret && source.auth.secret ? secretId(source.auth.secret) : undefined;
  return {
    sourceName: source.name,
    topic: source.topic,
    groupId: source.consumerGroupId,
    startingPosition: source.startingPosition,
    ...(poller.offsetReset ? { offsetReset: poller.offsetReset } : {}),
    eventSource: client.eventSource,
    cluster: client.cluster,
    ...brokersOf(source, dial),
    tls: dial.tls ?? client.tls,
    truststore,
    auth: {
      type: source.auth.type,
      ...(secret !== undefined ? { secret } : {}),
      ...(client.region ? { region: client.region } : {}),
    },
    partitionKey: source.target.partitionKey,
    ...(resources.streamName !== undefined ? { streamName: resources.streamName } : {}),
    ...(resources.deliveryStreamName !== undefined
      ? { deliveryStreamName: resources.deliveryStreamName }
      : {}),
    dlqUrl: resources.dlqUrl,
    lockTable: resources.lockTable,
    maxRecordsPerInvocation: poller.maxRecordsPerInvocation,
    lockTtlSeconds: poller.lockTtlSeconds,
    ...(resources.rulesAppConfig ? { rulesAppConfig: { ...resources.rulesAppConfig } } : {}),
    ...(source.value ? { value: source.value } : {}),
    ...(source.key ? { key: source.key } : {}),
  };
}
