/**
 * The IAM statements of the poller Lambda role: exact data-plane actions on their one resource each, and
 * what its Kafka client needs on the cluster (its VPC placement is pipes/lambda-vpc.construct.ts).
 */
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import type { IStream } from 'aws-cdk-lib/aws-kinesis';
import type { IBucket } from 'aws-cdk-lib/aws-s3';
import { toPolicyStatement } from '../pipes/grant-statement.construct.js';
import { authKind, sourceKind, targetKind } from '../pipes/kinds/registry.js';
import type { KafkaSourceSpec } from '../pipes/kinds/types.js';
import type { SourceConfig } from '../pipes/source-schema.js';
import type { PollerRuntimeConfig } from './config.js';
import type { FallbackPollerProps } from './fallback-poller.construct.js';

/** The destination the poller writes: its ARN, its name and the customer managed key encrypting it, if any. */
export interface PollerDeliveryTarget {
  readonly arn: string;
  readonly name: string;
  readonly keyArn?: string;
}

/** The delivery target of a Kinesis stream (the data-lake stream of the kinesis and lambda target types). */
export function streamDeliveryTarget(stream: IStream): PollerDeliveryTarget {
  const keyArn = stream.encryptionKey?.keyArn;
  return { arn: stream.streamArn, name: stream.streamName, ...(keyArn ? { keyArn } : {}) };
}

/**
 * The exact actions the poller calls, each on its one resource: the delivery to its target (the target
 * module's `pollerDelivery` grants, e.g. Kinesis PutRecords or Firehose PutRecordBatch), enrichment/sqs-dlq-sink.ts
 * SendMessageBatch, fallback-poller/create-poller.ts GetObject; plus the KMS actions their encryption needs:
 * GenerateDataKey and Decrypt to send to an SSE-KMS queue, Decrypt to read an SSE-KMS object.
 */
export function dataPlaneStatements(
  props: FallbackPollerProps,
  bucket: IBucket,
  truststore: PollerRuntimeConfig['truststore'],
): PolicyStatement[] {
  const { target, enrichmentDlq: dlq } = props;
  const statements = [
    ...targetKind(props.source.target.type).pollerDelivery.grants(target).map(toPolicyStatement),
    new PolicyStatement({ sid: 'SendToDlq', actions: ['sqs:SendMessage'], resources: [dlq.queueArn] }),
  ];
  const keys = [
    {
      sid: 'EncryptDlqMessages',
      key: dlq.encryptionMasterKey,
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
    },
  ];
  if (truststore.type === 's3') {
    statements.push(
      new PolicyStatement({
        sid: 'ReadTruststore',
        actions: ['s3:GetObject'],
        resources: [bucket.arnForObjects(truststore.key)],
      }),
    );
    keys.push({ sid: 'DecryptTruststore', key: bucket.encryptionKey, actions: ['kms:Decrypt'] });
  }
  for (const { sid, key, actions } of keys) {
    if (key) statements.push(new PolicyStatement({ sid, actions, resources: [key.keyArn] }));
  }
  return statements;
}

/**
 * What the poller's Kafka client needs on the cluster, from the source's kind and auth modules: for an MSK
 * source without `brokers`, `kafka:GetBootstrapBrokers` on the cluster; with IAM, the `kafka-cluster:*`
 * actions on the cluster, the topic and the consumer group (pipes/kinds/auth/iam.ts).
 */
export function kafkaClientStatements(source: SourceConfig): PolicyStatement[] {
  const spec: KafkaSourceSpec = {
    kind: source.kind,
    ...(source.brokers ? { brokers: source.brokers } : {}),
    ...(source.clusterArn ? { clusterArn: source.clusterArn } : {}),
    topic: source.topic,
    consumerGroupId: source.consumerGroupId,
    startingPosition: source.startingPosition,
    batchSize: source.batchSize,
    batchingWindowSeconds: source.batchingWindowSeconds,
    authType: source.auth.type,
  };
  const grants = [
    ...sourceKind(source.kind).pollerGrants(spec),
    ...(authKind(source.auth.type).clientGrants?.(spec) ?? []),
  ];
  return grants.map(toPolicyStatement);
}
