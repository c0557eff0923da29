/**
 * Test PKI generated at test time with node's crypto (keys) and the machine's openssl (certificates):
 * a private root → intermediate chain (the 3-certificate on-prem case the poller exists for), a broker leaf and a client
 * leaf with SAN `DNS:localhost, IP:127.0.0.1`, PKCS#8 keys (plain, PBES1- and PBES2-encrypted), an unrelated
 * CA, a trust bundle larger than a Secrets Manager secret (65,536 bytes), an expired and a wrong-SAN
 * broker-style certificate.
 */
import { execFile } from 'node:child_process';
import { generateKeyPair, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { cacheDir } from './install-paths.js';

const execFileAsync = promisify(execFile);

/** Secrets Manager's maximum secret size in bytes; the long trust bundle must exceed it. */
export const SECRET_MAX_BYTES = 65_536;

/** Days the generated CA and leaf certificates stay valid. */
const VALIDITY_DAYS = 30;

/** How many extra CA certificates to put in the long trust bundle (each ~1.3 KB with a 2048-bit key). */
const EXTRA_CA_COUNT = 56;

/** All generated PEM material (strings) plus the directory holding the same files on disk. */
export interface PkiMaterial {
  /** Directory with every PEM below as a file (see `files`). */
  readonly dir: string;
  /** Root CA certificate (self-signed). */
  readonly rootCa: string;
  /** Intermediate CA certificate, issued by the root. */
  readonly intermediateCa: string;
  /** Intermediate + root: the trust chain a client or the broker verifies against. */
  readonly caChain: string;
  /** Broker leaf certificate only (issued by the intermediate; SAN DNS:localhost, IP:127.0.0.1). */
  readonly brokerCert: string;
  /** Broker leaf + intermediate: what the broker presents. */
  readonly brokerCertChain: string;
  /** Broker private key, PKCS#8, unencrypted. Also the key of `expiredCert` and `wrongSanCert`. */
  readonly brokerKey: string;
  /** Client leaf + intermediate + root, as a Pipe's CLIENT_CERTIFICATE_TLS_AUTH secret expects. */
  readonly clientCert: string;
  /** Client leaf certificate only. */
  readonly clientCertLeaf: string;
  /** Client private key, PKCS#8, unencrypted. */
  readonly clientKey: string;
  /** Client private key, PKCS#8 encrypted with PBES1 (pbeWithSHA1And3-KeyTripleDES-CBC): what Pipes accepts. */
  readonly clientKeyEncrypted: string;
  /** Password of `clientKeyEncrypted` and `clientKeyPbes2`. */
  readonly clientKeyPassword: string;
  /** Client private key, PKCS#8 encrypted with PBES2 (AES-256-CBC): what Pipes rejects. */
  readonly clientKeyPbes2: string;
  /** An unrelated self-signed CA: trusting it instead of the chain must fail verification. */
  readonly wrongCa: string;
  /** Extra CA certificates followed by `caChain`; longer than {@link SECRET_MAX_BYTES}. */
  readonly longTrustBundle: string;
  /** Broker-style leaf + intermediate, SAN localhost/127.0.0.1, valid Jan–Feb 2020 (expired); key = brokerKey. */
  readonly expiredCert: string;
  /** Broker-style leaf + intermediate, valid now, SAN DNS:wrong-host.invalid only; key = brokerKey. */
  readonly wrongSanCert: string;
  /** Absolute paths of the files written in `dir`, one per field above. */
  readonly files: PkiFiles;
}

/** Absolute paths of the PEM files written by {@link generatePki}. */
export interface PkiFiles {
  readonly rootCa: string;
  readonly intermediateCa: string;
  readonly caChain: string;
  readonly brokerCert: string;
  readonly brokerCertChain: string;
  readonly brokerKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  readonly clientKeyEncrypted: string;
  readonly clientKeyPbes2: string;
  readonly wrongCa: string;
  readonly longTrustBundle: string;
  readonly expiredCert: string;
  readonly wrongSanCert: string;
}

async function openssl(cwd: string, args: readonly string[]): Promise<void> {
  try {
    await execFileAsync('openssl', [...args], { cwd });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error("'openssl' not found on PATH. Install OpenSSL (e.g. 'apt-get install openssl').", {
        cause: err,
      });
    }
    throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr ?? e.message}`, { cause: err });
  }
}

async function rsaKey(bits: number): Promise<string> {
  const { privateKey } = await promisify(generateKeyPair)('rsa', { modulusLength: bits });
  return privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

const CA_EXT = [
  'basicConstraints=critical,CA:TRUE',
  'keyUsage=critical,keyCertSign,cRLSign',
  'subjectKeyIdentifier=hash',
];

/** Writes an extension file for `openssl x509 -req -extfile`. */
async function extFile(dir: string, name: string, lines: readonly string[]): Promise<string> {
  const path = join(dir, `${name}.ext`);
  await writeFile(path, `${lines.join('\n')}\n`);
  return path;
}

/** Self-signed CA certificate for the key file `keyName`. */
async function selfSignedCa(dir: string, keyName: string, cn: string, out: string): Promise<void> {
  await openssl(dir, [
    'req',
    '-x509',
    '-new',
    '-key',
    keyName,
    '-sha256',
    '-days',
    String(VALIDITY_DAYS),
    '-subj',
    `/O=kafka-pipes-template test/CN=${cn}`,
    ...CA_EXT.flatMap((e) => ['-addext', e]),
    '-out',
    out,
  ]);
}

/** What a certificate is issued for: the key file, the subject CN, the issuing CA and the extensions. */
interface IssueOptions {
  readonly keyName: string;
  readonly cn: string;
  readonly caCert: string;
  readonly caKey: string;
  readonly ext: readonly string[];
  readonly out: string;
}

/** The CSR for the key file `keyName` (subject CN `cn`) and the extensions file of the certificate `out`. */
async function requestFor(dir: string, opts: IssueOptions): Promise<{ csr: string; ext: string }> {
  const csr = `${opts.out}.csr`;
  await openssl(dir, [
    'req',
    '-new',
    '-key',
    opts.keyName,
    '-subj',
    `/O=kafka-pipes-template test/CN=${opts.cn}`,
    '-out',
    csr,
  ]);
  return { csr, ext: await extFile(dir, opts.out, opts.ext) };
}

/** CSR for the key file `keyName`, then a certificate issued by `caCert`/`caKey` with the given extensions. */
async function issue(dir: string, opts: IssueOptions): Promise<void> {
  const { csr, ext } = await requestFor(dir, opts);
  await openssl(dir, [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    opts.caCert,
    '-CAkey',
    opts.caKey,
    '-set_serial',
    `0x${randomBytes(12).toString('hex')}`,
    '-sha256',
    '-days',
    String(VALIDITY_DAYS),
    '-extfile',
    ext,
    '-out',
    opts.out,
  ]);
}

/** Issues an already-expired certificate (validity Jan–Feb 2020) with `openssl ca`, which can backdate. */
async function issueExpired(dir: string, opts: IssueOptions): Promise<void> {
  const caDir = join(dir, 'expired-ca');
  await mkdir(join(caDir, 'certs'), { recursive: true });
  await writeFile(join(caDir, 'index.txt'), '');
  await writeFile(join(caDir, 'serial'), `${randomBytes(8).toString('hex')}\n`);
  await writeFile(
    join(caDir, 'ca.cnf'),
    [
      '[ ca ]',
      'default_ca = CA_default',
      '[ CA_default ]',
      `database = ${join(caDir, 'index.txt')}`,
      `new_certs_dir = ${join(caDir, 'certs')}`,
      `serial = ${join(caDir, 'serial')}`,
      'default_md = sha256',
      'policy = policy_any',
      'unique_subject = no',
      '[ policy_any ]',
      'organizationName = optional',
      'commonName = supplied',
      '',
    ].join('\n'),
  );
  const { csr, ext } = await requestFor(dir, opts);
  await openssl(dir, [
    'ca',
    '-batch',
    '-config',
    join(caDir, 'ca.cnf'),
    '-in',
    csr,
    '-cert',
    opts.caCert,
    '-keyfile',
    opts.caKey,
    '-startdate',
    '20200101000000Z',
    '-enddate',
    '20200201000000Z',
    '-extfile',
    ext,
    '-notext',
    '-out',
    opts.out,
  ]);
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

const LEAF_SAN = 'subjectAltName=DNS:localhost,IP:127.0.0.1';
const SERVER_EXT = [
  'basicConstraints=critical,CA:FALSE',
  'keyUsage=critical,digitalSignature,keyEncipherment',
  'extendedKeyUsage=serverAuth,clientAuth',
  'authorityKeyIdentifier=keyid',
];
const CLIENT_EXT = [
  'basicConstraints=critical,CA:FALSE',
  'keyUsage=critical,digitalSignature,keyEncipherment',
  'extendedKeyUsage=clientAuth',
  'authorityKeyIdentifier=keyid',
  LEAF_SAN,
];

/** How long the cached filler CAs of the long trust bundle are reused before being regenerated. */
const EXTRA_CA_CACHE_MAX_AGE_MS = 7 * 86_400_000;

/**
 * The filler CA certificates of the long trust bundle (unrelated self-signed CAs, ~72 KB). They carry no
 * trust relation to the bed's chain, so they are generated once and cached under the test-bed cache
 * (`pki/extra-cas.pem`, regenerated after 7 days), which spares ~56 openssl runs per bed.
 */
async function extraCaCertificates(dir: string): Promise<string> {
  const cacheFile = join(cacheDir(), 'pki', `extra-cas-${EXTRA_CA_COUNT}.pem`);
  try {
    const st = await stat(cacheFile);
    if (Date.now() - st.mtimeMs < EXTRA_CA_CACHE_MAX_AGE_MS) return await readFile(cacheFile, 'utf8');
  } catch {
    // not cached yet
  }
  const extraDir = join(dir, 'extra-cas');
  await mkdir(extraDir, { recursive: true });
  await writeFile(join(extraDir, 'extra-ca.key'), await rsaKey(2048), { mode: 0o600 });
  const names = Array.from(
    { length: EXTRA_CA_COUNT },
    (_, i) => `extra-ca-${String(i).padStart(2, '0')}.pem`,
  );
  await mapLimit(names, 8, (name) =>
    selfSignedCa(extraDir, 'extra-ca.key', `Extra Test CA ${name.slice(9, 11)}`, name),
  );
  const pem = (await Promise.all(names.map((n) => readFile(join(extraDir, n), 'utf8')))).join('');
  await mkdir(dirname(cacheFile), { recursive: true });
  const tmp = `${cacheFile}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, pem);
  await rename(tmp, cacheFile); // atomic: concurrent beds never read a partial file
  return pem;
}

