/**
 * TLS diagnoses against local node:tls servers presenting the harness PKI's certificates (expired,
 * wrong SAN, leaf without intermediate, client certificate required). The servers answer a Kafka
 * ApiVersions frame with its correlation id, like a broker.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server, type TlsOptions } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnoseTls } from '../../../cli/check/diagnose.js';
import { tlsKafkaProbe } from '../../../cli/check/net-probe.js';
import type { KafkaTlsMaterial } from '../../../core/kafka/client.js';
import { generatePki, type PkiMaterial } from '../../../devkit/testbed/pki.js';

let pki: PkiMaterial;
let dir: string;
const servers: Server[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tls-probe-'));
  pki = await generatePki(dir);
}, 120_000);

afterAll(() => {
  for (const s of servers) s.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A TLS server answering ApiVersions frames; returns its port. */
async function fakeBroker(opts: TlsOptions): Promise<number> {
  const server = createServer(opts, (socket) => {
    socket.on('data', (req: Buffer) => {
      if (req.length < 12) return;
      const res = Buffer.alloc(10);
      res.writeInt32BE(6, 0);
      res.writeInt32BE(req.readInt32BE(8), 4);
      res.writeInt16BE(0, 8);
      socket.write(res);
    });
    socket.on('error', () => {});
  });
  server.on('tlsClientError', () => {});
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return (server.address() as AddressInfo).port;
}

async function probe(port: number, tls: KafkaTlsMaterial) {
  try {
    const ok = await tlsKafkaProbe('127.0.0.1', port, tls, 5_000);
    return { ok: true as const, result: ok };
  } catch (err) {
    return { ok: false as const, diagnosis: diagnoseTls(`127.0.0.1:${port}`, err, tls) };
  }
}

describe('TLS probe diagnoses', () => {
  it('passes with the right CA and reports the broker certificate', async () => {
    const port = await fakeBroker({ cert: pki.brokerCertChain, key: pki.brokerKey });
    const r = await probe(port, { ca: pki.caChain });
    expect(r.ok).toBe(true);
    expect(r.ok && r.result.chain[0]).toMatchObject({ subject: 'localhost', issuer: 'Test Intermediate CA' });
  });

  it.each([
    [
      'an expired broker certificate',
      () => ({ cert: pki.expiredCert, key: pki.brokerKey }),
      () => ({ ca: pki.caChain }),
      {
        message: expect.stringMatching(
          /^broker certificate CN=localhost \(issuer CN=Test Intermediate CA\) has expired \(valid to .*2020 GMT\): CERT_HAS_EXPIRED$/,
        ),
        cause: 'a certificate of the broker chain is past its notAfter date',
      },
    ],
    [
      'a certificate for another host',
      () => ({ cert: pki.wrongSanCert, key: pki.brokerKey }),
      () => ({ ca: pki.caChain }),
      {
        message: expect.stringMatching(/^hostname mismatch: /),
        cause:
          '127.0.0.1 is not in the SAN of the broker certificate CN=wrong-host.invalid (issuer CN=Test Intermediate CA) (DNS:wrong-host.invalid)',
      },
    ],
    [
      'a broker that sends its leaf without the intermediate, and only the root trusted',
      () => ({ cert: pki.brokerCert, key: pki.brokerKey }),
      () => ({ ca: pki.rootCa }),
      {
        message:
          'broker certificate CN=localhost (issuer CN=Test Intermediate CA) cannot be verified: UNABLE_TO_VERIFY_LEAF_SIGNATURE',
        fix: 'put the CA that issued the broker certificate (root, and intermediates the broker does not send) into rootCaSecret or --ca',
      },
    ],
    [
      'an unrelated CA',
      () => ({ cert: pki.brokerCertChain, key: pki.brokerKey }),
      () => ({ ca: pki.wrongCa }),
      {
        message:
          'broker certificate CN=localhost (issuer CN=Test Intermediate CA) cannot be verified: UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
      },
    ],
    [
      'no client certificate for a listener that requires one',
      () => ({
        cert: pki.brokerCertChain,
        key: pki.brokerKey,
        ca: pki.caChain,
        requestCert: true,
        rejectUnauthorized: true,
      }),
      () => ({ ca: pki.caChain }),
      {
        cause: 'the listener requires a client certificate (ssl.client.auth=required) and none was sent',
        fix: 'use auth type mtls with a client certificate secret, or pass --cert and --key',
      },
    ],
    [
      'a client certificate the broker does not trust',
      () => ({
        cert: pki.brokerCertChain,
        key: pki.brokerKey,
        ca: pki.wrongCa,
        requestCert: true,
        rejectUnauthorized: true,
      }),
      () => ({ ca: pki.caChain, cert: pki.clientCert, key: pki.clientKey }),
      {
        cause:
          'the broker rejected the client certificate (its CA is not in the broker truststore, or it expired)',
      },
    ],
  ])('diagnoses %s', async (_name, server, client, expected) => {
    const port = await fakeBroker(server());
    const r = await probe(port, client());
    expect(r.ok).toBe(false);
    expect(!r.ok && r.diagnosis).toMatchObject(expected);
  });
});
