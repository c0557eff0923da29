import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type InfrastructureError, NonRetriableError, RetriableError } from '../../../core/errors.js';
import type { BootstrapBrokers } from '../../../core/msk-bootstrap.js';
import {
  type ConnectionSpec,
  countPemCertificates,
  createConnectionCache,
  decryptPrivateKey,
  type MaterialPorts,
  resolveKafkaConnection,
} from '../../../fallback-poller/connection.js';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PLAIN = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const PBES2 = privateKey
  .export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' })
  .toString();
const CERT = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

function ports(files: Record<string, string>, calls: string[] = []): MaterialPorts {
  const get = (k: string) => {
    calls.push(k);
    const v = files[k];
    if (v === undefined) throw new Error(`not found: ${k}`);
    return Promise.resolve(v);
  };
  return {
    getObjectText: (b, k) => get(`s3://${b}/${k}`),
    getSecretString: (id) => get(`secret:${id}`),
    readFileText: (p) => get(`file:${p}`),
  };
}

const base: ConnectionSpec = {
  brokers: ['b1:9093'],
  tls: true,
  truststore: { type: 'default' },
  auth: { type: 'none' },
};

describe('decryptPrivateKey', () => {
  it.each([
    ['plain PKCS#8', PLAIN, undefined],
    ['PBES2-encrypted PKCS#8', PBES2, 'pw'],
  ])('reads a %s key into unencrypted PKCS#8', (_name, pem, pass) => {
    expect(decryptPrivateKey(pem, pass, 's')).toBe(PLAIN);
  });

  it('refuses an encrypted key without a password', () => {
    expect(() => decryptPrivateKey(PBES2, undefined, 'kafka/client')).toThrow(
      'client private key in secret kafka/client is encrypted but privateKeyPassword is missing',
    );
  });

  it('names the secret when the password is wrong', () => {
    expect(() => decryptPrivateKey(PBES2, 'nope', 'kafka/client')).toThrow(
      /^client private key in secret kafka\/client could not be read: /,
    );
  });
});

