/**
 * Small PKI made with the openssl CLI for the CLI unit tests: root → intermediate → client / broker leaves,
 * a wrong-SAN broker certificate, PBES1 / PBES2 / PKCS#1 keys and a trust bundle over 65,536 bytes.
 * (The integration tests use the harness PKI; this one keeps unit tests free of services.)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface UnitPki {
  readonly dir: string;
  readonly rootCa: string;
  readonly intermediateCa: string;
  readonly clientLeaf: string;
  /** leaf + intermediate + root */
  readonly clientChain: string;
  readonly clientKey: string;
  readonly clientKeyPbes1: string;
  readonly clientKeyPbes2: string;
  readonly clientKeyTraditional: string;
  readonly keyPassword: string;
  /** Key of another certificate (does not match the client leaf). */
  readonly otherKey: string;
  readonly brokerCert: string;
  readonly wrongSanCert: string;
  readonly wrongCa: string;
  /** Over 65,536 bytes, includes the real root and intermediate. */
  readonly longTrustBundle: string;
  /** Validity end of the client leaf (for injected clocks). */
  readonly leafNotAfter: Date;
  cleanup(): void;
}

function ossl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Generates the PKI into a temporary directory (about a second). */
export function makeUnitPki(): UnitPki {
  const dir = mkdtempSync(join(tmpdir(), 'cli-pki-'));
  const read = (f: string) => readFileSync(join(dir, f), 'utf8');
  const key = (name: string) =>
    ossl(dir, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', name]);
  writeFileSync(
    join(dir, 'ca.ext'),
    'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n',
  );
  writeFileSync(join(dir, 'client.ext'), 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n');
  writeFileSync(
    join(dir, 'broker.ext'),
    'basicConstraints=CA:FALSE\nsubjectAltName=DNS:localhost,IP:127.0.0.1\n',
  );
  writeFileSync(
    join(dir, 'wrong.ext'),
    'basicConstraints=CA:FALSE\nsubjectAltName=DNS:kafka.other.example\n',
  );
  key('root.key');
  ossl(dir, [
    'req',
    '-x509',
    '-new',
    '-key',
    'root.key',
    '-subj',
    '/CN=Unit Root CA',
    '-days',
    '3650',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-out',
    'root.pem',
  ]);
  const sign = (name: string, subj: string, issuer: string, ext: string, days = '365') => {
    key(`${name}.key`);
    ossl(dir, ['req', '-new', '-key', `${name}.key`, '-subj', subj, '-out', `${name}.csr`]);
    ossl(dir, [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      `${issuer}.pem`,
      '-CAkey',
      `${issuer}.key`,
      '-CAcreateserial',
      '-days',
      days,
      '-extfile',
      ext,
      '-out',
      `${name}.pem`,
    ]);
  };
  sign('inter', '/CN=Unit Intermediate CA', 'root', 'ca.ext', '1825');
  sign('client', '/CN=unit-client', 'inter', 'client.ext');
  sign('broker', '/CN=localhost', 'inter', 'broker.ext');
  sign('wrong', '/CN=kafka.other.example', 'inter', 'wrong.ext');
  key('wrongca.key');
  ossl(dir, [
    'req',
    '-x509',
    '-new',
    '-key',
    'wrongca.key',
    '-subj',
    '/CN=Unrelated CA',
    '-days',
    '3650',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-out',
    'wrongca.pem',
  ]);
  const keyPassword = 'unit-secret';
  ossl(dir, ['pkcs8', '-topk8', '-in', 'client.key', '-nocrypt', '-out', 'client.p8']);
  ossl(dir, [
    'pkcs8',
    '-topk8',
    '-in',
    'client.key',
    '-v1',
    'PBE-SHA1-3DES',
    '-passout',
    `pass:${keyPassword}`,
    '-out',
    'client.pbes1',
  ]);
  ossl(dir, [
    'pkcs8',
    '-topk8',
    '-in',
    'client.key',
    '-v2',
    'aes-256-cbc',
    '-passout',
    `pass:${keyPassword}`,
    '-out',
    'client.pbes2',
  ]);
  ossl(dir, ['ec', '-in', 'client.key', '-out', 'client.sec1']);
  // Filler CAs: one key, many subjects, until the bundle passes 65,536 bytes.
  const filler: string[] = [];
  let size = 0;
  for (let i = 0; size < 70_000; i++) {
    ossl(dir, [
      'req',
      '-x509',
      '-new',
      '-key',
      'wrongca.key',
      '-subj',
      `/O=Filler Trust Services/OU=Bundle member ${i}/CN=Filler CA ${i} for a long trust bundle`,
      '-days',
      '3650',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-out',
      'f.pem',
    ]);
    const pem = read('f.pem');
    filler.push(pem);
    size += pem.length;
  }
  const rootCa = read('root.pem');
  const intermediateCa = read('inter.pem');
  const clientLeaf = read('client.pem');
  const leafNotAfter = new Date(
    execFileSync('openssl', ['x509', '-in', join(dir, 'client.pem'), '-noout', '-enddate'], {
      encoding: 'utf8',
    })
      .trim()
      .replace('notAfter=', ''),
  );
  return {
    dir,
    rootCa,
    intermediateCa,
    clientLeaf,
    clientChain: clientLeaf + intermediateCa + rootCa,
    clientKey: read('client.p8'),
    clientKeyPbes1: read('client.pbes1'),
    clientKeyPbes2: read('client.pbes2'),
    clientKeyTraditional: read('client.sec1'),
    keyPassword,
    otherKey: read('broker.key'),
    brokerCert: read('broker.pem'),
    wrongSanCert: read('wrong.pem'),
    wrongCa: read('wrongca.pem'),
    longTrustBundle: filler.join('') + intermediateCa + rootCa,
    leafNotAfter,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
