import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PreflightInput, type PreflightMaterial, runPreflight } from '../../../cli/preflight/engine.js';
import { makeUnitPki, type UnitPki } from './pki-fixture.js';

let pki: UnitPki;
// One minute after the certificates were made (they are valid from the second they were signed).
let NOW: Date;
beforeAll(() => {
  pki = makeUnitPki();
  NOW = new Date(Date.now() + 60_000);
});
afterAll(() => pki.cleanup());

function input(material: PreflightMaterial, overrides: Partial<PreflightInput> = {}): PreflightInput {
  return {
    sourceName: 'orders',
    kind: 'self-managed',
    brokers: ['localhost:9093'],
    authType: 'mtls',
    material,
    now: NOW,
    ...overrides,
  };
}

const f = (text: string, origin = 'file:test.pem') => ({ text, origin });

function byId(report: ReturnType<typeof runPreflight>, id: string) {
  return report.checks.filter((c) => c.id === id);
}

describe('runPreflight', () => {
  it('takes a 3-level chain with a PKCS#8 key and a small root CA secret → pipe', () => {
    // Arrange
    const material = {
      clientCertificate: f(pki.clientChain),
      clientKey: f(pki.clientKey),
      trustBundle: f(pki.rootCa, 'secret:root'),
    };
    // Act
    const report = runPreflight(input(material));
    // Assert
    expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.decision).toEqual({
      engine: 'pipe',
      reason: 'certificate chain, key format and secret sizes all fit EventBridge Pipes',
    });
    expect(byId(report, 'client-chain')[0]).toMatchObject({
      status: 'pass',
      message:
        'file:test.pem: chain CN=unit-client → CN=Unit Intermediate CA → CN=Unit Root CA is complete and in order',
    });
    expect(byId(report, 'client-key-match')[0]?.status).toBe('pass');
  });

  it('accepts a PBES1-encrypted key with its password', () => {
    const report = runPreflight(
      input({
        clientCertificate: f(pki.clientChain),
        clientKey: f(pki.clientKeyPbes1, 'secret:c'),
        clientKeyPassword: pki.keyPassword,
      }),
    );
    expect(report.decision.engine).toBe('pipe');
    expect(byId(report, 'client-key-format')[0]).toEqual({
      id: 'client-key-format',
      status: 'pass',
      message: 'secret:c: PKCS#8 encrypted with PBES1 (pbeWithSHAAnd3-KeyTripleDES-CBC)',
    });
    expect(byId(report, 'client-key-password')[0]?.status).toBe('pass');
  });

  it('sends a PBES2-encrypted key to the poller with the reason', () => {
    const report = runPreflight(
      input({
        clientCertificate: f(pki.clientChain),
        clientKey: f(pki.clientKeyPbes2, 'secret:c'),
        clientKeyPassword: pki.keyPassword,
      }),
    );
    expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.decision).toEqual({
      engine: 'poller',
      reason: 'the client key is PBES2-encrypted (PBES2 (aes-256-cbc)) and Pipes accepts only PBES1',
    });
    expect(byId(report, 'client-key-format')[0]?.fix).toBe(
      'to stay on a Pipe re-encrypt with PBES1: openssl pkcs8 -topk8 -v1 PBE-SHA1-3DES -in key.pem -out key-pbes1.pem',
    );
  });

  it('sends a trust bundle over 65,536 bytes to the poller', () => {
    const report = runPreflight(
      input({
        clientCertificate: f(pki.clientChain),
        clientKey: f(pki.clientKey),
        trustBundle: f(pki.longTrustBundle, 's3://b/trust.pem'),
      }),
    );
    expect(report.decision.engine).toBe('poller');
    // An S3 object is not a secret: the message says what the secret made from it would be (issue 17 item 6).
    expect(report.decision.reason).toMatch(
      /^the root CA secret made from s3:\/\/b\/trust\.pem would be [\d,]+ bytes, over the 65,536-byte limit of a Pipe secret$/,
    );
  });

  it('sends a traditional (non-PKCS#8) key to the poller', () => {
    const report = runPreflight(
      input({ clientCertificate: f(pki.clientChain), clientKey: f(pki.clientKeyTraditional) }),
    );
    expect(report.decision).toEqual({
      engine: 'poller',
      reason: 'the client key is EC PRIVATE KEY (not PKCS#8) and Pipes needs PKCS#8',
    });
  });

  it('fails when the client certificate has expired', () => {
    const after = new Date(pki.leafNotAfter.getTime() + 86_400_000);
    const report = runPreflight(
      input({ clientCertificate: f(pki.clientChain), clientKey: f(pki.clientKey) }, { now: after }),
    );
    expect(report.ok).toBe(false);
    expect(byId(report, 'client-expiry')[0]).toMatchObject({
      status: 'fail',
      message: `file:test.pem: CN=unit-client expired on ${pki.leafNotAfter.toISOString()}`,
    });
  });

  it('warns 30 days before expiry', () => {
    const soon = new Date(pki.leafNotAfter.getTime() - 10 * 86_400_000 - 1000);
    const report = runPreflight(
      input({ clientCertificate: f(pki.clientChain), clientKey: f(pki.clientKey) }, { now: soon }),
    );
    expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(report.ok).toBe(true);
    expect(byId(report, 'client-expiry')[0]).toMatchObject({
      status: 'warn',
      message: expect.stringContaining('expires in 10 days'),
    });
  });

  it.each([
    [
      'root first',
      () => pki.rootCa + pki.intermediateCa + pki.clientLeaf,
      'fail',
      'file:test.pem: the first certificate CN=Unit Root CA is a CA, not the client leaf',
    ],
    [
      'intermediate and root swapped',
      () => pki.clientLeaf + pki.rootCa + pki.intermediateCa,
      'fail',
      'file:test.pem: certificate 1 (CN=unit-client) is issued by certificate 3 (CN=Unit Intermediate CA), not by the next one (CN=Unit Root CA): wrong order',
    ],
    [
      'root missing',
      () => pki.clientLeaf + pki.intermediateCa,
      'warn',
      'file:test.pem: chain CN=unit-client → CN=Unit Intermediate CA is incomplete: CN=Unit Intermediate CA is issued by CN=Unit Root CA, which is missing',
    ],
    [
      'foreign CA in the chain',
      () => pki.clientLeaf + pki.wrongCa,
      'fail',
      'file:test.pem: certificate 1 (CN=unit-client) is not signed by the next one (CN=Unrelated CA); its issuer is CN=Unit Intermediate CA',
    ],
  ])('reports chain order: %s', (_name, chain, status, message) => {
    const report = runPreflight(input({ clientCertificate: f(chain()), clientKey: f(pki.clientKey) }));
    expect(byId(report, 'client-chain')[0]).toMatchObject({ status, message });
  });

  it.each([
    [
      'no password for an encrypted key',
      () => ({ clientKey: f(pki.clientKeyPbes1) }),
      'file:test.pem: the key is encrypted but no privateKeyPassword was given',
    ],
    [
      'a wrong password',
      () => ({ clientKey: f(pki.clientKeyPbes1), clientKeyPassword: 'nope' }),
      'file:test.pem: privateKeyPassword does not decrypt the key',
    ],
  ])('fails on %s', (_name, extra, message) => {
    const report = runPreflight(input({ clientCertificate: f(pki.clientChain), ...extra() }));
    expect(report.ok).toBe(false);
    expect(byId(report, 'client-key-password')[0]).toMatchObject({ status: 'fail', message });
  });

  it('fails when the key does not belong to the certificate', () => {
    const report = runPreflight(
      input({ clientCertificate: f(pki.clientChain), clientKey: f(pki.otherKey, 'file:k.pem') }),
    );
    expect(byId(report, 'client-key-match')[0]).toMatchObject({
      status: 'fail',
      message: 'file:k.pem: the private key does not match the client certificate CN=unit-client',
    });
  });

  it('warns when the broker host is not in the SAN', () => {
    const report = runPreflight(
      input(
        {
          trustBundle: f(pki.rootCa),
          serverCertificate: f(pki.wrongSanCert + pki.intermediateCa, 'file:broker.pem'),
        },
        { authType: 'sasl-scram-512' },
      ),
    );
    expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(report.ok).toBe(true);
    expect(byId(report, 'server-san')[0]).toEqual({
      id: 'server-san',
      status: 'warn',
      message:
        'file:broker.pem: broker host localhost is not in the SAN of CN=kafka.other.example (DNS:kafka.other.example)',
      fix: 'connect with a name in the SAN, or reissue the broker certificate with DNS:localhost',
    });
    expect(byId(report, 'server-chain')[0]?.status).toBe('pass');
  });

  it.each([
    ['localhost:9093', 'pass'],
    ['127.0.0.1:9093', 'pass'],
    ['kafka.example.com:9093', 'warn'],
  ])('matches broker %s against the SAN → %s', (broker, status) => {
    const report = runPreflight(
      input({ serverCertificate: f(pki.brokerCert) }, { brokers: [broker], authType: 'none' }),
    );
    expect(byId(report, 'server-san')[0]?.status).toBe(status);
  });

  it('fails when the broker certificate does not chain to the trust bundle', () => {
    const report = runPreflight(
      input(
        {
          trustBundle: f(pki.wrongCa, 'secret:root'),
          serverCertificate: f(pki.brokerCert + pki.intermediateCa, 'file:b.pem'),
        },
        { authType: 'none' },
      ),
    );
    expect(byId(report, 'server-chain')[0]).toMatchObject({
      status: 'fail',
      message:
        'file:b.pem: CN=Unit Intermediate CA is issued by CN=Unit Root CA, which is not in the trust bundle',
      fix: 'add the CA CN=Unit Root CA to the root CA secret / truststore',
    });
  });

  it('fails mTLS without any client material', () => {
    const report = runPreflight(input({}));
    expect(report.ok).toBe(false);
    expect(report.checks.map((c) => [c.id, c.status])).toEqual([
      ['client-chain', 'fail'],
      ['client-key-format', 'fail'],
      ['trust-bundle', 'skip'],
    ]);
  });
});
