/**
 * Tells the certificate file formats operators hold apart (pure): PEM, a Java keystore (JKS or JCEKS), a
 * PKCS#12 keystore, a DER certificate and a DER PKCS#8 key — by their bytes, not their file name — and
 * names the `truststore convert` command that turns one into the PEM a secret or the poller needs.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import forge from 'node-forge';

/** The formats a certificate file may come in. `unknown`: not recognized; read as text. */
export type CertFileFormat =
  | 'pem'
  | 'jks'
  | 'jceks'
  | 'pkcs12'
  | 'der-certificate'
  | 'der-key'
  | 'der-encrypted-key'
  | 'unknown';

/** How messages name each format. */
export const FORMAT_NAMES: Readonly<Record<CertFileFormat, string>> = {
  pem: 'PEM',
  jks: 'a Java keystore (JKS)',
  jceks: 'a Java keystore (JCEKS)',
  pkcs12: 'a PKCS#12 keystore',
  'der-certificate': 'a DER (binary) X.509 certificate',
  'der-key': 'a DER (binary) PKCS#8 private key',
  'der-encrypted-key': 'a DER (binary) encrypted PKCS#8 private key',
  unknown: 'not a recognized certificate format',
};

/** The magic numbers of the Java keystore formats (big-endian, first 4 bytes). */
const JKS_MAGIC = 0xfeedfeed;
const JCEKS_MAGIC = 0xcececece;
const TAG_SEQUENCE = 0x30;

/**
 * Detects the format of a certificate file from its bytes.
 * @example detectCertFormat(readFileSync('truststore.jks')) // 'jks'
 */
export function detectCertFormat(bytes: Buffer): CertFileFormat {
  if (bytes.includes('-----BEGIN ')) return 'pem';
  const magic = bytes.length >= 4 ? bytes.readUInt32BE(0) : 0;
  if (magic === JKS_MAGIC) return 'jks';
  if (magic === JCEKS_MAGIC) return 'jceks';
  if (bytes[0] !== TAG_SEQUENCE) return 'unknown';
  if (isPfx(bytes)) return 'pkcs12';
  if (parses(() => new X509Certificate(bytes))) return 'der-certificate';
  if (parses(() => createPrivateKey({ key: bytes, format: 'der', type: 'pkcs8' }))) return 'der-key';
  return isEncryptedPrivateKeyInfo(bytes) ? 'der-encrypted-key' : 'unknown';
}

/** Whether the format is one this CLI converts (a keystore or DER), as opposed to PEM or unknown text. */
export function isConvertible(format: CertFileFormat): boolean {
  return format !== 'pem' && format !== 'unknown';
}

const parses = (fn: () => unknown): boolean => {
  try {
    fn();
    return true;
  } catch {
    return false;
  }
};

/** The top-level ASN.1 elements of a DER SEQUENCE, or undefined when it is not one. */
function sequenceOf(bytes: Buffer): forge.asn1.Asn1[] | undefined {
  try {
    const node = forge.asn1.fromDer(bytes.toString('binary'), false);
    return Array.isArray(node.value) ? (node.value as forge.asn1.Asn1[]) : undefined;
  } catch {
    return undefined;
  }
}

/** PFX (RFC 7292): SEQUENCE { version INTEGER 3, authSafe ContentInfo, macData? }. */
function isPfx(bytes: Buffer): boolean {
  const [version, authSafe] = sequenceOf(bytes) ?? [];
  return (
    version?.type === forge.asn1.Type.INTEGER &&
    version.value === '\u0003' &&
    authSafe?.type === forge.asn1.Type.SEQUENCE
  );
}

/** EncryptedPrivateKeyInfo (RFC 5208): SEQUENCE { AlgorithmIdentifier SEQUENCE, OCTET STRING }. */
function isEncryptedPrivateKeyInfo(bytes: Buffer): boolean {
  const parts = sequenceOf(bytes);
  return (
    parts?.length === 2 &&
    parts[0]?.type === forge.asn1.Type.SEQUENCE &&
    parts[1]?.type === forge.asn1.Type.OCTETSTRING
  );
}

/** What a converted file is for: a trust bundle (certificates) or a client certificate and its key. */
export type ConvertRole = 'certificates' | 'client';

/**
 * The `truststore convert` command for a file, with output names next to it (`ca.jks` → `ca.pem`; a
 * client keystore also gets `--key-out <name>-key.pem`).
 */
export function convertCommand(file: string, role: ConvertRole): string {
  const base = file.replace(/\.(jks|jceks|p12|pfx|der|cer|crt|key|keystore|truststore|bin)$/i, '');
  const pem = base === file ? `${file}.pem` : `${base}.pem`;
  return role === 'client'
    ? `kafka-pipes truststore convert ${file} --out ${pem} --key-out ${base}-key.pem`
    : `kafka-pipes truststore convert ${file} --out ${pem}`;
}
