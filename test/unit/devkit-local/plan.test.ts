import { describe, expect, it } from 'vitest';
import {
  type BedMaterial,
  connectionFor,
  listenerFor,
  planLocalRun,
  planSource,
  secretNameOf,
  secretValue,
} from '../../../devkit/local/plan.js';
import { loadSources } from '../../../pipes/load-sources.js';

const sources = loadSources('pipes/sources');
const byName = (n: string) => {
  const s = sources.find((x) => x.name === n);
  if (!s) throw new Error(`no example source ${n}`);
  return s;
};
const bed: BedMaterial = {
  pki: {
    rootCa: 'ROOT',
    clientCert: 'CERT',
    clientKeyEncrypted: 'KEY',
    clientKeyPassword: 'PW',
    longTrustBundle: 'LONG',
  },
  scram: { username: 'u', password: 'p' },
};

describe('local plan', () => {
  it.each([
    [
      'arn:aws:secretsmanager:us-east-1:123456789012:secret:kafka/onprem/root-ca-GhIjKl',
      'kafka/onprem/root-ca',
    ],
    ['kafka/partner/scram', 'kafka/partner/scram'],
    ['arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:x-AbCdEf', 'x'],
  ])('secretNameOf(%s) = %s', (ref, name) => {
    expect(secretNameOf(ref)).toBe(name);
  });

  it.each([
    ['mtls', 'ssl'],
    ['sasl-scram-512', 'saslSsl'],
    ['sasl-scram-256', 'saslSsl'],
    ['none', 'plaintext'],
    ['iam', 'saslIam'],
  ] as const)('auth %s uses the %s listener', (auth, listener) => {
    expect(listenerFor(auth)).toBe(listener);
  });

  it('refuses basic auth', () => {
    expect(() => listenerFor('basic')).toThrow(
      new Error('auth type basic (SASL/PLAIN) has no listener on the local test bed'),
    );
  });

  it.each([
    [
      'onprem-confluent-apic',
      'ssl',
      'SelfManagedKafka',
      'kafka-1.corp.example.com:9093,kafka-2.corp.example.com:9093,kafka-3.corp.example.com:9093',
      'data-lake-apic-local',
      null,
    ],
    [
      'msk-apic-mtls',
      'ssl',
      'aws:kafka',
      'arn:aws:kafka:us-east-1:123456789012:cluster/msk-mtls/7a8b9c0d-aaaa-bbbb-cccc-ddddeeeeffff-3',
      'msk-apic-mtls-events-local',
      null,
    ],
    [
      'msk-serverless-iam',
      'saslIam',
      'aws:kafka',
      'arn:aws:kafka:us-east-1:123456789012:cluster/uehara-msk-serverless-cluster/5f6e7d8c-1234-5678-9abc-def012345678-s1',
      'msk-serverless-iam-events-local',
      'msk-serverless-iam-target-dlq-local',
    ],
    [
      'partner-scram',
      'saslSsl',
      'SelfManagedKafka',
      'kafka.partner.example.net:9096,kafka-b.partner.example.net:9096',
      'data-lake-apic-local',
      null,
    ],
    [
      'msk-iam-poller',
      'saslIam',
      'aws:kafka',
      'arn:aws:kafka:us-east-1:123456789012:cluster/msk-iam/1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901-4',
      'data-lake-apic-iam-local',
      null,
    ],
  ])('plans %s', (name, listener, eventSource, cluster, streamName, targetDlq) => {
    // Act
    const p = planSource(byName(name));
    // Assert
    expect(p).toMatchObject({ listener, eventSource, cluster, streamName, targetDlqName: targetDlq });
  });

  it('plans topics, streams, queues, secrets and truststore keys of the catalogue', () => {
    // Act
    const plan = planLocalRun(sources);
    // Assert
    expect(Object.fromEntries(plan.topics)).toEqual({
      'apic.api-events.avro': 3,
      ExampleTopic: 3,
      'test-topic': 3,
      'partner.api-events': 3,
    });
    expect(Object.fromEntries(plan.streams)).toEqual({
      'data-lake-apic-local': 1,
      'data-lake-apic-avro-local': 1,
      'data-lake-apic-iam-local': 1,
      'msk-apic-mtls-events-local': 2,
      'msk-serverless-iam-events-local': 1,
    });
    expect(plan.queues).toContain('msk-serverless-iam-target-dlq-local');
    expect(plan.secrets.map((s) => `${s.name}:${s.kind}`).sort()).toEqual([
      'kafka/legacy/client-cert:client-certificate',
      'kafka/msk-mtls/client-cert:client-certificate',
      'kafka/onprem/client-cert:client-certificate',
      'kafka/onprem/root-ca:root-ca',
      'kafka/partner/scram:username-password',
      'kafka/replica/client-cert:client-certificate',
    ]);
    expect(plan.truststoreKeys).toEqual([
      'truststores/replica-ca-bundle.pem',
      'truststores/legacy-ca-bundle.pem',
    ]);
  });

  it('builds connections from the secrets as a Pipe reads them', () => {
    // Arrange
    const mtls = planSource(byName('onprem-confluent-apic'));
    const scram = planSource(byName('partner-scram'));
    const refs = [mtls.authSecret, mtls.rootCaSecret, scram.authSecret].filter((r) => r !== null);
    const values = new Map(refs.map((r) => [r.name, secretValue(r, bed)]));
    // Act
    const m = connectionFor(mtls, ['127.0.0.1:1'], values, 'PUBLIC');
    const s = connectionFor(scram, ['127.0.0.1:2'], values, 'PUBLIC');
    // Assert
    expect(m).toEqual({
      brokers: ['127.0.0.1:1'],
      clientId: 'local-onprem-confluent-apic',
      tls: { ca: 'ROOT', cert: 'CERT', key: 'KEY', passphrase: 'PW' },
    });
    expect(s).toEqual({
      brokers: ['127.0.0.1:2'],
      clientId: 'local-partner-scram',
      tls: { ca: 'PUBLIC' },
      sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' },
    });
  });

  it("signs an IAM source's OAUTHBEARER token for the Region of its cluster ARN with the given credentials", async () => {
    // Arrange
    const iam = planSource(byName('msk-iam-poller'));
    const credentials = async () => ({ accessKeyId: 'AKIATEST', secretAccessKey: 'secret' });

    // Act
    const conn = connectionFor(iam, ['127.0.0.1:3'], new Map(), 'PUBLIC', credentials);
    const sasl = conn.sasl as { mechanism: string; oauthBearerProvider: () => Promise<{ value: string }> };
    const url = new URL(Buffer.from((await sasl.oauthBearerProvider()).value, 'base64url').toString());

    // Assert
    expect([conn.brokers, conn.tls, sasl.mechanism]).toEqual([
      ['127.0.0.1:3'],
      { ca: 'PUBLIC' },
      'oauthbearer',
    ]);
    expect(url.host).toBe('kafka.us-east-1.amazonaws.com');
    expect(url.searchParams.get('Action')).toBe('kafka-cluster:Connect');
    expect(url.searchParams.get('X-Amz-Credential')).toMatch(
      /^AKIATEST\/\d{8}\/us-east-1\/kafka-cluster\/aws4_request$/,
    );
  });

  it('names a secret that was not read', () => {
    const mtls = planSource(byName('onprem-confluent-apic'));
    expect(() => connectionFor(mtls, ['b:1'], new Map(), undefined)).toThrow(
      new Error('secret kafka/onprem/root-ca was not read'),
    );
  });
});
