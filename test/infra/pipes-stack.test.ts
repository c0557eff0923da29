import { beforeAll, describe, expect, it } from 'vitest';
import type { KafkaPipe } from '../../pipes/kafka-pipe.construct.js';
import { arnOf, logicalId, policyStatements, type Synthesized, synthEnvironment } from './pipes-helpers.js';

let dev: Synthesized;

beforeAll(async () => {
  dev = await synthEnvironment({ environment: 'dev' });
});

const pipeOf = (name: string): KafkaPipe => {
  const kp = dev.stack.pipes.get(name);
  if (!kp) throw new Error(`no pipe for ${name}`);
  return kp;
};

const pipeProps = (name: string): Record<string, unknown> => {
  const id = logicalId(dev.stack, pipeOf(name).pipe);
  return (dev.template.toJSON().Resources[id] as { Properties: Record<string, unknown> }).Properties;
};

const SCRAM_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:kafka/partner/scram-StUvWx';
const MTLS_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:kafka/msk-mtls/client-cert-YzAbCd';

const ENI_STATEMENT = {
  Action: [
    'ec2:CreateNetworkInterface',
    'ec2:DeleteNetworkInterface',
    'ec2:DescribeNetworkInterfaces',
    'ec2:DescribeSecurityGroups',
    'ec2:DescribeSubnets',
    'ec2:DescribeVpcs',
  ],
  Effect: 'Allow',
  Resource: '*',
  Sid: 'ManagePipeEnis',
};