describe('resolveKafkaConnection', () => {
  it.each([
    ['S3', { type: 's3', bucket: 'b', key: 'ca.pem' } as const, { 's3://b/ca.pem': CERT + CERT }],
    [
      'a Pipes-format secret',
      { type: 'secret', secret: 'ca' } as const,
      { 'secret:ca': JSON.stringify({ certificate: CERT }) },
    ],
    ['a bare-PEM secret', { type: 'secret', secret: 'ca' } as const, { 'secret:ca': CERT }],
    [
      'a bundled file',
      { type: 'file', path: 'truststore/ca.pem' } as const,
      { 'file:truststore/ca.pem': CERT },
    ],
  ])('loads the truststore from %s', async (_n, truststore, files) => {
    const conn = await resolveKafkaConnection({ ...base, truststore }, ports(files));
    expect(conn.tls?.ca).toContain('BEGIN CERTIFICATE');
  });

  it('reads an mTLS secret in the Pipes format and decrypts the key', async () => {
    const files = {
      'secret:client': JSON.stringify({ certificate: CERT, privateKey: PBES2, privateKeyPassword: 'pw' }),
    };
    const conn = await resolveKafkaConnection(
      { ...base, auth: { type: 'mtls', secret: 'client' } },
      ports(files),
    );
    expect(conn.tls).toEqual({ cert: CERT, key: PLAIN });
  });

  it.each([
    ['sasl-scram-512', 'scram-sha-512'],
    ['sasl-scram-256', 'scram-sha-256'],
    ['basic', 'plain'],
  ] as const)('reads %s credentials', async (type, mechanism) => {
    const files = { 'secret:user': JSON.stringify({ username: 'u', password: 'p' }) };
    const conn = await resolveKafkaConnection({ ...base, auth: { type, secret: 'user' } }, ports(files));
    expect(conn.sasl).toEqual({ mechanism, username: 'u', password: 'p' });
  });

  it.each([
    [
      { ...base, truststore: { type: 's3', bucket: 'b', key: 'empty.pem' } } as ConnectionSpec,
      { 's3://b/empty.pem': 'nothing' },
      'truststore s3://b/empty.pem holds no PEM certificate',
    ],
    [
      { ...base, auth: { type: 'mtls', secret: 'c' } } as ConnectionSpec,
      { 'secret:c': JSON.stringify({ certificate: CERT }) },
      'secret c has no "privateKey" string',
    ],
    [
      { ...base, auth: { type: 'sasl-scram-512', secret: 'c' } } as ConnectionSpec,
      { 'secret:c': '{not json' },
      'secret c is not valid JSON',
    ],
    [
      { ...base, tls: false, auth: { type: 'mtls', secret: 'c' } } as ConnectionSpec,
      {},
      'mtls authentication needs TLS',
    ],
    [
      { ...base, truststore: { type: 's3', bucket: 'b', key: 'missing.pem' } } as ConnectionSpec,
      {},
      'could not load the truststore: not found: s3://b/missing.pem',
    ],
    [
      { ...base, auth: { type: 'iam' } } as ConnectionSpec,
      {},
      'auth type iam needs the Region of the cluster (from clusterArn) to sign its SASL/OAUTHBEARER token',
    ],
    [
      { ...base, auth: { type: 'sasl-scram-256' } } as ConnectionSpec,
      {},
      'sasl-scram-256 authentication needs a secret',
    ],
  ])('fails with a clear error (%#)', async (spec, files, message) => {
    await expect(resolveKafkaConnection(spec, ports(files))).rejects.toThrow(message);
  });

  it('caches material across warm invocations until the TTL passes', async () => {
    let now = 0;
    const calls: string[] = [];
    const cache = createConnectionCache(60_000, () => now);
    const p = ports({ 'secret:ca': CERT }, calls);
    const spec: ConnectionSpec = { ...base, truststore: { type: 'secret', secret: 'ca' } };
    await cache.get(spec, p);
    await cache.get(spec, p);
    now = 60_001;
    await cache.get(spec, p);
    expect(calls).toEqual(['secret:ca', 'secret:ca']);
  });

  describe('an MSK cluster without brokers: the bootstrap brokers of the auth type (GetBootstrapBrokers)', () => {
    const ARN = 'arn:aws:kafka:us-east-1:123456789012:cluster/orders/0a1b2c3d-4e5f-6789-abcd-ef0123456789-s1';
    const msk: ConnectionSpec = {
      ...base,
      brokers: [],
      clusterArn: ARN,
      sourceName: 'orders',
      auth: { type: 'iam', region: 'us-east-1' },
    };
    const withLookup = (answer: () => Promise<BootstrapBrokers>, asked: string[] = []): MaterialPorts => ({
      ...ports({}),
      getBootstrapBrokers: (arn) => {
        asked.push(arn);
        return answer();
      },
    });

    it('dials the SASL/IAM broker string, looked up once per cached connection', async () => {
      // Arrange
      const asked: string[] = [];
      const p = withLookup(
        async () => ({
          BootstrapBrokerStringTls: 'b-1.orders:9094',
          BootstrapBrokerStringSaslIam: 'b-1.orders:9098,b-2.orders:9098',
        }),
        asked,
      );
      const cache = createConnectionCache(60_000, () => 0);

      // Act
      const first = await cache.get(msk, p);
      const second = await cache.get(msk, p);

      // Assert
      expect(first.brokers).toEqual(['b-1.orders:9098', 'b-2.orders:9098']);
      expect(first.sasl?.mechanism).toBe('oauthbearer');
      expect(second).toBe(first);
      expect(asked).toEqual([ARN]);
    });

    it('keeps the brokers of the spec (the file override) without a lookup', async () => {
      // Arrange
      const asked: string[] = [];
      const p = withLookup(async () => ({}), asked);
      // Act
      const conn = await resolveKafkaConnection({ ...msk, brokers: ['override:9098'] }, p);
      // Assert
      expect(conn.brokers).toEqual(['override:9098']);
      expect(asked).toEqual([]);
    });

    it('fails non-retriably, naming the field and the fix, when the cluster has no broker string for the auth type', async () => {
      // Act
      const error = await resolveKafkaConnection(
        msk,
        withLookup(async () => ({ BootstrapBrokerStringTls: 'b-1.orders:9094' })),
      ).then(
        () => undefined,
        (e: unknown) => e as InfrastructureError,
      );
      // Assert
      expect(error).toBeInstanceOf(NonRetriableError);
      expect(error?.message).toBe(
        `source orders: brokers: Cluster ${ARN} has no bootstrap broker string for auth type iam (BootstrapBrokerStringSaslIam or BootstrapBrokerStringPublicSaslIam); GetBootstrapBrokers returned BootstrapBrokerStringTls. Fix: turn on IAM role-based authentication for the cluster (MSK console: the cluster's Properties, Security settings), set auth.type to an auth type the cluster has turned on, or list its bootstrap brokers in brokers`,
      );
    });

    it('fails retriably when the lookup itself fails (network, throttling, permissions)', async () => {
      // Act
      const error = await resolveKafkaConnection(
        msk,
        withLookup(async () => {
          throw new Error('AccessDeniedException: not authorized to perform kafka:GetBootstrapBrokers');
        }),
      ).then(
        () => undefined,
        (e: unknown) => e as InfrastructureError,
      );
      // Assert
      expect(error).toBeInstanceOf(RetriableError);
      expect(error?.message).toBe(
        `could not look up the bootstrap brokers of ${ARN} (kafka:GetBootstrapBrokers): AccessDeniedException: not authorized to perform kafka:GetBootstrapBrokers`,
      );
    });
  });

  it('counts certificates in a bundle', () => {
    expect(countPemCertificates(CERT + CERT + CERT)).toBe(3);
  });
});
