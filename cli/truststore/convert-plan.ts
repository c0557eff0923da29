/**
 * `kafka-pipes truststore convert` without I/O: from what a keystore holds, the PEM to write — a trust
 * bundle (every certificate) or, for a keystore with a private key, the client chain leaf → root and the
 * PKCS#8 key (optionally re-encrypted with PBES1, the scheme EventBridge Pipes accepts) — or the issues
 * that stop the conversion.
 */
import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import type { ConfigIssue } from '../../core/errors.js';
import { FORMAT_NAMES } from './formats.js';
import type { KeystoreContent, KeystoreEntry } from './keystore.js';

/** Flags that shape the output. */
export interface ConvertOptions {
  readonly file: string;
  readonly alias?: string;
  readonly keyOut?: string;
  /** Encrypt the written key with PBES1 (pbeWithSHAAnd3-KeyTripleDES-CBC) under this password. */
  readonly keyPassword?: string;
}

/** What to write. */
export interface ConvertPlan {
  /** `trust bundle`: certificates only; `client`: a key entry's chain and key. */
  readonly kind: 'trust bundle' | 'client';
  readonly alias?: string;
  /** PEM certificates (leaf first for a client chain). */
  readonly certificates: string;
  readonly certificateNames: readonly string[];
  /** PKCS#8 PEM key, for `client`. */
  readonly key?: string;
  readonly keyEncrypted: boolean;
}

/**
 * Plans the conversion.
 * @example planConvert(readKeystore(bytes, 'pkcs12', 'pw'), { file: 'client.p12', keyOut: 'key.pem' })
 */
export function planConvert(
  content: KeystoreContent,
  opts: ConvertOptions,
): ConvertPlan | { issue: ConfigIssue } {
  const keyed = content.entries.filter((e) => e.key !== undefined && e.certificates.length > 0);
  if (keyed.length === 0 && content.entries.every((e) => e.key === undefined)) {
    const pems = unique(content.entries.flatMap((e) => e.certificates));
    if (pems.length === 0)
      return issue(opts.file, 'the file holds no certificate', 'export the certificates again');
    return { kind: 'trust bundle', ...certs(pems), keyEncrypted: false };
  }
  const entry = pickEntry(content, keyed, opts);
  if ('issue' in entry) return entry;
  if (!opts.keyOut) {
    return issue(
      opts.file,
      `${FORMAT_NAMES[content.format]} holds the private key of ${entry.alias}`,
      `pass --key-out <key.pem> to write the key (PKCS#8) next to the chain; the mTLS secret needs both (kafka-pipes secret build)`,
    );
  }
  const key = entry.key as string;
  return {
    kind: 'client',
    alias: entry.alias,
    ...certs(entry.certificates),
    key: opts.keyPassword ? pbes1(key, opts.keyPassword) : key,
    keyEncrypted: opts.keyPassword !== undefined && opts.keyPassword !== '',
  };
}

const issue = (file: string, message: string, fix: string) => ({
  issue: { file, field: '<file>', message, fix },
});

const unique = (pems: readonly string[]) => [...new Set(pems)];

function certs(pems: readonly string[]): { certificates: string; certificateNames: string[] } {
  const names = pems.map((pem) => {
    const cn = /(?:^|\n)CN=([^\n]+)/.exec(new X509Certificate(pem).subject);
    return cn?.[1] ? `CN=${cn[1]}` : new X509Certificate(pem).subject.replace(/\n/g, ', ');
  });
  return {
    certificates: pems.map((p) => (p.endsWith('\n') ? p : `${p}\n`)).join(''),
    certificateNames: names,
  };
}

function pickEntry(
  content: KeystoreContent,
  keyed: readonly KeystoreEntry[],
  opts: ConvertOptions,
): KeystoreEntry | { issue: ConfigIssue } {
  const aliases = keyed.map((e) => e.alias).join(', ');
  if (opts.alias !== undefined) {
    const found = keyed.find((e) => e.alias === opts.alias);
    return (
      found ?? {
        issue: {
          file: '--alias',
          field: 'alias',
          message: `no key entry ${opts.alias} in ${opts.file}`,
          fix: `pass one of: ${aliases}`,
        },
      }
    );
  }
  if (keyed.length === 1) return keyed[0] as KeystoreEntry;
  if (keyed.length === 0) {
    return issue(
      opts.file,
      `${FORMAT_NAMES[content.format]} holds a private key without its certificate`,
      'export the key together with its certificate chain',
    );
  }
  return {
    issue: {
      file: '--alias',
      field: 'alias',
      message: `${opts.file} holds ${keyed.length} key entries: ${aliases}`,
      fix: 'pass --alias <alias> to pick the client certificate',
    },
  };
}

/** Re-encrypts a PKCS#8 PEM key with PBES1 (pbeWithSHAAnd3-KeyTripleDES-CBC). */
function pbes1(keyPem: string, password: string): string {
  const info = forge.asn1.fromDer(forge.pem.decode(keyPem)[0]?.body ?? '');
  const encrypted = forge.pki.encryptPrivateKeyInfo(info, password, { algorithm: '3des' });
  return forge.pki.encryptedPrivateKeyToPem(encrypted);
}
