/**
 * Preflight messages that misled (issue 17 item 6): a reversed chain blamed the key, a missing intermediate
 * was called an order problem, CRLF and bytes outside the PEM blocks passed silently, a file or S3 object
 * was called a "root CA secret", and "all fit EventBridge Pipes" was printed under failed checks.
 * Certificates: the openssl-made unit PKI (pki-fixture.ts).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PreflightMaterial, runPreflight } from '../../../cli/preflight/engine.js';
import { makeUnitPki, type UnitPki } from './pki-fixture.js';
import { cli, sourcesDir } from './run-cli.js';

let pki: UnitPki;
let NOW: Date;
beforeAll(() => {
  pki = makeUnitPki();
  NOW = new Date(Date.now() + 60_000);
});
afterAll(() => pki.cleanup());

const f = (text: string, origin = 'file:chain.pem') => ({ text, origin });
const run = (material: PreflightMaterial) =>
  runPreflight({
    sourceName: 'orders',
    kind: 'self-managed',
    brokers: ['localhost:9093'],
    authType: 'mtls',
    material,
    now: NOW,
  });
const byId = (report: ReturnType<typeof run>, id: string) => report.checks.filter((c) => c.id === id);

describe('preflight messages (issue 17 item 6)', () => {
  it('reports a reversed chain as an order failure only, with the key matched against the leaf', () => {
    // Act
    const report = run({
      clientCertificate: f(pki.rootCa + pki.intermediateCa + pki.clientLeaf),
      clientKey: f(pki.clientKey, 'file:key.pem'),
    });
    // Assert
    expect(byId(report, 'client-chain')).toEqual([
      {
        id: 'client-chain',
        status: 'fail',
        message: 'file:chain.pem: the first certificate CN=Unit Root CA is a CA, not the client leaf',
        fix: 'order the chain leaf → intermediates → root',
      },
    ]);
    expect(byId(report, 'client-key-match')).toEqual([
      { id: 'client-key-match', status: 'pass', message: 'the key belongs to CN=unit-client' },
    ]);
  });

  it('tells a chain without its intermediate to add the missing issuer, not to reorder', () => {
    // Act
    const report = run({ clientCertificate: f(pki.clientLeaf + pki.rootCa), clientKey: f(pki.clientKey) });
    // Assert
    expect(byId(report, 'client-chain')).toEqual([
      {
        id: 'client-chain',
        status: 'fail',
        message:
          'file:chain.pem: certificate 1 (CN=unit-client) is not signed by the next one (CN=Unit Root CA); its issuer is CN=Unit Intermediate CA',
        fix: 'add CN=Unit Intermediate CA, the CA that issued CN=unit-client (it is not in the chain), right after certificate 1; remove certificates of other chains',
      },
    ]);
  });

  it('reports CRLF line ends and bytes outside the blocks, and counts them in the size', () => {
    // Arrange: a Windows-edited chain with openssl pkcs12's "Bag Attributes" before it and junk after it
    const chain = `Bag Attributes\n    friendlyName: client\n${pki.clientChain.replace(/\n/g, '\r\n')}garbage\0\0`;
    const lines = pki.clientChain.split('\n').length - 1;
    // Act
    const report = run({ clientCertificate: f(chain), clientKey: f(pki.clientKey, 'file:chain.pem') });
    // Assert
    expect(byId(report, 'client-pem-text')).toEqual([
      {
        id: 'client-pem-text',
        status: 'warn',
        message: `file:chain.pem: ${lines} line(s) end in CRLF; the secret stores the CR bytes and they count toward its size`,
        fix: 'store LF line ends: dos2unix <file>, or build the secret with kafka-pipes secret build (it stores the blocks with LF)',
      },
      {
        id: 'client-pem-text',
        status: 'warn',
        message:
          'file:chain.pem: 41 byte(s) outside the PEM blocks ("BagAttributesfriendlyNam…"); the secret stores them and they count toward its size',
        fix: 'keep only the -----BEGIN …----- to -----END …----- blocks, or build the secret with kafka-pipes secret build (it stores the blocks only)',
      },
    ]);
    const stored = Buffer.byteLength(JSON.stringify({ certificate: chain, privateKey: pki.clientKey }));
    expect(byId(report, 'client-secret-size')[0]?.message).toBe(
      `client certificate secret made from file:chain.pem would be ${stored.toLocaleString('en-US')} bytes (limit 65,536)`,
    );
    expect(byId(report, 'client-chain')[0]?.status).toBe('pass');
  });

  it('says "root CA secret is" only of a secret, and "would be" of a file', () => {
    // Act
    const fromFile = run({ trustBundle: f(pki.rootCa, 'file:ca.pem') });
    const fromSecret = run({
      trustBundle: f(pki.rootCa, 'secret:kafka/root'),
      trustSecretString: JSON.stringify({ certificate: pki.rootCa }),
    });
    // Assert
    const bytes = Buffer.byteLength(JSON.stringify({ certificate: pki.rootCa })).toLocaleString('en-US');
    expect(byId(fromFile, 'trust-secret-size')[0]?.message).toBe(
      `root CA secret made from file:ca.pem would be ${bytes} bytes (limit 65,536)`,
    );
    expect(byId(fromSecret, 'trust-secret-size')[0]?.message).toBe(
      `root CA secret is ${bytes} bytes (limit 65,536)`,
    );
  });

  it('prints no engine under failed checks', async () => {
    // Arrange
    const dir = sourcesDir({
      'orders.yaml':
        'name: orders\nkind: self-managed\nbrokers: [localhost:9093]\ntopic: orders\nauth:\n  type: mtls\n  secret: kafka/orders/client\ntarget:\n  type: kinesis\n',
    });
    writeFileSync(join(dir, 'chain.pem'), pki.clientLeaf + pki.rootCa);
    writeFileSync(join(dir, 'key.pem'), pki.clientKey);
    // Act
    const result = await cli([
      '--sources-dir',
      dir,
      'preflight',
      'orders',
      '--cert',
      join(dir, 'chain.pem'),
      '--key',
      join(dir, 'key.pem'),
    ]);
    // Assert
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    expect(result.stdout).not.toContain('fit EventBridge Pipes');
    expect(result.stdout).toContain(
      'engine: undecided: 1 check(s) failed, and neither engine takes the material until they are fixed\n',
    );
  });
});
