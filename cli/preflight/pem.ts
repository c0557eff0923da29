/**
 * PEM and DER helpers for the preflight: split PEM bundles, parse X.509 certificates with node:crypto and
 * read just enough ASN.1 of an `ENCRYPTED PRIVATE KEY` to tell PBES1 from PBES2 (Pipes rejects PBES2).
 * Pure functions, no I/O.
 */
import { X509Certificate } from 'node:crypto';

/** One PEM block: its label (`CERTIFICATE`, `PRIVATE KEY`, …), the headers and the decoded body. */
export interface PemBlock {
  readonly label: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly der: Buffer;
  /** The block's text, from BEGIN to END line. */
  readonly text: string;
}

const PEM_BLOCK_RE = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

/**
 * Splits a PEM bundle into its blocks (text outside blocks is ignored, as OpenSSL does).
 *
 * @example splitPem(fs.readFileSync('chain.pem', 'utf8')).map((b) => b.label) // ['CERTIFICATE', 'CERTIFICATE']
 */
export function splitPem(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const m of text.matchAll(PEM_BLOCK_RE)) {
    const label = m[1] ?? '';
    const body = m[2] ?? '';
    const headers: Record<string, string> = {};
    const base64Lines: string[] = [];
    for (const line of body.split(/\r?\n/)) {
      const h = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (h?.[1] && h[2] !== undefined) headers[h[1]] = h[2];
      else if (line.trim() !== '') base64Lines.push(line.trim());
    }
    blocks.push({ label, headers, der: Buffer.from(base64Lines.join(''), 'base64'), text: m[0] });
  }
  return blocks;
}

/** What a PEM text carries besides its blocks: CRLF line ends and bytes outside the blocks. */
export interface PemTextFindings {
  /** Lines ending in CRLF. */
  readonly crlfLines: number;
  /** Bytes outside the BEGIN/END blocks that are not whitespace (OpenSSL ignores them; a secret stores them). */
  readonly junkBytes: number;
  /** The first of those bytes, printable, for the message. */
  readonly junkSample: string;
}

/** Finds CRLF line ends and non-whitespace bytes outside the PEM blocks. */
export function pemTextFindings(text: string): PemTextFindings {
  const crlfLines = text.split('\r\n').length - 1;
  const outside = text.replace(PEM_BLOCK_RE, '').replace(/\s+/g, '');
  const sample = outside.slice(0, 24).replace(/[^\x20-\x7e]/g, '?');
  return {
    crlfLines,
    junkBytes: Buffer.byteLength(outside, 'utf8'),
    junkSample: outside.length > 24 ? `${sample}…` : sample,
  };
}

/** The text of the PEM blocks only, LF line ends, one newline after each block (what a secret should hold). */
export function cleanPem(text: string): string {
  return splitPem(text)
    .map((b) => `${b.text.replace(/\r\n/g, '\n')}\n`)
    .join('');
}

/** A parsed certificate with the fields the preflight reports on. */
export interface CertInfo {
  readonly cert: X509Certificate;
  readonly subject: string;
  readonly issuer: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** True when subject = issuer and the certificate verifies with its own key. */
  readonly selfSigned: boolean;
  readonly isCa: boolean;
  /** DNS names and IP addresses of the subjectAltName extension. */
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly fingerprint256: string;
}

/** Short one-line name of a certificate for messages: its CN, or the whole subject. */
export function certName(info: Pick<CertInfo, 'subject'>): string {
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(info.subject);
  return cn?.[1] ? `CN=${cn[1]}` : info.subject.replace(/\n/g, ', ');
}

