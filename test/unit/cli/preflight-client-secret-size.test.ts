/**
 * A client certificate secret over 65,536 bytes (issue 12, the secret limit): Secrets Manager stores no such
 * secret and both engines read the client certificate from one, so preflight fails it for both engines with
 * the fix that shrinks the chain, and `--write` writes nothing (it used to answer "engine: poller").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLIENT_SECRET_TOO_LARGE_FIX } from '../../../cli/preflight/client-checks.js';
import { runPreflight } from '../../../cli/preflight/engine.js';
import { planWrite } from '../../../cli/preflight/write-plan.js';
import { parseSourceFile } from '../../../pipes/load-sources.js';
import { makeUnitPki, type UnitPki } from './pki-fixture.js';

const FILE = 'pipes/sources/orders.yaml';
const SOURCE = parseSourceFile(
  [
    'name: orders',
    'kind: self-managed',
    'brokers: [b1.example.com:9093]',
    'topic: orders',
    'auth: {type: mtls, secret: arn:aws:secretsmanager:us-east-1:123456789012:secret:kafka/orders/client-AbCdEf}',
    'target: {type: kinesis}',
  ].join('\n'),
  FILE,
);

let pki: UnitPki;
beforeAll(() => {
  pki = makeUnitPki();
});
afterAll(() => pki.cleanup());

/** openssl pkcs12's "Bag Attributes" lines in front of the chain, repeated past the secret limit. */
const padded = (chain: string, lines: number) =>
  `${'Bag Attributes\n    friendlyName: client\n'.repeat(lines)}${chain}`;

function preflight(kind: 'self-managed' | 'msk', chain: string) {
  return runPreflight({
    sourceName: 'orders',
    kind,
    brokers: kind === 'msk' ? [] : ['b1.example.com:9093'],
    authType: 'mtls',
    material: {
      clientCertificate: { text: chain, origin: 'file:chain.pem' },
      clientKey: { text: pki.clientKey, origin: 'file:key.pem' },
    },
    now: new Date(Date.now() + 60_000),
  });
}

describe('client certificate secret over 65,536 bytes', () => {
  it.each(['self-managed', 'msk'] as const)(
    '%s: fails for both engines with the fix that shrinks the chain',
    (kind) => {
      // Arrange
      const chain = padded(pki.clientChain, 2000);
      const bytes = Buffer.byteLength(JSON.stringify({ certificate: chain, privateKey: pki.clientKey }));
      // Act
      const report = preflight(kind, chain);
      // Assert
      expect(bytes).toBeGreaterThan(65_536);
      expect(report.checks.filter((c) => c.id === 'client-secret-size')).toEqual([
        {
          id: 'client-secret-size',
          status: 'fail',
          message: `client certificate secret made from file:chain.pem and file:key.pem would be ${bytes.toLocaleString('en-US')} bytes, over the 65,536-byte secret limit; Secrets Manager stores no larger secret, and both a Pipe and the poller read the client certificate from one`,
          fix: CLIENT_SECRET_TOO_LARGE_FIX,
        },
      ]);
      expect(CLIENT_SECRET_TOO_LARGE_FIX).toBe(
        'keep in certificate only the client leaf and the intermediates the broker does not already trust (drop the root and other chains); the CAs that sign the broker certificates belong in rootCaSecret, or for a bundle over 65,536 bytes in the poller truststore bucket (kafka-pipes truststore upload <source> <file>), never in the client secret',
      );
      expect(report.ok).toBe(false);
      expect(report.checks.some((c) => c.requiresPoller !== undefined)).toBe(false);
      expect(report.decision.reason).toMatch(/^(undecided|a msk source runs on a Pipe only)/);
    },
  );

  it('preflight --write writes nothing for it (it used to write engine: poller)', () => {
    // Arrange
    const report = preflight('self-managed', padded(pki.clientChain, 2000));
    // Act
    const plan = planWrite({ file: FILE, source: SOURCE, report });
    // Assert
    expect(plan).toEqual({
      kind: 'refuse',
      issue: {
        file: FILE,
        field: 'engine',
        message: 'preflight failed, so neither engine can take the material as it is; nothing written',
        fix: 'fix the ✗ items above and run preflight --write again',
      },
    });
  });

  it('just under the limit it passes and a Pipe takes it', () => {
    // Arrange: the largest padding that stays within 65,536 bytes
    const line = 'Bag Attributes\n    friendlyName: client\n';
    const base = Buffer.byteLength(
      JSON.stringify({ certificate: pki.clientChain, privateKey: pki.clientKey }),
    );
    const perLine = Buffer.byteLength(JSON.stringify(line)) - 2;
    const lines = Math.floor((65_536 - base) / perLine);
    // Act
    const report = preflight('self-managed', padded(pki.clientChain, lines));
    // Assert
    const size = report.checks.find((c) => c.id === 'client-secret-size');
    expect(size?.status).toBe('pass');
    expect(report.ok).toBe(true);
    expect(report.decision.engine).toBe('pipe');
  });
});
