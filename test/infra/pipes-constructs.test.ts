import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { KafkaSource, type KafkaSourceProps, parseClusterArn } from '../../pipes/kafka-source.construct.js';
import { loadSourceEntries } from '../../pipes/load-sources.js';
import { type Synthesized, synthEnvironment } from './pipes-helpers.js';

const base: KafkaSourceProps = {
  kind: 'self-managed',
  brokers: ['b1:9093'],
  topic: 't',
  consumerGroupId: 'g',
  startingPosition: 'LATEST',
  batchSize: 100,
  batchingWindowSeconds: 1,
  authType: 'none',
};
const CLUSTER = 'arn:aws:kafka:us-east-1:123456789012:cluster/c1/abcd-1234';
const SECRET_PREFIX = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:';

describe('KafkaSource props validation', () => {
  it.each([
    [
      'batch size 20000',
      { batchSize: 20000 },
      'Invalid KafkaSource: Batch size must be between 1 and 10000, received 20000',
    ],
    [
      'window 301',
      { batchingWindowSeconds: 301 },
      'Invalid KafkaSource: Batching window must be between 0 and 300 seconds, received 301',
    ],
    [
      '4 brokers',
      { brokers: ['a:1', 'b:1', 'c:1', 'd:1'] },
      'Invalid KafkaSource: A self-managed source needs 1 to 3 brokers, received 4',
    ],
    [
      'iam on self-managed',
      { authType: 'iam' as const },
      'Invalid KafkaSource: Auth type iam is not supported for kind self-managed',
    ],
    [
      'mtls without secret',
      { authType: 'mtls' as const },
      'Invalid KafkaSource: Auth type mtls needs authSecret',
    ],
    [
      'msk with root CA and brokers',
      { kind: 'msk' as const, clusterArn: CLUSTER, rootCaSecret: `${SECRET_PREFIX}ca-AbCdEf` },
      'Invalid KafkaSource: rootCaSecret is not supported for kind msk; brokers are not supported for kind msk',
    ],
    [
      'a secret given by name',
      { authType: 'mtls' as const, authSecret: 'kafka/orders/client' },
      'Invalid KafkaSource: authSecret must be the full secret ARN (…:secret:<name>-<6 characters>, from aws secretsmanager describe-secret --query ARN), received kafka/orders/client',
    ],
    [
      'a root CA secret given by partial ARN',
      { rootCaSecret: `${SECRET_PREFIX}kafka/orders/root` },
      `Invalid KafkaSource: rootCaSecret must be the full secret ARN (…:secret:<name>-<6 characters>, from aws secretsmanager describe-secret --query ARN), received ${SECRET_PREFIX}kafka/orders/root`,
    ],
  ])('rejects %s', (_title, patch, message) => {
    // Arrange
    const stack = new Stack(new App(), 'S');
    // Act / Assert
    expect(() => new KafkaSource(stack, { ...base, ...patch })).toThrow(message);
  });

  it('parses cluster ARNs and rejects others with the received value', () => {
    expect(parseClusterArn(CLUSTER)).toEqual({
      prefix: 'arn:aws:kafka:us-east-1:123456789012',
      clusterName: 'c1',
      clusterUuid: 'abcd-1234',
    });
    expect(() => parseClusterArn('arn:aws:kafka:us-east-1:123456789012:topic/c1')).toThrow(
      'Cluster ARN must look like arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>, received arn:aws:kafka:us-east-1:123456789012:topic/c1',
    );
  });

  it.each([
    [
      'basic',
      'BasicAuth',
      {
        authType: 'basic' as const,
        authSecret: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:b-AbCdEf',
      },
    ],
    [
      'sasl-scram-256',
      'SaslScram256Auth',
      {
        authType: 'sasl-scram-256' as const,
        authSecret: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:b-AbCdEf',
      },
    ],
  ])('maps %s to the %s credentials member', (_t, member, patch) => {
    // Arrange
    const stack = new Stack(new App(), 'S');
    const source = new KafkaSource(stack, { ...base, ...patch });
    // Act
    const params = source.bind(undefined as never).sourceParameters
      ?.selfManagedKafkaParameters as unknown as {
      credentials: Record<string, string>;
    };
    // Assert
    const key = member.charAt(0).toLowerCase() + member.slice(1);
    expect(params.credentials).toEqual({
      [key]: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:b-AbCdEf',
    });
  });

  it.each([
    ['msk (provisioned)', 'msk' as const, ['kafka-cluster:DescribeClusterDynamicConfiguration']],
    ['msk-serverless', 'msk-serverless' as const, []],
  ])(
    'IAM on %s: DescribeClusterDynamicConfiguration on the cluster only where the MSK page lists it',
    (_t, kind, expected) => {
      // Arrange
      const stack = new Stack(new App(), 'S');
      const source = new KafkaSource(stack, {
        ...base,
        brokers: undefined,
        kind,
        clusterArn: CLUSTER,
        authType: 'iam',
      });
      // Act
      const configGrants = source
        .grants()
        .filter((g) => g.actions.includes('kafka-cluster:DescribeClusterDynamicConfiguration'));
      // Assert
      expect(configGrants.flatMap((g) => g.actions)).toEqual(expected);
      expect(configGrants.flatMap((g) => g.resources)).toEqual(expected.length ? [CLUSTER] : []);
    },
  );

  it('a secret given by its full ARN: that ARN for the Pipe and exactly it in the policy', () => {
    // Arrange
    const stack = new Stack(new App(), 'S');
    const role = new Role(stack, 'R', { assumedBy: new ServicePrincipal('pipes.amazonaws.com') });
    const secret = `${SECRET_PREFIX}kafka/partner/scram-AbCdEf`;
    const rootCa = `${SECRET_PREFIX}kafka/partner/root-GhIjKl`;
    const source = new KafkaSource(stack, {
      ...base,
      authType: 'sasl-scram-512',
      authSecret: secret,
      rootCaSecret: rootCa,
    });
    // Act
    const params = source.bind(undefined as never).sourceParameters
      ?.selfManagedKafkaParameters as unknown as {
      credentials: Record<string, string>;
      serverRootCaCertificate: string;
    };
    source.grantRead(role);
    const policy = stack.resolve(
      (role.node.findChild('DefaultPolicy') as unknown as { document: unknown }).document,
    ) as { Statement: { Action: unknown; Resource: unknown }[] };
    // Assert
    expect(params.credentials).toEqual({ saslScram512Auth: secret });
    expect(params.serverRootCaCertificate).toBe(rootCa);
    expect(policy.Statement[0]).toEqual({
      Sid: 'ReadKafkaSecrets',
      Effect: 'Allow',
      Action: 'secretsmanager:GetSecretValue',
      Resource: [secret, rootCa],
    });
  });

  it('grants nothing for an unauthenticated self-managed source outside a VPC', () => {
    // Arrange
    const stack = new Stack(new App(), 'S');
    const role = new Role(stack, 'R', { assumedBy: new ServicePrincipal('pipes.amazonaws.com') });
    // Act
    new KafkaSource(stack, base).grantRead(role);
    // Assert
    expect(role.node.tryFindChild('DefaultPolicy')).toBeUndefined();
  });
});

