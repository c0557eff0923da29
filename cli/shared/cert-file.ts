/**
 * Reads a certificate or key file wherever the CLI takes one (preflight, check, secret build, truststore
 * upload). PEM is read as text. A keystore or DER file is recognized by its bytes and read as far as it goes
 * without a password (DER always, a JKS's trusted certificates, a PKCS#12 with an empty password): the
 * material then holds the PEM it converts to — so sizes count the PEM a secret would store — and says what
 * the file is and the `truststore convert` command that makes the PEM file.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { NotPem, PemInput } from '../preflight/engine.js';
import {
  type ConvertRole,
  convertCommand,
  detectCertFormat,
  FORMAT_NAMES,
  isConvertible,
} from '../truststore/formats.js';
import { type KeystoreContent, readKeystore } from '../truststore/keystore.js';
import { usageError } from './output.js';

/** What the file is read for: CA certificates, a client chain (leaf first) or a client key. */
export type CertFilePart = 'certificates' | 'client-chain' | 'client-key';

/** How a file is named in messages and what reads it. */
export interface CertFileRef {
  /** The flag or source-file field naming the file, e.g. `--ca`, `poller.truststore.file`. */
  readonly field: string;
  readonly path: string;
  readonly part: CertFilePart;
  /** The source file names it: what deploys reads it as it is (so it must be PEM). */
  readonly deployed?: boolean;
  /** Keystore password (secret build's --password). */
  readonly password?: string;
}

/**
 * Reads a certificate file; a missing file is a usage error naming the field.
 * @example readCertFile({ field: '--ca', path: 'truststore.jks', part: 'certificates' }).notPem?.convert
 */
export function readCertFile(ref: CertFileRef): PemInput {
  if (!existsSync(ref.path)) {
    throw usageError(
      ref.field,
      ref.field,
      `file ${ref.path} does not exist`,
      `pass the path of a readable PEM file to ${ref.field}`,
    );
  }
  const bytes = readFileSync(ref.path);
  const origin = `file:${ref.path}`;
  const format = detectCertFormat(bytes);
  if (!isConvertible(format)) return { text: bytes.toString('utf8'), origin };
  const role: ConvertRole = ref.part === 'certificates' ? 'certificates' : 'client';
  const notPem: Omit<NotPem, 'readable'> = {
    field: ref.field,
    format: FORMAT_NAMES[format],
    convert: convertCommand(ref.path, role),
    deployed: ref.deployed ?? false,
  };
  let content: KeystoreContent;
  try {
    content = readKeystore(bytes, format, ref.password);
  } catch (e) {
    return { text: '', origin, notPem: { ...notPem, readable: false, reason: (e as Error).message } };
  }
  const text = pemOf(content, ref.part);
  return text === ''
    ? { text, origin, notPem: { ...notPem, readable: false, reason: `it holds no ${partName(ref.part)}` } }
    : { text, origin, notPem: { ...notPem, readable: true } };
}

const partName = (part: CertFilePart) => (part === 'client-key' ? 'private key' : 'certificate');

/** The PEM of the part: every certificate, the chain of the key entry, or its key. */
function pemOf(content: KeystoreContent, part: CertFilePart): string {
  const keyed = content.entries.find((e) => e.key !== undefined);
  if (part === 'client-key') return keyed?.key ?? '';
  const pems =
    part === 'client-chain' && keyed ? keyed.certificates : content.entries.flatMap((e) => e.certificates);
  return [...new Set(pems)].join('');
}
