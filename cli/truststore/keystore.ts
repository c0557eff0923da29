/**
 * Reads the certificates and keys of a keystore or DER file into PEM (no I/O): JKS with jks-js, PKCS#12
 * with node-forge, DER with node:crypto. Keys come out as PKCS#8 PEM, whatever their algorithm (node:crypto
 * re-encodes what the libraries decrypt). JCEKS, and what the libraries cannot decrypt, go through the
 * JDK's keytool (cli/truststore/keytool.ts).
 */
import { createPrivateKey, createPublicKey, type KeyObject, X509Certificate } from 'node:crypto';
import { decrypt as decryptJksKey, parseJks } from 'jks-js';
import forge from 'node-forge';
import type { CertFileFormat } from './formats.js';

/** One entry: a trusted certificate, or a key with its certificate chain (leaf first). */
export interface KeystoreEntry {
  readonly alias: string;
  /** PEM certificates; for a key entry the chain, leaf first. */
  readonly certificates: readonly string[];
  /** PKCS#8 PEM: unencrypted, or `ENCRYPTED PRIVATE KEY` for a DER encrypted key (its password unchanged). */
  readonly key?: string;
}

/** What a keystore holds. */
export interface KeystoreContent {
  readonly format: CertFileFormat;
  readonly entries: readonly KeystoreEntry[];
  /** False when a JKS was read without its password: its integrity was not verified. */
  readonly verified: boolean;
}

/** Why a keystore could not be read: the password (missing or wrong), or a format the library cannot read. */
export class KeystoreError extends Error {
  constructor(
    message: string,
    readonly reason: 'password' | 'unsupported',
  ) {
    super(message);
    this.name = 'KeystoreError';
  }
}

/**
 * Reads a keystore or DER file. Without a password a JKS gives its trusted certificates (unverified) and a
 * PKCS#12 is tried with the empty password.
 * @throws KeystoreError
 * @example readKeystore(readFileSync('truststore.jks'), 'jks', 'changeit').entries[0]?.certificates
 */
export function readKeystore(bytes: Buffer, format: CertFileFormat, password?: string): KeystoreContent {
  switch (format) {
    case 'der-certificate':
      return single(format, { alias: 'certificate', certificates: [new X509Certificate(bytes).toString()] });
    case 'der-key':
      return single(format, { alias: 'key', certificates: [], key: pkcs8Pem(bytes) });
    case 'der-encrypted-key':
      return single(format, { alias: 'key', certificates: [], key: armor('ENCRYPTED PRIVATE KEY', bytes) });
    case 'jks':
      return readJks(bytes, password);
    case 'pkcs12':
      return readPkcs12(bytes, password ?? '');
    default:
      throw new KeystoreError(`${format} is not read by jks-js or node-forge`, 'unsupported');
  }
}

const single = (format: CertFileFormat, entry: KeystoreEntry): KeystoreContent => ({
  format,
  entries: [entry],
  verified: true,
});