describe('one Pipe per example source (dev)', () => {
  it('synthesizes one Pipe per engine-pipe source and a fallback poller per poller source', () => {
    // Assert
    dev.template.resourceCountIs('AWS::Pipes::Pipe', 7);
    dev.template.resourceCountIs('AWS::KinesisFirehose::DeliveryStream', 1);
    expect([...dev.stack.pipes.keys()].sort()).toEqual([
      'msk-apic-avro',
      'msk-apic-lake',
      'msk-apic-mtls',
      'msk-apic-noauth',
      'msk-serverless-iam',
      'onprem-confluent-apic',
      'partner-scram',
    ]);
    expect([...dev.stack.pollers.keys()].sort()).toEqual([
      'msk-apic-avro-poller',
      'msk-iam-poller',
      'onprem-long-chain',
    ]);
    expect(dev.stack.pipes.has('onprem-long-chain')).toBe(false);
  });

  it('on-prem Confluent: smk:// source, extra brokers, mTLS, private root CA, VPC, filter, Kinesis key path', () => {
    // Act
    const props = pipeProps('onprem-confluent-apic');
    // Assert
    expect(props.Source).toBe('smk://kafka-1.corp.example.com:9093');
    expect(props.Name).toBe('onprem-confluent-apic-dev-a253aabf');
    expect(props.DesiredState).toBe('RUNNING');
    expect(props.SourceParameters).toEqual({
      FilterCriteria: { Filters: [{ Pattern: '{"value":{"app_name":[{"prefix":"APP"}]}}' }] },
      SelfManagedKafkaParameters: {
        AdditionalBootstrapServers: ['kafka-2.corp.example.com:9093', 'kafka-3.corp.example.com:9093'],
        BatchSize: 500,
        ConsumerGroupID: 'ExampleTopic-G1',
        Credentials: {
          ClientCertificateTlsAuth:
            'arn:aws:secretsmanager:us-east-1:123456789012:secret:kafka/onprem/client-cert-AbCdEf',
        },
        MaximumBatchingWindowInSeconds: 5,
        ServerRootCaCertificate:
          'arn:aws:secretsmanager:us-east-1:123456789012:secret:kafka/onprem/root-ca-GhIjKl',
        StartingPosition: 'TRIM_HORIZON',
        TopicName: 'ExampleTopic',
        Vpc: {
          SecurityGroup: ['sg-0a1b2c3d4e5f60001'],
          Subnets: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'],
        },
      },
    });
    expect(props.TargetParameters).toEqual({ KinesisStreamParameters: { PartitionKey: '$.partitionKey' } });
    expect(props.Enrichment).toEqual(arnOf(dev.stack, pipeOf('onprem-confluent-apic').enrichmentFunction));
    expect(props.LogConfiguration).toEqual({
      CloudwatchLogsLogDestination: {
        LogGroupArn: arnOf(dev.stack, pipeOf('onprem-confluent-apic').logGroup),
      },
      Level: 'ERROR',
    });
  });

  it('MSK without auth: cluster ARN source, no credentials', () => {
    // Act
    const props = pipeProps('msk-apic-noauth');
    // Assert
    expect(props.Source).toBe(
      'arn:aws:kafka:us-east-1:123456789012:cluster/msktest/0a1b2c3d-1111-2222-3333-444455556666-21',
    );
    expect(props.SourceParameters).toEqual({
      ManagedStreamingKafkaParameters: {
        BatchSize: 100,
        ConsumerGroupID: 'kafka-pipes-msk-apic-noauth',
        MaximumBatchingWindowInSeconds: 1,
        StartingPosition: 'TRIM_HORIZON',
        TopicName: 'ExampleTopic',
      },
    });
  });

  it('MSK with mTLS: credentials by secret name, two filters, INFO logs, topic-partition key in the record', () => {
    // Act
    const props = pipeProps('msk-apic-mtls');
    // Assert
    expect(props.SourceParameters).toEqual({
      FilterCriteria: {
        Filters: [
          { Pattern: '{"value":{"status_code":[{"anything-but":["200 OK"]}]}}' },
          { Pattern: '{"key":[{"exists":true}]}' },
        ],
      },
      ManagedStreamingKafkaParameters: {
        BatchSize: 200,
        ConsumerGroupID: 'kafka-pipes-msk-apic-mtls',
        Credentials: { ClientCertificateTlsAuth: MTLS_ARN },
        MaximumBatchingWindowInSeconds: 2,
        StartingPosition: 'TRIM_HORIZON',
        TopicName: 'ExampleTopic',
      },
    });
    expect((props.LogConfiguration as { Level: string }).Level).toBe('INFO');
  });

  it('MSK Serverless + IAM: no credentials, FIRE_AND_FORGET Lambda target', () => {
    // Act
    const props = pipeProps('msk-serverless-iam');
    const kp = pipeOf('msk-serverless-iam');
    // Assert
    expect(props.SourceParameters).toEqual({
      ManagedStreamingKafkaParameters: {
        BatchSize: 10,
        ConsumerGroupID: 'kafka-pipes-msk-serverless-iam',
        MaximumBatchingWindowInSeconds: 1,
        StartingPosition: 'LATEST',
        TopicName: 'test-topic',
      },
    });
    expect(props.Target).toEqual(arnOf(dev.stack, kp.sinkFunction as never));
    expect(props.TargetParameters).toEqual({
      LambdaFunctionParameters: { InvocationType: 'FIRE_AND_FORGET' },
    });
  });

  it('self-managed SASL/SCRAM-512: credentials by full ARN, no VPC', () => {
    // Act
    const params = (pipeProps('partner-scram').SourceParameters as Record<string, Record<string, unknown>>)
      .SelfManagedKafkaParameters;
    // Assert
    expect(params).toEqual({
      AdditionalBootstrapServers: ['kafka-b.partner.example.net:9096'],
      BatchSize: 500,
      ConsumerGroupID: 'kafka-pipes-partner-scram',
      Credentials: { SaslScram512Auth: SCRAM_ARN },
      MaximumBatchingWindowInSeconds: 10,
      StartingPosition: 'LATEST',
      TopicName: 'partner.api-events',
    });
  });
});