/**
 * Generates the whole PKI into `dir` (created if missing) and returns it as PEM strings.
 * Takes ~1 s (RSA key generation runs on the libuv pool, openssl calls run in parallel; the long bundle's
 * filler CAs come from the cache after the first bed).
 */
export async function generatePki(dir: string): Promise<PkiMaterial> {
  await mkdir(dir, { recursive: true });
  const clientKeyPassword = `pw-${randomBytes(9).toString('base64url')}`;

  const extrasPromise = extraCaCertificates(dir);
  const [rootKey, intKey, brokerKey, clientKey, wrongKey] = await Promise.all([
    rsaKey(2048),
    rsaKey(2048),
    rsaKey(2048),
    rsaKey(2048),
    rsaKey(2048),
  ]);
  await Promise.all([
    writeFile(join(dir, 'root-ca.key'), rootKey, { mode: 0o600 }),
    writeFile(join(dir, 'intermediate-ca.key'), intKey, { mode: 0o600 }),
    writeFile(join(dir, 'broker.key'), brokerKey, { mode: 0o600 }),
    writeFile(join(dir, 'client.key'), clientKey, { mode: 0o600 }),
    writeFile(join(dir, 'wrong-ca.key'), wrongKey, { mode: 0o600 }),
  ]);

  const intExt = [
    'basicConstraints=critical,CA:TRUE,pathlen:0',
    'keyUsage=critical,keyCertSign,cRLSign',
    'subjectKeyIdentifier=hash',
    'authorityKeyIdentifier=keyid',
  ];

  await Promise.all([
    (async () => {
      await selfSignedCa(dir, 'root-ca.key', 'Test Root CA', 'root-ca.pem');
      await issue(dir, {
        keyName: 'intermediate-ca.key',
        cn: 'Test Intermediate CA',
        caCert: 'root-ca.pem',
        caKey: 'root-ca.key',
        ext: intExt,
        out: 'intermediate-ca.pem',
      });
      const fromInt = { caCert: 'intermediate-ca.pem', caKey: 'intermediate-ca.key' };
      await Promise.all([
        issue(dir, {
          ...fromInt,
          keyName: 'broker.key',
          cn: 'localhost',
          ext: [...SERVER_EXT, LEAF_SAN],
          out: 'broker.pem',
        }),
        issue(dir, {
          ...fromInt,
          keyName: 'client.key',
          cn: 'test-client',
          ext: CLIENT_EXT,
          out: 'client.pem',
        }),
        issue(dir, {
          ...fromInt,
          keyName: 'broker.key',
          cn: 'wrong-host.invalid',
          ext: [...SERVER_EXT, 'subjectAltName=DNS:wrong-host.invalid'],
          out: 'wrong-san.pem',
        }),
        issueExpired(dir, {
          ...fromInt,
          keyName: 'broker.key',
          cn: 'localhost',
          ext: [...SERVER_EXT, LEAF_SAN],
          out: 'expired.pem',
        }),
        openssl(dir, [
          'pkcs8',
          '-topk8',
          '-v1',
          'PBE-SHA1-3DES',
          '-in',
          'client.key',
          '-passout',
          `pass:${clientKeyPassword}`,
          '-out',
          'client-pbes1.key',
        ]),
        openssl(dir, [
          'pkcs8',
          '-topk8',
          '-v2',
          'aes-256-cbc',
          '-in',
          'client.key',
          '-passout',
          `pass:${clientKeyPassword}`,
          '-out',
          'client-pbes2.key',
        ]),
      ]);
    })(),
    selfSignedCa(dir, 'wrong-ca.key', 'Unrelated Test CA', 'wrong-ca.pem'),
  ]);

  const read = (name: string) => readFile(join(dir, name), 'utf8');
  const [
    rootCa,
    intermediateCa,
    brokerCert,
    clientCertLeaf,
    wrongCa,
    expiredLeaf,
    wrongSanLeaf,
    clientKeyEncrypted,
    clientKeyPbes2,
  ] = (await Promise.all(
    [
      'root-ca.pem',
      'intermediate-ca.pem',
      'broker.pem',
      'client.pem',
      'wrong-ca.pem',
      'expired.pem',
      'wrong-san.pem',
      'client-pbes1.key',
      'client-pbes2.key',
    ].map(read),
  )) as [string, string, string, string, string, string, string, string, string];
  const extras = await extrasPromise;
  const caChain = intermediateCa + rootCa;
  const longTrustBundle = extras + caChain;
  if (Buffer.byteLength(longTrustBundle) <= SECRET_MAX_BYTES) {
    throw new Error(
      `long trust bundle is only ${Buffer.byteLength(longTrustBundle)} bytes; raise EXTRA_CA_COUNT`,
    );
  }

  const material = {
    rootCa,
    intermediateCa,
    caChain,
    brokerCert,
    brokerCertChain: brokerCert + intermediateCa,
    brokerKey,
    clientCert: clientCertLeaf + intermediateCa + rootCa,
    clientCertLeaf,
    clientKey,
    clientKeyEncrypted,
    clientKeyPassword,
    clientKeyPbes2,
    wrongCa,
    longTrustBundle,
    expiredCert: expiredLeaf + intermediateCa,
    wrongSanCert: wrongSanLeaf + intermediateCa,
  };
  const outputs: Record<keyof PkiFiles, string> = {
    rootCa: 'root-ca.pem',
    intermediateCa: 'intermediate-ca.pem',
    caChain: 'ca-chain.pem',
    brokerCert: 'broker.pem',
    brokerCertChain: 'broker-chain.pem',
    brokerKey: 'broker.key',
    clientCert: 'client-chain.pem',
    clientKey: 'client.key',
    clientKeyEncrypted: 'client-pbes1.key',
    clientKeyPbes2: 'client-pbes2.key',
    wrongCa: 'wrong-ca.pem',
    longTrustBundle: 'long-trust-bundle.pem',
    expiredCert: 'expired-chain.pem',
    wrongSanCert: 'wrong-san-chain.pem',
  };
  const files = Object.fromEntries(
    Object.entries(outputs).map(([k, f]) => [k, join(dir, f)]),
  ) as unknown as PkiFiles;
  await Promise.all(
    (
      ['caChain', 'brokerCertChain', 'clientCert', 'longTrustBundle', 'expiredCert', 'wrongSanCert'] as const
    ).map((k) => writeFile(files[k], material[k])),
  );
  return { dir, ...material, files };
}
