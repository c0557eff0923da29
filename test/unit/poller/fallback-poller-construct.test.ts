import { readFileSync } from 'node:fs';
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Stream, StreamEncryption } from 'aws-cdk-lib/aws-kinesis';
import type { ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { beforeAll, describe, expect, it } from 'vitest';
import { readPollerEnv } from '../../../fallback-poller/config.js';
import {
  FallbackPoller,
  streamDeliveryTarget,
  validateFallbackPollerProps,
} from '../../../fallback-poller/fallback-poller.construct.js';
import { parseSourceFile } from '../../../pipes/load-sources.js';
import type { SourceConfig } from '../../../pipes/source-schema.js';

const SOURCE_FILE = 'pipes/sources/onprem-long-chain.yaml';
const source = parseSourceFile(readFileSync(SOURCE_FILE, 'utf8'), SOURCE_FILE);

function synth(src: SourceConfig = source) {
  const app = new App();
  const stack = new Stack(app, 'PollerTest', { env: { account: '123456789012', region: 'us-east-1' } });
  const stream = new Stream(stack, 'Stream', { encryption: StreamEncryption.MANAGED });
  const dlq = new Queue(stack, 'Dlq');
  const alarmTopic = new Topic(stack, 'Alarms');
  const poller = new FallbackPoller(stack, 'Poller', {
    source: src,
    target: streamDeliveryTarget(stream),
    enrichmentDlq: dlq,
    alarmTopic,
    environment: 'test',
    projectRoot: process.cwd(),
  });
  return { stack, poller, template: Template.fromStack(stack) };
}

describe('FallbackPoller construct', () => {
  let built: ReturnType<typeof synth>;
  beforeAll(() => {
    built = synth();
  }, 120_000);

  it('creates the lock table: topic_partition key, on-demand, PITR, TTL on ttl', () => {
    built.template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'topic_partition', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
    });
  });

  it('creates the truststore bucket: KMS, versioned, public access blocked, SSL only', () => {
    built.template.hasResourceProperties('AWS::S3::Bucket', {
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) }),
        ],
      },
      VersioningConfiguration: { Status: 'Enabled' },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
    });
    built.template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('grants GetSecretValue on exactly the source secret ARN', () => {
    built.template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Sid: 'ReadKafkaSecrets',
            Effect: 'Allow',
            Action: 'secretsmanager:GetSecretValue',
            Resource: source.auth.secret,
          },
        ]),
      },
    });
    expect(source.auth.secret).toMatch(/:secret:kafka\/legacy\/client-cert-[A-Za-z0-9]{6}$/);
  });

  it('deploys the Lambda on nodejs22.x ARM64 in the source VPC with the source timeout', () => {
    built.template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Timeout: 65,
      VpcConfig: { SubnetIds: source.vpc?.subnetIds, SecurityGroupIds: source.vpc?.securityGroupIds },
    });
  });

  it('writes a POLLER_CONFIG the handler accepts', () => {
    const env = built.poller.runtimeConfig;
    const text = JSON.stringify({
      ...env,
      streamName: 's',
      dlqUrl: 'https://sqs.us-east-1.amazonaws.com/1/q',
      lockTable: 'lock',
      truststore: { type: 's3', bucket: 'bucket', key: 'truststores/legacy-ca-bundle.pem' },
    });
    expect(readPollerEnv({ POLLER_CONFIG: text })).toMatchObject({
      sourceName: 'onprem-long-chain',
      groupId: 'ExampleTopic-G2',
      tls: true,
      auth: { type: 'mtls' },
      partitionKey: 'field:api.transaction_id',
      maxRecordsPerInvocation: 20000,
    });
  });

  it('schedules the state machine every minute with EventBridge Scheduler and the original input shape', () => {
    built.template.resourceCountIs('AWS::Events::Rule', 0);
    const schedules = built.template.findResources('AWS::Scheduler::Schedule');
    expect(Object.keys(schedules)).toHaveLength(1);
    const schedule = Object.values(schedules)[0] as {
      Properties: {
        ScheduleExpression: string;
        State: string;
        FlexibleTimeWindow: unknown;
        Target: { Arn: unknown; Input: unknown; RetryPolicy: unknown; DeadLetterConfig: unknown };
        GroupName: unknown;
      };
    };
    const stack = Stack.of(built.poller);
    const stateMachineId = stack.getLogicalId(built.poller.stateMachine.node.defaultChild as CfnElement);
    expect(schedule.Properties.ScheduleExpression).toBe('rate(1 minute)');
    expect(schedule.Properties.State).toBe('ENABLED');
    expect(schedule.Properties.FlexibleTimeWindow).toEqual({ Mode: 'OFF' });
    expect(schedule.Properties.Target.Arn).toEqual({ Ref: stateMachineId });
    expect(schedule.Properties.Target.RetryPolicy).toEqual({
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 60,
    });
    const dlqId = stack.getLogicalId(built.poller.scheduleDlq.node.defaultChild as CfnElement);
    expect(schedule.Properties.Target.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': [dlqId, 'Arn'] } });
    const group = built.poller.node.findChild('ScheduleGroup') as ScheduleGroup;
    expect(schedule.Properties.GroupName).toBe(stack.resolve(group.scheduleGroupName));
    built.template.resourcePropertiesCountIs(
      'AWS::Scheduler::ScheduleGroup',
      { Name: schedule.Properties.GroupName },
      1,
    );
    const input = JSON.stringify(stack.resolve(schedule.Properties.Target.Input));
    expect(input).toContain(`\\"iterations\\":[${Array.from({ length: 30 }, (_, i) => i + 1).join(',')}]`);
    expect(input).toContain('\\"partitions\\":[0,1,2]');
    expect(input).toContain('\\"seconds_wait\\":1');
    expect(input).toContain('\\"budget_seconds\\":55');
    expect(input).toContain('\\"max_partitions\\":34');
    expect(input).toContain('lambda_name');
  });

  it('gives the schedule an SSE-SQS, SSL-only dead-letter queue', () => {
    const stack = Stack.of(built.poller);
    const dlqId = stack.getLogicalId(built.poller.scheduleDlq.node.defaultChild as CfnElement);
    const queue = built.template.toJSON().Resources[dlqId] as { Properties: Record<string, unknown> };
    expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 1_209_600 });
    built.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: dlqId }],
      PolicyDocument: {
        Statement: [
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ],
      },
    });
  });

  it('lets the schedule role start only this state machine and send only to the schedule DLQ', () => {
    const stack = Stack.of(built.poller);
    const roleId = stack.getLogicalId(
      built.poller.node.findChild('ScheduleRole').node.defaultChild as CfnElement,
    );
    const stateMachineId = stack.getLogicalId(built.poller.stateMachine.node.defaultChild as CfnElement);
    const policies = Object.values(
      built.template.findResources('AWS::IAM::Policy', { Properties: { Roles: [{ Ref: roleId }] } }),
    ) as { Properties: { PolicyDocument: { Statement: unknown[] } } }[];
    const dlqId = stack.getLogicalId(built.poller.scheduleDlq.node.defaultChild as CfnElement);
    expect(policies.flatMap((p) => p.Properties.PolicyDocument.Statement)).toEqual([
      { Action: 'states:StartExecution', Effect: 'Allow', Resource: { Ref: stateMachineId } },
      { Action: 'sqs:SendMessage', Effect: 'Allow', Resource: { 'Fn::GetAtt': [dlqId, 'Arn'] } },
    ]);
    built.template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': '123456789012' } },
          }),
        ],
      },
    });
  });

  it('defines the state machine from buildPollerDefinition and lets it invoke only the poller', () => {
    built.template.resourceCountIs('AWS::StepFunctions::StateMachine', 1);
    const loops = (built.poller.definition.States as Record<string, { MaxConcurrency?: number }>)
      .partition_loops;
    expect(loops?.MaxConcurrency).toBe(0);
    built.template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([Match.objectLike({ Action: 'lambda:InvokeFunction', Effect: 'Allow' })]),
      },
    });
  });

  it('alarms on 503s, 203 streaks, lag, offsets out of range, records lost to retention, enrichment DLQ depth and failed executions, to the alarm topic', () => {
    for (const metric of [
      'PollerCompletelyFailed',
      'PollerPartitionLocked',
      'PollerLag',
      'PollerOffsetOutOfRange',
      'RecordsLostToRetention',
    ]) {
      built.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: metric,
        Namespace: 'KafkaPipes',
        AlarmActions: Match.anyValue(),
      });
    }
    built.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Namespace: 'AWS/SQS',
      AlarmActions: Match.anyValue(),
    });
    built.template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'ExecutionsFailed' });
    expect(built.poller.alarms).toHaveLength(9);
  });

  it('alarms on failed schedule starts (its DLQ) and lost ones (dropped, not in the DLQ) of its own group', () => {
    const stack = Stack.of(built.poller);
    const dlqId = stack.getLogicalId(built.poller.scheduleDlq.node.defaultChild as CfnElement);
    const groupName = stack.resolve(
      (built.poller.node.findChild('ScheduleGroup') as ScheduleGroup).scheduleGroupName,
    );
    built.template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [dlqId, 'QueueName'] } }],
      Threshold: 1,
      AlarmActions: Match.anyValue(),
    });
    const lost = Object.values(
      built.template.findResources('AWS::CloudWatch::Alarm', {
        Properties: { Metrics: Match.anyValue() },
      }),
    ) as { Properties: { Metrics: { Id: string; MetricStat?: { Metric: unknown } }[] } }[];
    expect(lost).toHaveLength(1);
    const metrics = lost[0]?.Properties.Metrics.flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric] : []));
    const group = [{ Name: 'ScheduleGroup', Value: groupName }];
    expect(metrics).toEqual([
      { Namespace: 'AWS/Scheduler', MetricName: 'InvocationDroppedCount', Dimensions: group },
      {
        Namespace: 'AWS/Scheduler',
        MetricName: 'InvocationsFailedToBeSentToDeadLetterCount',
        Dimensions: group,
      },
    ]);
  });

  it.each([
    [
      { ...source, engine: 'pipe' as const },
      'Source "onprem-long-chain": engine must be poller, received pipe',
    ],
    [
      { ...source, brokers: undefined },
      'Source "onprem-long-chain": brokers are required by the poller engine: list the bootstrap brokers (host:port)',
    ],
    [
      { ...source, auth: { type: 'iam' as const } },
      'Source "onprem-long-chain": auth type iam is not accepted by kind self-managed: use sasl-scram-512, sasl-scram-256, basic or mtls with a secret, or none',
    ],
    [
      { ...source, auth: { type: 'mtls' as const, secret: 'kafka/legacy/client-cert' } },
      'Source "onprem-long-chain": auth.secret: Secret "kafka/legacy/client-cert" is a name, not a Secrets Manager ARN; the Pipe and the IAM grants the stack deploys name the secret by its full ARN (…:secret:<name>-<6 characters>). Fix: run `kafka-pipes preflight onprem-long-chain --write`',
    ],
  ])('rejects invalid props (%#)', (src, message) => {
    const stack = new Stack();
    expect(() =>
      validateFallbackPollerProps({
        source: src as SourceConfig,
        target: streamDeliveryTarget(new Stream(stack, 'S')),
        enrichmentDlq: new Queue(stack, 'Q'),
      }),
    ).toThrow(message);
  });
});