describe('targets, DLQs and encryption', () => {
  it('sink Lambda: EventInvokeConfig with retries, max event age and the target DLQ as on-failure destination', () => {
    // Arrange
    const kp = pipeOf('msk-serverless-iam');
    // Assert
    dev.template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: logicalId(dev.stack, kp.sinkFunction as never) },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 300,
      DestinationConfig: { OnFailure: { Destination: arnOf(dev.stack, kp.targetDlq as never) } },
    });
  });

  it.each([
    ['enrichment DLQ of onprem-confluent-apic', () => pipeOf('onprem-confluent-apic').enrichmentDlq],
    ['target DLQ of msk-serverless-iam', () => pipeOf('msk-serverless-iam').targetDlq],
  ])('%s: KMS, 14 days, SSL-only', (_title, queue) => {
    // Arrange
    const q = queue() as never;
    const id = logicalId(dev.stack, q);
    // Assert
    expect(
      (dev.template.toJSON().Resources[id] as { Properties: Record<string, unknown> }).Properties,
    ).toMatchObject({
      KmsMasterKeyId: arnOf(dev.stack, dev.stack.dataKey),
      MessageRetentionPeriod: 1_209_600,
    });
    dev.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: id }],
      PolicyDocument: {
        Statement: [
          {
            Action: 'sqs:*',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Resource: arnOf(dev.stack, q),
          },
        ],
      },
    });
  });

  it.each([
    ['data-lake-apic', 'data-lake-apic-dev', { StreamModeDetails: { StreamMode: 'ON_DEMAND' } }],
    [
      'msk-apic-mtls-events',
      'msk-apic-mtls-events-dev',
      { ShardCount: 2, StreamModeDetails: { StreamMode: 'PROVISIONED' } },
    ],
    [
      'msk-serverless-iam-events',
      'msk-serverless-iam-events-dev',
      { StreamModeDetails: { StreamMode: 'ON_DEMAND' } },
    ],
  ])('stream %s: KMS with the stack key, mode', (key, physical, mode) => {
    // Arrange
    const stream = dev.stack.streams.get(key);
    // Assert
    expect(stream).toBeDefined();
    dev.template.hasResourceProperties('AWS::Kinesis::Stream', {
      Name: physical,
      StreamEncryption: { EncryptionType: 'KMS', KeyId: arnOf(dev.stack, dev.stack.dataKey) },
      ...mode,
    });
  });

  it.each([...['onprem-confluent-apic', 'msk-serverless-iam']])(
    '%s Lambdas: nodejs22.x, arm64, tracing, env without secrets',
    (name) => {
      // Arrange
      const kp = pipeOf(name);
      // Assert
      const fn = dev.template.toJSON().Resources[logicalId(dev.stack, kp.enrichmentFunction)] as {
        Properties: Record<string, unknown>;
      };
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        MemorySize: 512,
        Timeout: 60,
        TracingConfig: { Mode: 'Active' },
        Handler: 'index.handler',
      });
      expect(fn.Properties.Environment).toEqual({
        Variables: {
          SOURCE_NAME: name,
          PARTITION_KEY: name === 'msk-serverless-iam' ? 'field:api.app_name' : 'field:api.transaction_id',
          DLQ_URL: { Ref: logicalId(dev.stack, kp.enrichmentDlq) },
          POWERTOOLS_SERVICE_NAME: 'kafka-pipes-enrichment',
          ...(name === 'msk-serverless-iam'
            ? {
                TARGET_MAX_RECORDS: '10000',
                TARGET_MAX_RECORD_BYTES: '1048576',
                TARGET_MAX_PAYLOAD_BYTES: '1048576',
              }
            : {
                TARGET_MAX_RECORDS: '500',
                TARGET_MAX_RECORD_BYTES: '1048576',
                TARGET_MAX_REQUEST_BYTES: '5242880',
              }),
          NODE_OPTIONS: '--enable-source-maps',
        },
      });
      expect(JSON.stringify(dev.template.toJSON())).not.toMatch(
        /BEGIN (CERTIFICATE|PRIVATE KEY|ENCRYPTED PRIVATE KEY)/,
      );
    },
  );
});

describe('Pipe creation order', () => {
  it("every Pipe depends on its role's default policy (CreatePipe checks the role can read the source)", () => {
    // Arrange
    const resources = dev.template.toJSON().Resources as Record<string, { DependsOn?: string[] }>;
    expect(dev.stack.pipes.size).toBeGreaterThan(0);
    for (const kp of dev.stack.pipes.values()) {
      const policy = kp.pipe.pipeRole.node.tryFindChild('DefaultPolicy');
      if (!policy) throw new Error(`no default policy on the role of ${kp.pipeName}`);
      // Act
      const dependsOn = resources[logicalId(dev.stack, kp.pipe)]?.DependsOn ?? [];
      // Assert
      expect(dependsOn).toContain(logicalId(dev.stack, policy));
    }
  });
});

describe('target limits reach the enrichment', () => {
  const enrichmentEnv = (name: string) => {
    const id = logicalId(dev.stack, pipeOf(name).enrichmentFunction);
    return (
      dev.template.toJSON().Resources[id] as {
        Properties: { Environment: { Variables: Record<string, unknown> } };
      }
    ).Properties.Environment.Variables;
  };

  it('Kinesis target: 500 records, 1 MiB records, 5 MiB requests including partition keys', () => {
    expect(enrichmentEnv('onprem-confluent-apic')).toMatchObject({
      TARGET_MAX_RECORDS: '500',
      TARGET_MAX_RECORD_BYTES: '1048576',
      TARGET_MAX_REQUEST_BYTES: '5242880',
    });
    expect(enrichmentEnv('onprem-confluent-apic')).not.toHaveProperty('TARGET_MAX_PAYLOAD_BYTES');
  });

  it('Lambda target: 10000 records, 1 MiB records, 1 MB async payload', () => {
    expect(enrichmentEnv('msk-serverless-iam')).toMatchObject({
      TARGET_MAX_RECORDS: '10000',
      TARGET_MAX_RECORD_BYTES: '1048576',
      TARGET_MAX_PAYLOAD_BYTES: '1048576',
    });
    expect(enrichmentEnv('msk-serverless-iam')).not.toHaveProperty('TARGET_MAX_REQUEST_BYTES');
  });
});

