/**
 * `kafka-pipes truststore convert` and the recognition of keystore / DER files where PEM is read (issue 17
 * item 1). The files are real, made from the openssl unit PKI (pki-fixture.ts) by the tools that make them in
 * practice: JKS and JCEKS with the JDK's `keytool -importcert` / `-importkeystore`, PKCS#12 with
 * `openssl pkcs12 -export`, DER with `openssl x509 -outform DER`.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectKeyEncryption, splitPem } from '../../../cli/preflight/pem.js';
import { makeUnitPki, type UnitPki } from './pki-fixture.js';
import { cli, sourcesDir } from './run-cli.js';

let pki: UnitPki;
let dir: string;
const STORE_PASSWORD = 'changeit';
const file = (name: string) => join(pki.dir, name);
const keytool = (args: string[]) => execFileSync('keytool', args, { cwd: pki.dir, stdio: 'pipe' });
const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: pki.dir, stdio: 'pipe' });

beforeAll(() => {
  pki = makeUnitPki();
  // Truststores: root + intermediate as trusted entries (keytool -importcert), JKS and JCEKS.
  for (const [type, name] of [
    ['JKS', 'trust.jks'],
    ['JCEKS', 'trust.jceks'],
  ] as const) {
    for (const [alias, pem] of [
      ['root', 'root.pem'],
      ['inter', 'inter.pem'],
    ] as const) {
      keytool(
        ['-importcert', '-noprompt', '-alias', alias, '-file', pem, '-keystore', name].concat([
          '-storetype',
          type,
          '-storepass',
          STORE_PASSWORD,
        ]),
      );
    }
  }
  // Client keystore: leaf key + chain leaf → intermediate → root (openssl pkcs12 -export), then as JKS.
  writeFileSync(file('chain.pem'), pki.clientChain);
  openssl(
    ['pkcs12', '-export', '-in', 'chain.pem', '-inkey', 'client.p8', '-name', 'client'].concat([
      '-out',
      'client.p12',
      '-passout',
      `pass:${STORE_PASSWORD}`,
    ]),
  );
  keytool(
    ['-importkeystore', '-noprompt', '-srckeystore', 'client.p12', '-srcstoretype', 'PKCS12']
      .concat(['-srcstorepass', STORE_PASSWORD, '-destkeystore', 'client.jks', '-deststoretype', 'JKS'])
      .concat(['-deststorepass', STORE_PASSWORD, '-destkeypass', STORE_PASSWORD]),
  );
  openssl(['x509', '-in', 'root.pem', '-outform', 'DER', '-out', 'root.der']);
  writeFileSync(file('password.txt'), `${STORE_PASSWORD}\n`);
  dir = sourcesDir({
    'orders.yaml':
      'name: orders\nkind: self-managed\nbrokers: [localhost:9093]\ntopic: orders\nauth:\n  type: mtls\n  secret: kafka/orders/client\ntarget:\n  type: kinesis\n',
  });
}, 120_000); // keytool starts a JVM per call
afterAll(() => pki.cleanup());

const subjects = (pem: string) =>
  splitPem(pem).map((b) => new X509Certificate(b.der).subject.split('CN=')[1]);

describe('truststore convert', () => {
  it('converts a JKS truststore (keytool) to a PEM bundle, password from --password-file', async () => {
    // Act
    const out = file('trust-from-jks.pem');
    const run = await cli([
      'truststore',
      'convert',
      file('trust.jks'),
      '--out',
      out,
      '--password-file',
      file('password.txt'),
    ]);
    // Assert
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(subjects(readFileSync(out, 'utf8')).sort()).toEqual(['Unit Intermediate CA', 'Unit Root CA']);
    expect(run.stdout).toContain(`next: kafka-pipes secret build <source> --ca ${out}`);
  });

  it('reads a JKS truststore without its password, and says its integrity was not verified', async () => {
    const run = await cli(['truststore', 'convert', file('trust.jks')], { stdin: new PassThrough() });
    expect(run.code).toBe(0);
    expect(subjects(run.stdout).sort()).toEqual(['Unit Intermediate CA', 'Unit Root CA']);
    expect(run.stderr).toContain('read without its password, so its integrity was not verified');
  });

  it('converts a PKCS#12 client keystore (openssl) to the chain leaf → root and a PBES1 key (--json)', async () => {
    // Act
    const [out, keyOut] = [file('client-chain.pem'), file('client-key.pem')];
    const run = await cli([
      '--json',
      'truststore',
      'convert',
      file('client.p12'),
      '--out',
      out,
      '--key-out',
      keyOut,
      '--password',
      STORE_PASSWORD,
      '--key-password',
      'pipe-pass',
    ]);
    // Assert
    expect(run.code).toBe(0);
    expect(run.json()).toEqual({
      ok: true,
      file: file('client.p12'),
      format: 'pkcs12',
      kind: 'client',
      alias: 'client',
      verified: true,
      certificates: ['CN=unit-client', 'CN=Unit Intermediate CA', 'CN=Unit Root CA'],
      out,
      keyOut,
      keyEncrypted: true,
    });
    expect(readFileSync(out, 'utf8')).toBe(pki.clientChain);
    const key = splitPem(readFileSync(keyOut, 'utf8'))[0];
    expect(key?.label).toBe('ENCRYPTED PRIVATE KEY');
    expect(detectKeyEncryption(key?.der as Buffer).scheme).toBe('PBES1');
    expect(statSync(keyOut).mode & 0o777).toBe(0o600);
    // The result passes preflight as the Pipe takes it.
    const pre = await cli([
      '--json',
      '--sources-dir',
      dir,
      'preflight',
      'orders',
      '--cert',
      out,
      '--key',
      keyOut,
      '--key-password',
      'pipe-pass',
    ]);
    expect(pre.json<{ ok: boolean; decision: { engine: string } }>()).toMatchObject({
      ok: true,
      decision: { engine: 'pipe' },
    });
  });

  it('converts a JKS client keystore (keytool -importkeystore) with the password typed at the prompt', async () => {
    // Arrange: a terminal's stdin (the prompt port); the password is typed after the question
    const stdin = Object.assign(new PassThrough(), { isTTY: true, setRawMode: () => stdin });
    setTimeout(() => stdin.write(`${STORE_PASSWORD}\r`), 50);
    // Act
    const [out, keyOut] = [file('jks-chain.pem'), file('jks-key.pem')];
    const run = await cli(['truststore', 'import', file('client.jks'), '--out', out, '--key-out', keyOut], {
      stdin,
    });
    // Assert
    expect(run.stderr).toBe(`password of ${file('client.jks')}: \n`);
    expect(run.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(pki.clientChain);
    expect(readFileSync(keyOut, 'utf8')).toBe(pki.clientKey);
  });

  it('converts a DER certificate without a password', async () => {
    const run = await cli(['truststore', 'convert', file('root.der')]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(pki.rootCa);
  });

  it('reads a JCEKS keystore through keytool, and says so clearly when keytool is not on PATH', async () => {
    // Act
    const run = await cli(['truststore', 'convert', file('trust.jceks'), '--password', STORE_PASSWORD]);
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    const without = await cli([
      'truststore',
      'convert',
      file('trust.jceks'),
      '--password',
      STORE_PASSWORD,
    ]).finally(() => {
      process.env.PATH = path;
    });
    // Assert
    expect(run.code).toBe(0);
    expect(subjects(run.stdout).sort()).toEqual(['Unit Intermediate CA', 'Unit Root CA']);
    expect(without.code).toBe(2);
    expect(without.stderr).toBe(
      `error ${file('trust.jceks')}: <file>: neither jks-js / node-forge (jceks is not read by jks-js or node-forge) nor the JDK's keytool (keytool is not on PATH) can read a Java keystore (JCEKS). ` +
        'Fix: install a JDK so keytool is on PATH, or export the keystore as PKCS#12 or PEM where it was made\n',
    );
  });

  it('names the wrong password, and a client keystore converted without --key-out', async () => {
    const wrong = await cli(['truststore', 'convert', file('client.p12'), '--password', 'nope']);
    const noKeyOut = await cli(['truststore', 'convert', file('client.p12'), '--password', STORE_PASSWORD]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(
      /^error .*client\.p12: password: the password does not open the PKCS#12 keystore .*Fix: pass the password the keystore was saved with\n$/,
    );
    expect(noKeyOut.code).toBe(2);
    expect(noKeyOut.stderr).toContain(
      'a PKCS#12 keystore holds the private key of client. Fix: pass --key-out <key.pem>',
    );
  });
});

describe('keystore and DER files where PEM is read', () => {
  it('preflight --ca <jks>: names the format and the convert command, and sizes the PEM, not the binary file', async () => {
    // Act
    const run = await cli([
      '--json',
      '--sources-dir',
      dir,
      'preflight',
      'orders',
      '--cert',
      file('chain.pem'),
      '--key',
      file('client.p8'),
      '--ca',
      file('trust.jks'),
    ]);
    // Assert
    const report = run.json<{ checks: { id: string; status: string; message: string; fix?: string }[] }>();
    expect(report.checks.find((c) => c.id === 'trust-file-format')).toEqual({
      id: 'trust-file-format',
      status: 'warn',
      message: `file:${file('trust.jks')}: a Java keystore (JKS), not PEM; the checks below read the PEM converted from it, which a secret stores`,
      fix: `convert it: kafka-pipes truststore convert ${file('trust.jks')} --out ${file('trust.pem')}, then pass the PEM file to --ca`,
    });
    expect(report.checks.find((c) => c.id === 'trust-bundle')?.status).toBe('pass');
    const pem = [pki.rootCa, pki.intermediateCa].join('');
    const bytes = Buffer.byteLength(JSON.stringify({ certificate: pem }));
    expect(bytes).not.toBe(statSync(file('trust.jks')).size);
    expect(report.checks.find((c) => c.id === 'trust-secret-size')?.message).toBe(
      `root CA secret made from file:${file('trust.jks')} would be ${bytes.toLocaleString('en-US')} bytes (limit 65,536)`,
    );
  });

  it('preflight --cert <p12 with a password>: fails with the convert command instead of "no CERTIFICATE block found"', async () => {
    const run = await cli([
      '--json',
      '--sources-dir',
      dir,
      'preflight',
      'orders',
      '--cert',
      file('client.p12'),
      '--key',
      file('client.p12'),
    ]);
    const report = run.json<{ checks: { id: string; status: string; message: string; fix?: string }[] }>();
    expect(run.code).toBe(1);
    expect(report.checks.map((c) => c.message).join('\n')).not.toContain('no CERTIFICATE block found');
    expect(report.checks[0]).toEqual({
      id: 'client-file-format',
      status: 'fail',
      message: `file:${file('client.p12')}: a PKCS#12 keystore, not PEM, which preflight cannot read (the password does not open the PKCS#12 keystore (PKCS#12 MAC could not be verified. Invalid password?))`,
      fix: `convert it: kafka-pipes truststore convert ${file('client.p12')} --out ${file('client.pem')} --key-out ${file('client-key.pem')} (it asks for the password), then pass the PEM file to --cert`,
    });
  });

  it('truststore upload refuses a keystore with the convert command', async () => {
    const run = await cli(['--sources-dir', dir, 'truststore', 'upload', 'orders', file('trust.jks')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `error ${file('trust.jks')}: <file>: a Java keystore (JKS), not PEM; the poller reads a PEM bundle. Fix: convert it: kafka-pipes truststore convert ${file('trust.jks')} --out ${file('trust.pem')}, then upload the PEM file\n`,
    );
  });

  it('check refuses a keystore it cannot read, naming the flag and the convert command', async () => {
    const run = await cli([
      '--sources-dir',
      dir,
      'check',
      'orders',
      '--cert',
      file('client.p12'),
      '--key',
      file('client.p12'),
      '--ca',
      file('root.der'),
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `error ${file('client.p12')}: --cert: a PKCS#12 keystore, not PEM, which check cannot read without its password`,
    );
    expect(run.stderr).not.toContain('--key:');
    expect(run.stderr).toContain(
      `Fix: convert it: kafka-pipes truststore convert ${file('client.p12')} --out`,
    );
  });
});

describe('secret build without AWS', () => {
  it('has --help and the --json error envelope; refuses a reversed chain with the preflight message', async () => {
    // Act
    const help = await cli(['secret', 'build', '--help']);
    writeFileSync(file('reversed.pem'), pki.rootCa + pki.intermediateCa + pki.clientLeaf);
    const run = await cli([
      '--json',
      '--sources-dir',
      dir,
      'secret',
      'build',
      'orders',
      '--cert',
      file('reversed.pem'),
      '--key',
      file('client.p8'),
    ]);
    // Assert
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes: 0 built (and stored) · 2 bad flags, files or material');
    expect(run.code).toBe(2);
    expect(run.json()).toMatchObject({
      ok: false,
      exitCode: 2,
      issues: [
        {
          field: 'client-chain',
          message: `file:${file('reversed.pem')}: the first certificate CN=Unit Root CA is a CA, not the client leaf`,
        },
      ],
    });
  });

  it('builds the client secret from a PKCS#12 keystore given to --cert and --key', async () => {
    const run = await cli([
      '--json',
      '--sources-dir',
      dir,
      'secret',
      'build',
      'orders',
      '--cert',
      file('client.p12'),
      '--key',
      file('client.p12'),
      '--password',
      STORE_PASSWORD,
    ]);
    expect(run.code).toBe(0);
    expect(run.json()).toEqual({
      ok: true,
      file: join(dir, 'orders.yaml'),
      put: false,
      secrets: [
        {
          field: 'auth.secret',
          secretId: 'kafka/orders/client',
          bytes: Buffer.byteLength(
            JSON.stringify({ certificate: pki.clientChain, privateKey: pki.clientKey }),
          ),
          value: { certificate: pki.clientChain, privateKey: pki.clientKey },
        },
      ],
    });
  });
});