/** Parses one DER/PEM certificate (throws the node:crypto error when it is not one). */
export function parseCert(input: Buffer | string): CertInfo {
  const cert = new X509Certificate(input);
  const san = cert.subjectAltName ?? '';
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  for (const part of san.split(/,\s*/)) {
    if (part.startsWith('DNS:')) dnsNames.push(part.slice(4));
    else if (part.startsWith('IP Address:')) ipAddresses.push(part.slice(11));
  }
  let selfSigned = false;
  if (cert.subject === cert.issuer) {
    try {
      selfSigned = cert.verify(cert.publicKey);
    } catch {
      selfSigned = false;
    }
  }
  return {
    cert,
    subject: cert.subject,
    issuer: cert.issuer,
    notBefore: new Date(cert.validFrom),
    notAfter: new Date(cert.validTo),
    selfSigned,
    isCa: cert.ca,
    dnsNames,
    ipAddresses,
    fingerprint256: cert.fingerprint256,
  };
}

/** Result of parsing a bundle: the certificates and any block that was not a valid certificate. */
export interface CertBundle {
  readonly certs: CertInfo[];
  readonly errors: string[];
}

/** Parses every CERTIFICATE block of a PEM bundle, in file order. */
export function parseCertBundle(text: string): CertBundle {
  const certs: CertInfo[] = [];
  const errors: string[] = [];
  splitPem(text).forEach((block, i) => {
    if (block.label !== 'CERTIFICATE') return;
    try {
      certs.push(parseCert(block.der));
    } catch (e) {
      errors.push(`block ${i + 1} is not a valid certificate (${(e as Error).message})`);
    }
  });
  return { certs, errors };
}