describe('least-privilege IAM (exact actions and resources)', () => {
  const pipeRoleStatements = (name: string) =>
    policyStatements(dev.template, logicalId(dev.stack, pipeOf(name).pipe.pipeRole));

  it('on-prem mTLS: both secrets, KMS decrypt via Secrets Manager only, ENIs, enrichment, stream, logs', () => {
    // Arrange
    const kp = pipeOf('onprem-confluent-apic');
    const stream = dev.stack.streams.get('data-lake-apic') as never;
    // Assert
    expect(pipeRoleStatements('onprem-confluent-apic')).toEqual([
      {
        Action: 'secretsmanager:GetSecretValue',
        Effect: 'Allow',
        Resource: [
          'arn:aws:secretsmanager:us-east-1:123456789012:secret:kafka/onprem/client-cert-AbCdEf',
          'arn:aws:secretsmanager:us-east-1:123456789012:secret:kafka/onprem/root-ca-GhIjKl',
        ],
        Sid: 'ReadKafkaSecrets',
      },
      {
        Action: 'kms:Decrypt',
        Condition: {
          StringEquals: {
            'kms:ViaService': {
              'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']],
            },
          },
        },
        Effect: 'Allow',
        Resource: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        Sid: 'DecryptKafkaSecrets',
      },
      ENI_STATEMENT,
      {
        Action: 'lambda:InvokeFunction',
        Effect: 'Allow',
        Resource: arnOf(dev.stack, kp.enrichmentFunction),
        Sid: 'InvokeEnrichment',
      },
      {
        Action: ['kinesis:PutRecord', 'kinesis:PutRecords'],
        Effect: 'Allow',
        Resource: arnOf(dev.stack, stream),
        Sid: 'PutToStream',
      },
      {
        Action: 'kms:GenerateDataKey',
        Effect: 'Allow',
        Resource: arnOf(dev.stack, dev.stack.dataKey),
        Sid: 'EncryptForStream',
      },
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: arnOf(dev.stack, kp.logGroup),
      },
    ]);
  });

  it('MSK Serverless IAM: cluster describe, kafka-cluster actions on cluster/topic/group ARNs, sink invoke', () => {
    // Arrange
    const kp = pipeOf('msk-serverless-iam');
    const cluster =
      'arn:aws:kafka:us-east-1:123456789012:cluster/uehara-msk-serverless-cluster/5f6e7d8c-1234-5678-9abc-def012345678-s1';
    const suffix = 'uehara-msk-serverless-cluster/5f6e7d8c-1234-5678-9abc-def012345678-s1';
    // Assert
    expect(pipeRoleStatements('msk-serverless-iam')).toEqual([
      ENI_STATEMENT,
      {
        Action: ['kafka:DescribeClusterV2', 'kafka:GetBootstrapBrokers'],
        Effect: 'Allow',
        Resource: cluster,
        Sid: 'DescribeMskCluster',
      },
      { Action: 'kafka-cluster:Connect', Effect: 'Allow', Resource: cluster, Sid: 'ConnectMskCluster' },
      {
        Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
        Effect: 'Allow',
        Resource: `arn:aws:kafka:us-east-1:123456789012:topic/${suffix}/test-topic`,
        Sid: 'ReadMskTopic',
      },
      {
        Action: ['kafka-cluster:AlterGroup', 'kafka-cluster:DescribeGroup'],
        Effect: 'Allow',
        Resource: `arn:aws:kafka:us-east-1:123456789012:group/${suffix}/kafka-pipes-msk-serverless-iam`,
        Sid: 'UseMskConsumerGroup',
      },
      {
        Action: 'lambda:InvokeFunction',
        Effect: 'Allow',
        Resource: arnOf(dev.stack, kp.enrichmentFunction),
        Sid: 'InvokeEnrichment',
      },
      {
        Action: 'lambda:InvokeFunction',
        Effect: 'Allow',
        Resource: arnOf(dev.stack, kp.sinkFunction as never),
        Sid: 'InvokeSink',
      },
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: arnOf(dev.stack, kp.logGroup),
      },
    ]);
  });

  it('SCRAM by full ARN: exactly that secret, no ENI statement', () => {
    // Act
    const statements = pipeRoleStatements('partner-scram');
    // Assert
    expect(statements[0]).toEqual({
      Action: 'secretsmanager:GetSecretValue',
      Effect: 'Allow',
      Resource: SCRAM_ARN,
      Sid: 'ReadKafkaSecrets',
    });
    expect(statements).not.toContainEqual(ENI_STATEMENT);
  });

  it('sink role: PutRecords on its stream, data key, target DLQ send, own logs, X-Ray', () => {
    // Arrange
    const kp = pipeOf('msk-serverless-iam');
    const stream = dev.stack.streams.get('msk-serverless-iam-events') as never;
    const sink = kp.sinkFunction as NonNullable<typeof kp.sinkFunction>;
    // Assert
    expect(policyStatements(dev.template, logicalId(dev.stack, sink.role as never))).toEqual([
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: arnOf(dev.stack, sink.logGroup),
        Sid: 'WriteOwnLogs',
      },
      { Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], Effect: 'Allow', Resource: '*' },
      {
        Action: 'kinesis:PutRecords',
        Effect: 'Allow',
        Resource: arnOf(dev.stack, stream),
        Sid: 'PutToStream',
      },
      {
        Action: 'kms:GenerateDataKey',
        Effect: 'Allow',
        Resource: arnOf(dev.stack, dev.stack.dataKey),
        Sid: 'EncryptForStream',
      },
      {
        Action: 'sqs:SendMessage',
        Effect: 'Allow',
        Resource: arnOf(dev.stack, kp.targetDlq as never),
        Sid: 'SendToTargetDlq',
      },
      {
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Effect: 'Allow',
        Resource: arnOf(dev.stack, dev.stack.dataKey),
        Sid: 'EncryptForTargetDlq',
      },
    ]);
  });
});