describe('Pipe replacement warnings at synth', () => {
  let first: Synthesized;
  beforeAll(async () => {
    first = await synthEnvironment({ environment: 'dev' });
  });

  it('warns when a replacement field changed since the previously synthesized template', async () => {
    // Arrange: same catalogue, but the partner source's topic and starting position changed
    const entries = loadSourceEntries(join(process.cwd(), 'pipes/sources')).map((e) =>
      e.source.name === 'partner-scram'
        ? {
            ...e,
            source: {
              ...e.source,
              topic: 'partner.api-events-v2',
              startingPosition: 'TRIM_HORIZON' as const,
            },
          }
        : e,
    );
    // Act
    const second = await synthEnvironment({
      environment: 'dev',
      sources: entries,
      previousOutdir: first.outdir,
    });
    // Assert
    const warnings = Annotations.fromStack(second.stack)
      .findWarning('*', Match.stringLikeRegexp('REPLACES'))
      .map((m) => String(m.entry.data));
    expect(warnings).toEqual([
      'Source "partner-scram": changing topic from "partner.api-events" to "partner.api-events-v2" REPLACES the Pipe; the new consumer starts from startingPosition (records may be re-read or skipped) [ack: kafka-pipes:pipe-replacement]',
      'Source "partner-scram": changing startingPosition from "LATEST" to "TRIM_HORIZON" REPLACES the Pipe; the new consumer starts from startingPosition (records may be re-read or skipped) [ack: kafka-pipes:pipe-replacement]',
    ]);
  });
});

describe('prod stack', () => {
  let prod: Synthesized;
  beforeAll(async () => {
    prod = await synthEnvironment({ environment: 'prod' });
  });

  it('creates a KMS-encrypted, SSL-only alarm topic and sends every alarm to it', () => {
    // Arrange
    const topicId = prod.stack.getLogicalId(prod.stack.alarmTopic?.node.defaultChild as never);
    // Assert
    prod.template.hasResourceProperties('AWS::SNS::Topic', {
      KmsMasterKeyId: {
        'Fn::GetAtt': [prod.stack.getLogicalId(prod.stack.dataKey.node.defaultChild as never), 'Arn'],
      },
    });
    prod.template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: [
          {
            Action: 'sns:Publish',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
            Effect: 'Deny',
            Principal: '*',
            Resource: { Ref: topicId },
            Sid: 'AllowPublishThroughSSLOnly',
          },
        ],
      },
    });
    const alarms = Object.values(prod.template.findResources('AWS::CloudWatch::Alarm')) as {
      Properties: { AlarmActions?: unknown[] };
    }[];
    const pollerAlarms = [...prod.stack.pollers.values()].flatMap(
      (p) => (p as unknown as { alarms: unknown[] }).alarms,
    );
    // 60: the 59 stack alarms besides the pollers', and the throttling alarm of msk-iam-poller's stream.
    expect(alarms.length).toBe(60 + pollerAlarms.length);
    for (const a of alarms) expect(a.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
  });

  it('names the Pipes with the prod suffix and retains stateful resources', () => {
    prod.template.hasResourceProperties('AWS::Pipes::Pipe', { Name: 'msk-apic-mtls-prod-4f00f2eb' });
    prod.template.hasResource('AWS::Kinesis::Stream', { DeletionPolicy: 'Retain' });
  });
});