/** Base64 PEM armor, 64 characters a line. */
function armor(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** An unencrypted PKCS#8 DER (any algorithm) as PEM, re-encoded by node:crypto. */
function pkcs8Pem(der: Buffer): string {
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' })
    .export({ type: 'pkcs8', format: 'pem' })
    .toString();
}

function readJks(bytes: Buffer, password: string | undefined): KeystoreContent {
  let parsed: ReturnType<typeof parseJks>;
  try {
    parsed = parseJks(bytes, password as string);
  } catch (e) {
    const message = (e as Error).message;
    const reason = /password/i.test(message) ? 'password' : 'unsupported';
    throw new KeystoreError(
      reason === 'password' ? 'the password does not open the JKS keystore' : message,
      reason,
    );
  }
  const entries = parsed.map((entry): KeystoreEntry => {
    if ('cert' in entry)
      return { alias: entry.alias, certificates: [armor('CERTIFICATE', entry.cert.value)] };
    if (!password) {
      throw new KeystoreError(
        `the JKS keystore holds the private key of ${entry.alias}, which needs the password`,
        'password',
      );
    }
    let key: string;
    try {
      key = decryptJksKey(entry.protectedPrivateKey, password);
    } catch {
      throw new KeystoreError(
        `the password does not decrypt the key of ${entry.alias} (a key password other than the store password?)`,
        'password',
      );
    }
    return {
      alias: entry.alias,
      certificates: entry.chain.map((c) => armor('CERTIFICATE', c.value)),
      key: createPrivateKey(key).export({ type: 'pkcs8', format: 'pem' }).toString(),
    };
  });
  return { format: 'jks', entries, verified: password !== undefined && password !== '' };
}

function readPkcs12(bytes: Buffer, password: string): KeystoreContent {
  let p12: forge.pkcs12.Pkcs12Pfx;
  try {
    p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(bytes.toString('binary'), false), false, password);
  } catch (e) {
    const message = (e as Error).message;
    const wrongPassword = /MAC could not be verified|Invalid password|decrypt/i.test(message);
    throw new KeystoreError(
      wrongPassword ? `the password does not open the PKCS#12 keystore (${message})` : message,
      wrongPassword ? 'password' : 'unsupported',
    );
  }
  const bags = p12.safeContents.flatMap((s) => s.safeBags);
  const certs = bags.filter((b) => b.type === forge.pki.oids.certBag).map(certPemOf);
  const keys = bags.filter(
    (b) => b.type === forge.pki.oids.pkcs8ShroudedKeyBag || b.type === forge.pki.oids.keyBag,
  );
  const used = new Set<string>();
  const entries: KeystoreEntry[] = keys.map((bag, i) => {
    const key = keyPemOf(bag);
    const chain = chainFor(
      key,
      certs.map((c) => c.pem),
    );
    for (const pem of chain) used.add(pem);
    return { alias: aliasOf(bag, `key-${i + 1}`), certificates: chain, key };
  });
  const trusted = certs.filter((c) => !used.has(c.pem));
  for (const c of trusted) entries.push({ alias: c.alias, certificates: [c.pem] });
  return { format: 'pkcs12', entries, verified: true };
}

function aliasOf(bag: forge.pkcs12.Bag, fallback: string): string {
  const names = bag.attributes?.friendlyName as string[] | undefined;
  return names?.[0] ?? fallback;
}

function certPemOf(bag: forge.pkcs12.Bag, i: number): { alias: string; pem: string } {
  const asn1 = bag.cert ? forge.pki.certificateToAsn1(bag.cert) : bag.asn1;
  const der = Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
  return { alias: aliasOf(bag, `certificate-${i + 1}`), pem: new X509Certificate(der).toString() };
}

/** The key of a key bag as PKCS#8 PEM (node-forge decrypted it; node:crypto re-encodes any algorithm). */
function keyPemOf(bag: forge.pkcs12.Bag): string {
  const info = bag.key
    ? forge.pki.wrapRsaPrivateKey(forge.pki.privateKeyToAsn1(bag.key))
    : (bag.asn1 as forge.asn1.Asn1);
  return pkcs8Pem(Buffer.from(forge.asn1.toDer(info).getBytes(), 'binary'));
}

/** The chain of a key: the certificate with its public key, then each issuer found among `pems`. */
export function chainFor(keyPem: string, pems: readonly string[]): string[] {
  const spki = (k: KeyObject) => k.export({ type: 'spki', format: 'der' });
  const publicKey = spki(createPublicKey(keyPem));
  const certs = pems.map((pem) => ({ pem, x: new X509Certificate(pem) }));
  let current = certs.find((c) => spki(c.x.publicKey).equals(publicKey));
  const chain: string[] = [];
  while (current && !chain.includes(current.pem)) {
    chain.push(current.pem);
    const child = current.x;
    if (child.subject === child.issuer) break;
    current = certs.find((c) => child.checkIssued(c.x) && child.verify(c.x.publicKey));
  }
  return chain;
}