describe('alarms and dashboard', () => {
  it.each([
    [
      'msk-serverless-iam',
      [
        'EnrichmentDlqDepth',
        'PipeExecutionFailed',
        'PipeExecutionPartiallyFailed',
        'PipeExecutionThrottled',
        'PipeExecutionTimeout',
        'EnrichmentErrors',
        'EnrichmentThrottles',
        'TargetDlqDepth',
        'SinkErrors',
        'SinkThrottles',
      ],
    ],
    [
      'partner-scram',
      [
        'EnrichmentDlqDepth',
        'PipeExecutionFailed',
        'PipeExecutionPartiallyFailed',
        'PipeExecutionThrottled',
        'PipeExecutionTimeout',
        'EnrichmentErrors',
        'EnrichmentThrottles',
      ],
    ],
  ])('%s has its alarms', (name, ids) => {
    // Assert
    expect(Object.keys(pipeOf(name).alarms)).toEqual(ids);
    for (const id of ids) {
      dev.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: `${name}-dev-${id}`,
        ComparisonOperator: 'GreaterThanThreshold',
        Threshold: 0,
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
      });
    }
  });

  it('Pipe alarms watch AWS/EventBridge/Pipes by PipeName', () => {
    dev.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'partner-scram-dev-PipeExecutionFailed',
      Namespace: 'AWS/EventBridge/Pipes',
      MetricName: 'ExecutionFailed',
      Dimensions: [{ Name: 'PipeName', Value: 'partner-scram-dev-a5e12a02' }],
      Statistic: 'Sum',
    });
    dev.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'partner-scram-dev-PipeExecutionPartiallyFailed',
      Namespace: 'AWS/EventBridge/Pipes',
      MetricName: 'ExecutionPartiallyFailed',
      Dimensions: [{ Name: 'PipeName', Value: 'partner-scram-dev-a5e12a02' }],
      Statistic: 'Sum',
    });
  });

  it('each stream has a write-throttling alarm; one dashboard; no alarm topic in dev', () => {
    // Assert: one per stream, msk-iam-poller's data-lake-apic-iam among them
    dev.template.resourcePropertiesCountIs(
      'AWS::CloudWatch::Alarm',
      { MetricName: 'WriteProvisionedThroughputExceeded' },
      dev.stack.streams.size,
    );
    expect(dev.stack.streams.size).toBe(5);
    dev.template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    dev.template.resourceCountIs('AWS::SNS::Topic', 0);
    // Each Pipe's row graphs its partially failed executions next to the failed ones.
    const body = JSON.stringify(dev.template.findResources('AWS::CloudWatch::Dashboard'));
    expect(body.match(/ExecutionPartiallyFailed/g)?.length).toBe(dev.stack.pipes.size);
  });
});
