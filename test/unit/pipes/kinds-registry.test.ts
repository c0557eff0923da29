import { describe, expect, it } from 'vitest';
import {
  AUTH_BY_KIND,
  AUTH_KINDS,
  AUTH_TYPES,
  authKind,
  CLIENT_AUTH_KINDS,
  clientAuthOf,
  findAuthKind,
  findSourceKind,
  findTargetKind,
  kafkaClientSettings,
  SOURCE_KIND_MODULES,
  SOURCE_KINDS,
  sourceKind,
  TARGET_KINDS,
  TARGET_TYPES,
  targetKind,
} from '../../../pipes/kinds/registry.js';
import type { SecretFieldReader } from '../../../pipes/kinds/types.js';

const reader = (json: Record<string, string>): SecretFieldReader => ({
  optional: (f) => json[f] || undefined,
  required: (f) => {
    const v = json[f];
    if (!v) throw new Error(`missing ${f}`);
    return v;
  },
});

describe('kind registry', () => {
  it('registers each auth type, source kind and target type exactly once, in schema order', () => {
    expect(AUTH_TYPES).toEqual(['none', 'sasl-scram-256', 'sasl-scram-512', 'basic', 'mtls', 'iam']);
    expect(SOURCE_KINDS).toEqual(['self-managed', 'msk', 'msk-serverless']);
    expect(TARGET_TYPES).toEqual(['kinesis', 'lambda', 'firehose']);
    expect(new Set(AUTH_KINDS.map((k) => k.type)).size).toBe(AUTH_KINDS.length);
    expect(new Set(SOURCE_KIND_MODULES.map((k) => k.kind)).size).toBe(SOURCE_KIND_MODULES.length);
    expect(new Set(TARGET_KINDS.map((k) => k.type)).size).toBe(TARGET_KINDS.length);
  });

  it('looks kinds up by their literal and refuses unknown ones with the list', () => {
    for (const k of AUTH_KINDS) expect(authKind(k.type)).toBe(k);
    for (const k of SOURCE_KIND_MODULES) expect(sourceKind(k.kind)).toBe(k);
    for (const k of TARGET_KINDS) expect(targetKind(k.type)).toBe(k);
    expect(findAuthKind('oauth')).toBeUndefined();
    expect(findSourceKind(42)).toBeUndefined();
    expect(findTargetKind(undefined)).toBeUndefined();
    expect(() => authKind('oauth')).toThrow(
      'Unknown auth type "oauth": use one of none, sasl-scram-256, sasl-scram-512, basic, mtls, iam',
    );
    expect(() => sourceKind('kafka')).toThrow('Unknown source kind "kafka"');
    expect(() => targetKind('sqs')).toThrow('Unknown target type "sqs"');
  });

  it('lists the auth types each kind accepts, all of them registered', () => {
    expect(AUTH_BY_KIND).toEqual({
      'self-managed': ['none', 'sasl-scram-256', 'sasl-scram-512', 'basic', 'mtls'],
      msk: ['none', 'iam', 'mtls', 'sasl-scram-512'],
      'msk-serverless': ['iam'],
    });
    for (const types of Object.values(AUTH_BY_KIND)) {
      for (const t of types) expect(findAuthKind(t)).toBeDefined();
    }
  });

  it.each([
    ['none', {}, {}],
    [
      'sasl-scram-256',
      { username: 'u', password: 'p' },
      { sasl: { mechanism: 'scram-sha-256', username: 'u', password: 'p' } },
    ],
    [
      'sasl-scram-512',
      { username: 'u', password: 'p' },
      { sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' } },
    ],
    [
      'basic',
      { username: 'u', password: 'p' },
      { sasl: { mechanism: 'plain', username: 'u', password: 'p' } },
    ],
    ['mtls', { certificate: 'C', privateKey: 'K' }, { clientCertificate: { cert: 'C', key: 'K' } }],
    [
      'mtls',
      { certificate: 'C', privateKey: 'K', privateKeyPassword: 'pw' },
      { clientCertificate: { cert: 'C', key: 'K', passphrase: 'pw' } },
    ],
  ])('auth %s gives the Kafka client options of its secret', (type, secret, expected) => {
    expect(clientAuthOf(type, reader(secret))).toEqual(expected);
  });

  it('reads the secret fields through the caller, so a missing field is the caller’s error', () => {
    expect(() => clientAuthOf('sasl-scram-512', reader({ username: 'u' }))).toThrow('missing password');
    expect(() => clientAuthOf('mtls', reader({ privateKey: 'K' }))).toThrow('missing certificate');
  });

  it('gives IAM an OAUTHBEARER token signed by AWS signer for the Region of the cluster', async () => {
    expect(CLIENT_AUTH_KINDS.map((k) => k.type)).toEqual([
      'none',
      'sasl-scram-256',
      'sasl-scram-512',
      'basic',
      'mtls',
      'iam',
    ]);
    expect(() => clientAuthOf('iam', undefined)).toThrow(
      'auth type iam needs the Region of the cluster (from clusterArn) to sign its SASL/OAUTHBEARER token',
    );
    const credentials = async () => ({ accessKeyId: 'AKIAUNITTEST', secretAccessKey: 'secret' });
    const { sasl } = clientAuthOf('iam', undefined, { region: 'eu-west-1', credentials });
    if (sasl?.mechanism !== 'oauthbearer') throw new Error(`expected oauthbearer, got ${sasl?.mechanism}`);
    const first = await sasl.oauthBearerProvider();
    const url = new URL(Buffer.from(first.value, 'base64url').toString('utf8'));
    expect(url.host).toBe('kafka.eu-west-1.amazonaws.com');
    expect(url.searchParams.get('Action')).toBe('kafka-cluster:Connect');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(
      /^AKIAUNITTEST\/\d{8}\/eu-west-1\/kafka-cluster\/aws4_request$/,
    );
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect((await sasl.oauthBearerProvider()).value).toBe(first.value); // reused while fresh
  });

  it('declares the secret, the Pipes credential member and TLS of every auth type', () => {
    const summary = AUTH_KINDS.map((k) => ({
      type: k.type,
      credential: k.pipeCredential ?? null,
      material: k.secret?.material ?? null,
      requiresTls: k.requiresTls,
      tlsByDefault: k.tlsByDefault,
    }));
    expect(summary).toEqual([
      { type: 'none', credential: null, material: null, requiresTls: false, tlsByDefault: false },
      {
        type: 'sasl-scram-256',
        credential: 'saslScram256Auth',
        material: 'username-password',
        requiresTls: false,
        tlsByDefault: true,
      },
      {
        type: 'sasl-scram-512',
        credential: 'saslScram512Auth',
        material: 'username-password',
        requiresTls: false,
        tlsByDefault: true,
      },
      {
        type: 'basic',
        credential: 'basicAuth',
        material: 'username-password',
        requiresTls: false,
        tlsByDefault: true,
      },
      {
        type: 'mtls',
        credential: 'clientCertificateTlsAuth',
        material: 'client-certificate',
        requiresTls: true,
        tlsByDefault: true,
      },
      { type: 'iam', credential: null, material: null, requiresTls: true, tlsByDefault: true },
    ]);
  });

  it.each([
    [
      { kind: 'self-managed', brokers: ['a:9092', 'b:9092'], auth: { type: 'none' } },
      false,
      { eventSource: 'SelfManagedKafka', cluster: 'a:9092,b:9092', tls: false },
    ],
    [
      { kind: 'self-managed', brokers: ['a:9092'], auth: { type: 'none' } },
      true,
      { eventSource: 'SelfManagedKafka', cluster: 'a:9092', tls: true },
    ],
    [
      { kind: 'self-managed', brokers: ['a:9096'], auth: { type: 'sasl-scram-512', secret: 's' } },
      false,
      { eventSource: 'SelfManagedKafka', cluster: 'a:9096', tls: true },
    ],
    [
      {
        kind: 'msk',
        clusterArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/c/u',
        auth: { type: 'none' },
      },
      false,
      { eventSource: 'aws:kafka', cluster: 'arn:aws:kafka:us-east-1:123456789012:cluster/c/u', tls: true },
    ],
  ] as const)('gives the client settings of %j', (source, hasTrust, expected) => {
    const settings = kafkaClientSettings(source as never, hasTrust);
    expect({ eventSource: settings.eventSource, cluster: settings.cluster, tls: settings.tls }).toEqual(
      expected,
    );
    expect(settings.auth.type).toBe(source.auth.type);
  });

  it('gives the IAM grants of an MSK IAM source as data', () => {
    const spec = {
      kind: 'msk',
      clusterArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/c/u-1',
      topic: 't',
      consumerGroupId: 'g',
      startingPosition: 'LATEST',
      batchSize: 1,
      batchingWindowSeconds: 0,
      authType: 'iam',
    } as const;
    expect([...sourceKind('msk').pipeGrants(spec), ...authKind('iam').pipeGrants(spec)]).toEqual([
      {
        sid: 'DescribeMskCluster',
        actions: ['kafka:DescribeClusterV2', 'kafka:GetBootstrapBrokers'],
        resources: [spec.clusterArn],
      },
      {
        sid: 'DescribeMskClusterConfiguration',
        actions: ['kafka-cluster:DescribeClusterDynamicConfiguration'],
        resources: [spec.clusterArn],
      },
      { sid: 'ConnectMskCluster', actions: ['kafka-cluster:Connect'], resources: [spec.clusterArn] },
      {
        sid: 'ReadMskTopic',
        actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
        resources: ['arn:aws:kafka:us-east-1:123456789012:topic/c/u-1/t'],
      },
      {
        sid: 'UseMskConsumerGroup',
        actions: ['kafka-cluster:AlterGroup', 'kafka-cluster:DescribeGroup'],
        resources: ['arn:aws:kafka:us-east-1:123456789012:group/c/u-1/g'],
      },
    ]);
  });

  it('says how dlq replay handles each target type', () => {
    expect(TARGET_KINDS.map((k) => [k.type, k.replay])).toEqual([
      ['kinesis', { destination: 'stream', to: 'stream', sinkQueue: false }],
      ['lambda', { destination: 'stream', to: 'function', sinkQueue: true }],
      ['firehose', { destination: 'delivery-stream', to: 'delivery-stream', sinkQueue: false }],
    ]);
  });
});
