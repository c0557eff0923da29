import { beforeAll, describe, expect, it } from 'vitest';
import { arnOf, logicalId, policyStatements, type Synthesized, synthEnvironment } from './pipes-helpers.js';

/** The poller Lambda role of onprem-long-chain: exact actions, each on its one resource. */
describe('fallback poller Lambda role', () => {
  let synth: Synthesized;
  let statements: Record<string, unknown>[];
  beforeAll(async () => {
    synth = await synthEnvironment({ environment: 'dev' });
    const poller = synth.stack.pollers.get('onprem-long-chain');
    if (!poller?.function.role) throw new Error('no poller role');
    statements = policyStatements(synth.template, logicalId(synth.stack, poller.function.role)) as Record<
      string,
      unknown
    >[];
  });

  const bySid = (sid: string) => statements.find((s) => s.Sid === sid);

  it('writes records with kinesis:PutRecords on the stream only', () => {
    // Arrange
    const stream = [...synth.stack.streams.values()].find((s) => s.node.id === 'DataLakeApicStream');
    if (!stream) throw new Error('no stream');
    // Assert
    expect(bySid('PutRecords')).toEqual({
      Sid: 'PutRecords',
      Effect: 'Allow',
      Action: 'kinesis:PutRecords',
      Resource: arnOf(synth.stack, stream),
    });
  });

  it('encrypts with kms:GenerateDataKey on the stream key and sends to the DLQ with sqs:SendMessage', () => {
    // Arrange
    const key = arnOf(synth.stack, synth.stack.dataKey);
    const dlq = synth.stack.pollerDlqs.get('onprem-long-chain');
    if (!dlq) throw new Error('no poller DLQ');
    // Assert
    expect(bySid('EncryptStreamRecords')).toEqual({
      Sid: 'EncryptStreamRecords',
      Effect: 'Allow',
      Action: 'kms:GenerateDataKey',
      Resource: key,
    });
    expect(bySid('SendToDlq')).toEqual({
      Sid: 'SendToDlq',
      Effect: 'Allow',
      Action: 'sqs:SendMessage',
      Resource: arnOf(synth.stack, dlq),
    });
    expect(bySid('EncryptDlqMessages')).toEqual({
      Sid: 'EncryptDlqMessages',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
      Resource: key,
    });
  });

  it('reads only the truststore object, and decrypts it with the bucket key', () => {
    // Arrange
    const poller = synth.stack.pollers.get('onprem-long-chain');
    const bucketKey = poller?.truststoreBucket.encryptionKey;
    if (!poller || !bucketKey) throw new Error('no truststore bucket key');
    // Assert
    expect(bySid('ReadTruststore')).toEqual({
      Sid: 'ReadTruststore',
      Effect: 'Allow',
      Action: 's3:GetObject',
      Resource: {
        'Fn::Join': ['', [arnOf(synth.stack, poller.truststoreBucket), '/truststores/legacy-ca-bundle.pem']],
      },
    });
    expect(bySid('DecryptTruststore')).toEqual({
      Sid: 'DecryptTruststore',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: arnOf(synth.stack, bucketKey),
    });
  });

  it('has the six network-interface actions a Lambda in a VPC needs, DescribeSubnets included', () => {
    expect(bySid('VpcNetworkInterfaces')).toEqual({
      Sid: 'VpcNetworkInterfaces',
      Effect: 'Allow',
      Action: [
        'ec2:AssignPrivateIpAddresses',
        'ec2:CreateNetworkInterface',
        'ec2:DeleteNetworkInterface',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeSubnets',
        'ec2:UnassignPrivateIpAddresses',
      ],
      Resource: '*',
    });
  });

  it('grants no wildcard action and none of the grant-helper families', () => {
    // Act
    const actions = statements.flatMap((s) => [s.Action].flat() as string[]);
    // Assert
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
    for (const broad of [
      'kinesis:ListShards',
      'kinesis:DescribeStreamSummary',
      'kms:Encrypt',
      'sqs:GetQueueUrl',
    ]) {
      expect(actions).not.toContain(broad);
    }
    expect(actions.filter((a) => a.startsWith('s3:'))).toEqual(['s3:GetObject']);
  });
});

/**
 * The poller Lambda role of msk-iam-poller (MSK, IAM, no brokers in the file): GetBootstrapBrokers on the
 * cluster, and the kafka-cluster actions on the cluster, topic and group ARNs of the MSK IAM access control
 * page (https://docs.aws.amazon.com/msk/latest/developerguide/kafka-actions.html), nothing else of Kafka.
 */
describe('fallback poller Lambda role of an MSK IAM source', () => {
  const CLUSTER =
    'arn:aws:kafka:us-east-1:123456789012:cluster/msk-iam/1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901-4';
  const IN_CLUSTER = 'arn:aws:kafka:us-east-1:123456789012:%s/msk-iam/1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901-4';
  let statements: Record<string, unknown>[];
  let poller: NonNullable<ReturnType<Synthesized['stack']['pollers']['get']>>;
  beforeAll(async () => {
    const synth = await synthEnvironment({ environment: 'dev' });
    const found = synth.stack.pollers.get('msk-iam-poller');
    if (!found?.function.role) throw new Error('no poller role for msk-iam-poller');
    poller = found;
    statements = policyStatements(synth.template, logicalId(synth.stack, found.function.role)) as Record<
      string,
      unknown
    >[];
  });

  it('looks the bootstrap brokers up with kafka:GetBootstrapBrokers on the cluster only', () => {
    // Act
    const config = poller.runtimeConfig;
    // Assert
    expect([config.brokers, config.clusterArn, config.auth]).toEqual([
      undefined,
      CLUSTER,
      { type: 'iam', region: 'us-east-1' },
    ]);
    expect(statements.find((s) => s.Sid === 'LookUpMskBrokers')).toEqual({
      Sid: 'LookUpMskBrokers',
      Effect: 'Allow',
      Action: 'kafka:GetBootstrapBrokers',
      Resource: CLUSTER,
    });
  });

  it('has exactly the kafka-cluster actions it calls, each on its exact ARN', () => {
    // Act
    const kafka = statements.filter((s) =>
      ([s.Action].flat() as string[]).some((a) => a.startsWith('kafka-cluster:')),
    );
    // Assert
    expect(kafka).toEqual([
      {
        Sid: 'ConnectMskCluster',
        Effect: 'Allow',
        Action: ['kafka-cluster:Connect', 'kafka-cluster:DescribeCluster'],
        Resource: CLUSTER,
      },
      {
        Sid: 'ReadMskTopic',
        Effect: 'Allow',
        Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
        Resource: `${IN_CLUSTER.replace('%s', 'topic')}/test-topic`,
      },
      {
        Sid: 'UseMskConsumerGroup',
        Effect: 'Allow',
        Action: ['kafka-cluster:AlterGroup', 'kafka-cluster:DescribeGroup'],
        Resource: `${IN_CLUSTER.replace('%s', 'group')}/kafka-pipes-msk-iam-poller`,
      },
    ]);
    expect(statements.flatMap((s) => [s.Action].flat() as string[]).filter((a) => a.includes('*'))).toEqual(
      [],
    );
  });
});
