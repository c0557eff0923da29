/**
 * The `firehose` target in a synthesized stack: the stack-created Firehose stream (S3 destination with the
 * stack key, GZIP, newline processor, source/date prefixes), its bucket, its role, the Pipe and poller
 * grants on that stream only, the alarms; cdk-nag and cfn-lint clean.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { EVENT_DATE_QUERY } from '../../pipes/kinds/targets/firehose.js';
import { validateSourceTexts } from '../../pipes/load-sources.js';
import {
  logicalId,
  nagReport,
  policyStatements,
  type Synthesized,
  synthEnvironment,
} from './pipes-helpers.js';

const EXISTING = 'arn:aws:firehose:us-east-1:123456789012:deliverystream/shared-lake';
const base = {
  kind: 'msk-serverless',
  clusterArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/lake/abcd-1234',
  auth: { type: 'iam' },
};
const { sources, issues } = validateSourceTexts([
  {
    file: 'pipes/sources/lake-pipe.yaml',
    text: stringify({ ...base, name: 'lake-pipe', topic: 'lake.a', target: { type: 'firehose' } }),
  },
  {
    file: 'pipes/sources/lake-events.yaml',
    text: stringify({
      ...base,
      name: 'lake-events',
      topic: 'lake.b',
      target: { type: 'firehose', partitioning: 'event-date', bufferingIntervalSeconds: 120 },
    }),
  },
  {
    file: 'pipes/sources/lake-poller.yaml',
    text: stringify({
      name: 'lake-poller',
      kind: 'self-managed',
      brokers: ['kafka-1.example.com:9093'],
      topic: 'lake.c',
      auth: { type: 'none' },
      engine: 'poller',
      poller: {},
      target: { type: 'firehose', deliveryStreamArn: EXISTING },
    }),
  },
]);

let synth: Synthesized;
beforeAll(async () => {
  synth = await synthEnvironment({ environment: 'dev', sources });
});

const streams = () => synth.template.findResources('AWS::KinesisFirehose::DeliveryStream');
const streamNamed = (name: string) =>
  Object.entries(streams()).find(
    ([, r]) => (r as { Properties: { DeliveryStreamName: string } }).Properties.DeliveryStreamName === name,
  );

describe('firehose target in the stack', () => {
  it('accepts the three sources and creates a Firehose stream for the two without deliveryStreamArn', () => {
    expect(issues).toEqual([]);
    expect(Object.keys(streams())).toHaveLength(2);
    expect(synth.template.findResources('AWS::Kinesis::Stream')).toEqual({});
  });

  it('writes GZIP newline-delimited JSON under source/date prefixes with the stack key', () => {
    const [, stream] = streamNamed('lake-pipe-lake-dev') ?? [];
    const keyId = logicalId(synth.stack, synth.stack.dataKey);
    expect(stream).toMatchObject({
      Properties: {
        DeliveryStreamType: 'DirectPut',
        DeliveryStreamEncryptionConfigurationInput: {
          KeyType: 'CUSTOMER_MANAGED_CMK',
          KeyARN: { 'Fn::GetAtt': [keyId, 'Arn'] },
        },
        ExtendedS3DestinationConfiguration: {
          Prefix: "source=lake-pipe/dt=!{timestamp:yyyy'-'MM'-'dd}/",
          ErrorOutputPrefix:
            "errors/source=lake-pipe/!{firehose:error-output-type}/dt=!{timestamp:yyyy'-'MM'-'dd}/",
          BufferingHints: { IntervalInSeconds: 300, SizeInMBs: 64 },
          CompressionFormat: 'GZIP',
          EncryptionConfiguration: {
            KMSEncryptionConfig: { AWSKMSKeyARN: { 'Fn::GetAtt': [keyId, 'Arn'] } },
          },
          ProcessingConfiguration: { Enabled: true, Processors: [{ Type: 'AppendDelimiterToRecord' }] },
        },
      },
    });
  });

  it('partitions by the Kafka timestamp with dynamic partitioning for event-date', () => {
    const [, stream] = streamNamed('lake-events-lake-dev') ?? [];
    expect(stream).toMatchObject({
      Properties: {
        ExtendedS3DestinationConfiguration: {
          Prefix: 'source=lake-events/dt=!{partitionKeyFromQuery:dt}/',
          DynamicPartitioningConfiguration: { Enabled: true, RetryOptions: { DurationInSeconds: 300 } },
          ProcessingConfiguration: {
            Enabled: true,
            Processors: [
              {
                Type: 'MetadataExtraction',
                Parameters: [
                  { ParameterName: 'MetadataExtractionQuery', ParameterValue: EVENT_DATE_QUERY },
                  { ParameterName: 'JsonParsingEngine', ParameterValue: 'JQ-1.6' },
                ],
              },
              { Type: 'AppendDelimiterToRecord' },
            ],
          },
        },
      },
    });
  });

  it('makes the bucket KMS-encrypted with the stack key, SSL-only, private, versioned and access-logged', () => {
    const keyId = logicalId(synth.stack, synth.stack.dataKey);
    synth.template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          {
            BucketKeyEnabled: true,
            ServerSideEncryptionByDefault: {
              SSEAlgorithm: 'aws:kms',
              KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] },
            },
          },
        ],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: 'data-lake/' },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    const buckets = Object.keys(synth.template.findResources('AWS::S3::Bucket'));
    const policies = Object.values(synth.template.findResources('AWS::S3::BucketPolicy'));
    // two data-lake buckets, their two access-log buckets, the poller's truststore bucket
    expect(buckets).toHaveLength(5);
    expect(policies).toHaveLength(5);
    for (const policy of policies) expect(JSON.stringify(policy)).toContain('"aws:SecureTransport":"false"');
  });

  it('grants the Pipe role firehose:PutRecord and PutRecordBatch on its stream only', () => {
    const kp = synth.stack.pipes.get('lake-pipe');
    const [streamId] = streamNamed('lake-pipe-lake-dev') ?? [];
    const role = kp?.pipe.pipeRole;
    expect(role).toBeDefined();
    const statements = policyStatements(synth.template, logicalId(synth.stack, role as never));
    expect(statements).toContainEqual({
      Sid: 'PutToDeliveryStream',
      Effect: 'Allow',
      Action: ['firehose:PutRecord', 'firehose:PutRecordBatch'],
      Resource: { 'Fn::GetAtt': [streamId, 'Arn'] },
    });
    expect(JSON.stringify(statements)).not.toContain('kinesis:');
  });

  it('grants the poller firehose:PutRecordBatch on the existing stream and writes it (POLLER_CONFIG)', () => {
    const poller = synth.stack.pollers.get('lake-poller');
    expect(poller?.runtimeConfig).toMatchObject({ deliveryStreamName: 'shared-lake' });
    expect(poller?.runtimeConfig.streamName).toBeUndefined();
    const roleId = logicalId(synth.stack, poller?.function.role as never);
    const statements = policyStatements(synth.template, roleId);
    expect(statements).toContainEqual({
      Sid: 'PutRecordBatch',
      Effect: 'Allow',
      Action: 'firehose:PutRecordBatch',
      Resource: EXISTING,
    });
    expect(JSON.stringify(statements)).not.toContain('kinesis:');
  });

  it('alarms on delivery success, throttled records and data freshness over the buffering interval + 300 s', () => {
    const alarm = (name: string) =>
      Object.values(synth.template.findResources('AWS::CloudWatch::Alarm')).find(
        (a) => (a as { Properties: { AlarmName: string } }).Properties.AlarmName === name,
      );
    expect(alarm('lake-pipe-dev-FirehoseDeliveryToS3Success')).toMatchObject({
      Properties: {
        MetricName: 'DeliveryToS3.Success',
        Namespace: 'AWS/Firehose',
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        Dimensions: [{ Name: 'DeliveryStreamName', Value: 'lake-pipe-lake-dev' }],
      },
    });
    expect(alarm('lake-pipe-dev-FirehoseThrottledRecords')).toMatchObject({
      Properties: {
        MetricName: 'ThrottledRecords',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      },
    });
    expect(alarm('lake-pipe-dev-FirehoseDataFreshness')).toMatchObject({
      Properties: { MetricName: 'DeliveryToS3.DataFreshness', Threshold: 600 },
    });
    expect(alarm('lake-events-dev-FirehoseDataFreshness')).toMatchObject({
      Properties: { Threshold: 120 * 1.5 + 300 },
    });
    expect(alarm('lake-poller-dev-FirehoseDataFreshness')).toMatchObject({
      Properties: {
        Threshold: 900 * 1.5 + 300,
        Dimensions: [{ Name: 'DeliveryStreamName', Value: 'shared-lake' }],
      },
    });
  });

  it('passes enrichment limits of Firehose to the Pipe enrichment (TARGET_MAX_*)', () => {
    const kp = synth.stack.pipes.get('lake-pipe');
    synth.template.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: Match.absent(),
      Environment: {
        Variables: Match.objectLike({
          SOURCE_NAME: 'lake-pipe',
          TARGET_MAX_RECORDS: '500',
          TARGET_MAX_RECORD_BYTES: '1024000',
          TARGET_MAX_REQUEST_BYTES: '4194304',
        }),
      },
    });
    expect(kp?.sinkFunction).toBeUndefined();
  });
});

describe('firehose stack checks', () => {
  it('has zero unacknowledged cdk-nag findings', async () => {
    const { ok, report } = await nagReport({ environment: 'prod', sources });
    expect(ok, report).toBe(true);
  });

  it('passes cfn-lint with zero errors', async () => {
    const { runCfnLint } = await import('../harness/cfn-lint.js');
    const lint = await runCfnLint(synth.templatePath);
    expect(lint.errors, lint.output).toEqual([]);
  });
});
