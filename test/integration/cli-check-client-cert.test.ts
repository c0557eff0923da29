/**
 * `check` on the broker's mTLS listener with a client certificate the broker does not trust, and with a key
 * that does not belong to the certificate (issue 17 item 5): a diagnosis and a fix, not a raw OpenSSL code.
 * The untrusted certificate is a self-signed one made here with openssl (CN=untrusted-client).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { CheckReport, CheckStep } from '../../cli/check/engine.js';
import { cli, sourcesDir } from '../unit/cli/run-cli.js';

const bed = inject('testbed');
let dir: string;
let files: string;

beforeAll(() => {
  files = mkdtempSync(join(tmpdir(), 'check-client-cert-'));
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'untrusted.key'].concat([
      '-out',
      'untrusted.pem',
      '-subj',
      '/CN=untrusted-client',
      '-days',
      '2',
    ]),
    { cwd: files, stdio: 'pipe' },
  );
  writeFileSync(join(files, 'ca.pem'), bed.pki.caChain);
  writeFileSync(join(files, 'client.pem'), bed.pki.clientCert);
  writeFileSync(join(files, 'client.key'), bed.pki.clientKey);
  writeFileSync(join(files, 'broker.key'), bed.pki.brokerKey);
  dir = sourcesDir({
    'mtls.yaml': `name: mtls\nkind: self-managed\nbrokers: [${bed.kafka.ssl}]\ntopic: orders\nauth:\n  type: mtls\n  secret: kafka/mtls/client\ntarget:\n  type: kinesis\n`,
  });
});

async function check(cert: string, key: string): Promise<{ code: number; report: CheckReport }> {
  const f = (name: string) => join(files, name);
  const run = await cli(
    ['--json', '--sources-dir', dir, 'check', 'mtls', '--cert', f(cert), '--key', f(key)].concat([
      '--ca',
      f('ca.pem'),
      '--timeout',
      '5000',
    ]),
  );
  return { code: run.code, report: run.json<CheckReport>() };
}

const step = (r: CheckReport, id: CheckStep['step']) => r.steps.find((s) => s.step === id) as CheckStep;

describe('kafka-pipes check: client certificate problems (real broker, mTLS listener)', () => {
  it('diagnoses a client certificate the broker does not trust', async () => {
    // Act
    const { code, report } = await check('untrusted.pem', 'untrusted.key');
    // Assert: Kafka answers with TLS alert 46 (certificate unknown)
    expect(code).toBe(1);
    expect(step(report, 'tls')).toMatchObject({
      status: 'fail',
      message:
        'the broker rejected the client certificate CN=untrusted-client (issuer CN=untrusted-client) with a TLS alert (ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN)',
      cause:
        "the broker's truststore has no CA that issued CN=untrusted-client: its chain ends at CN=untrusted-client, which the broker does not trust (or the certificate lacks the clientAuth usage)",
      fix: "add CN=untrusted-client to the broker's truststore (ssl.truststore.location, then restart or reconfigure the listener), or use a client certificate issued by a CA the broker trusts",
    });
    expect(JSON.stringify(report)).not.toContain('see the OpenSSL error above');
  });

  it('diagnoses a key that does not belong to the client certificate', async () => {
    // Act
    const { code, report } = await check('client.pem', 'broker.key');
    // Assert
    expect(code).toBe(1);
    expect(step(report, 'tls')).toMatchObject({
      status: 'fail',
      message:
        'the private key does not belong to the client certificate CN=test-client (ERR_OSSL_X509_KEY_VALUES_MISMATCH)',
      cause:
        'the key given (privateKey of the auth.secret, or --key) was made for another certificate, so no TLS connection can start',
      fix: 'store the key CN=test-client was issued for (kafka-pipes preflight <source> checks the pair: client-key-match)',
    });
    expect(step(report, 'sasl').status).toBe('skip');
  });
});