/** Whether `child` is issued and signed by `parent`. */
export function isSignedBy(child: CertInfo, parent: CertInfo): boolean {
  try {
    return child.cert.checkIssued(parent.cert) && child.cert.verify(parent.cert.publicKey);
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Minimal DER reader (tag, length, value) — enough for AlgorithmIdentifier.

interface Tlv {
  readonly tag: number;
  readonly value: Buffer;
  /** Offset just past this element. */
  readonly end: number;
}

function readTlv(buf: Buffer, offset: number): Tlv {
  if (offset + 2 > buf.length) throw new Error('truncated DER');
  const tag = buf[offset] as number;
  let len = buf[offset + 1] as number;
  let pos = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || pos + n > buf.length) throw new Error('unsupported DER length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[pos + i] as number);
    pos += n;
  }
  if (pos + len > buf.length) throw new Error('truncated DER');
  return { tag, value: buf.subarray(pos, pos + len), end: pos + len };
}

/** Decodes a DER OBJECT IDENTIFIER value (without tag/length) to dotted form. */
export function decodeOid(value: Buffer): string {
  if (value.length === 0) throw new Error('empty OID');
  const first = value[0] as number;
  const parts: number[] = [first < 80 ? Math.floor(first / 40) : 2, first < 80 ? first % 40 : first - 80];
  let acc = 0;
  for (let i = 1; i < value.length; i++) {
    const b = value[i] as number;
    acc = acc * 128 + (b & 0x7f);
    if (!(b & 0x80)) {
      parts.push(acc);
      acc = 0;
    }
  }
  return parts.join('.');
}

const TAG_SEQUENCE = 0x30;
const TAG_OID = 0x06;

/** Reads an AlgorithmIdentifier SEQUENCE { OID, params } and returns the OID and the params element. */
function readAlgorithmIdentifier(seq: Tlv): { oid: string; params?: Tlv } {
  if (seq.tag !== TAG_SEQUENCE) throw new Error('AlgorithmIdentifier is not a SEQUENCE');
  const oid = readTlv(seq.value, 0);
  if (oid.tag !== TAG_OID) throw new Error('AlgorithmIdentifier does not start with an OID');
  const params = oid.end < seq.value.length ? readTlv(seq.value, oid.end) : undefined;
  return { oid: decodeOid(oid.value), ...(params ? { params } : {}) };
}

/** PKCS#5 v2 (RFC 8018) PBES2 — rejected by EventBridge Pipes. */
export const OID_PBES2 = '1.2.840.113549.1.5.13';

/** Readable names of the password-based encryption OIDs that appear in PKCS#8 keys. */
export const PBE_ALGORITHMS: Readonly<Record<string, string>> = {
  '1.2.840.113549.1.5.1': 'pbeWithMD2AndDES-CBC',
  '1.2.840.113549.1.5.3': 'pbeWithMD5AndDES-CBC',
  '1.2.840.113549.1.5.4': 'pbeWithMD2AndRC2-CBC',
  '1.2.840.113549.1.5.6': 'pbeWithMD5AndRC2-CBC',
  '1.2.840.113549.1.5.10': 'pbeWithSHA1AndDES-CBC',
  '1.2.840.113549.1.5.11': 'pbeWithSHA1AndRC2-CBC',
  '1.2.840.113549.1.12.1.1': 'pbeWithSHAAnd128BitRC4',
  '1.2.840.113549.1.12.1.2': 'pbeWithSHAAnd40BitRC4',
  '1.2.840.113549.1.12.1.3': 'pbeWithSHAAnd3-KeyTripleDES-CBC',
  '1.2.840.113549.1.12.1.4': 'pbeWithSHAAnd2-KeyTripleDES-CBC',
  '1.2.840.113549.1.12.1.5': 'pbeWithSHAAnd128BitRC2-CBC',
  '1.2.840.113549.1.12.1.6': 'pbeWithSHAAnd40BitRC2-CBC',
  [OID_PBES2]: 'PBES2',
};

const CIPHERS: Readonly<Record<string, string>> = {
  '2.16.840.1.101.3.4.1.2': 'aes-128-cbc',
  '2.16.840.1.101.3.4.1.22': 'aes-192-cbc',
  '2.16.840.1.101.3.4.1.42': 'aes-256-cbc',
  '1.2.840.113549.3.7': 'des-ede3-cbc',
  '1.3.14.3.2.7': 'des-cbc',
  '1.2.840.113549.3.2': 'rc2-cbc',
};

/** The encryption scheme of a PKCS#8 `ENCRYPTED PRIVATE KEY`. */
export interface KeyEncryption {
  readonly scheme: 'PBES1' | 'PBES2' | 'unknown';
  /** Dotted OID of the outer algorithm. */
  readonly oid: string;
  /** Readable algorithm, e.g. `PBES2 (aes-256-cbc)` or `pbeWithSHAAnd3-KeyTripleDES-CBC`. */
  readonly algorithm: string;
}

/**
 * Reads the algorithm of an EncryptedPrivateKeyInfo (RFC 5208) DER: `SEQUENCE { AlgorithmIdentifier, OCTET
 * STRING }`. OID 1.2.840.113549.1.5.13 is PBES2; the PKCS#5 v1.5 and PKCS#12 PBE OIDs are PBES1.
 */
export function detectKeyEncryption(der: Buffer): KeyEncryption {
  const outer = readTlv(der, 0);
  if (outer.tag !== TAG_SEQUENCE) throw new Error('EncryptedPrivateKeyInfo is not a SEQUENCE');
  const alg = readAlgorithmIdentifier(readTlv(outer.value, 0));
  if (alg.oid === OID_PBES2) {
    let cipher = 'unknown cipher';
    try {
      // PBES2-params ::= SEQUENCE { keyDerivationFunc AlgorithmIdentifier, encryptionScheme AlgorithmIdentifier }
      if (alg.params) {
        const kdf = readTlv(alg.params.value, 0);
        const enc = readAlgorithmIdentifier(readTlv(alg.params.value, kdf.end));
        cipher = CIPHERS[enc.oid] ?? enc.oid;
      }
    } catch {
      // keep 'unknown cipher': the scheme alone decides
    }
    return { scheme: 'PBES2', oid: alg.oid, algorithm: `PBES2 (${cipher})` };
  }
  const name = PBE_ALGORITHMS[alg.oid];
  return name
    ? { scheme: 'PBES1', oid: alg.oid, algorithm: name }
    : { scheme: 'unknown', oid: alg.oid, algorithm: alg.oid };
}
