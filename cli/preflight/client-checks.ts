/**
 * Preflight checks of the client certificate material (auth types whose secret holds one): the chain and its dates, the private key's
 * format and encryption (Pipes takes only PKCS#8, unencrypted or PBES1), its password, that it belongs to
 * the leaf certificate, and the size of the secret. Pure.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { PBES1_COMMAND } from '../../pipes/source-rules.js';
import {
  chainOrderCheck,
  expiryChecks,
  pemTextChecks,
  type SecretSubject,
  sizeCheck,
} from './cert-checks.js';
import { type Origin, type PreflightCheck, type PreflightMaterial, unreadable } from './engine.js';
import {
  type CertInfo,
  certName,
  detectKeyEncryption,
  type PemBlock,
  parseCertBundle,
  splitPem,
} from './pem.js';

/** Checks the client certificate chain, key and secret size of a source with auth type `authType`. */
export function checkClientMaterial(m: PreflightMaterial, now: Date, authType: string): PreflightCheck[] {
  const checks: PreflightCheck[] = [];
  let leaf: CertInfo | undefined;
  if (!m.clientCertificate) {
    checks.push({
      id: 'client-chain',
      status: 'fail',
      message: `auth type ${authType} needs a client certificate chain and none was found`,
      fix: 'store {certificate, privateKey[, privateKeyPassword]} in the auth.secret, or pass --cert and --key',
    });
  } else if (!unreadable(m.clientCertificate)) {
    const bundle = parseCertBundle(m.clientCertificate.text);
    // The key belongs to the leaf wherever it stands: a reversed chain is an order failure, not a key mismatch.
    leaf = bundle.certs.find((c) => !c.isCa) ?? bundle.certs[0];
    checks.push(chainOrderCheck('client-chain', m.clientCertificate.origin, bundle.certs, bundle.errors));
    checks.push(...expiryChecks('client-expiry', m.clientCertificate.origin, bundle.certs, now, 'all'));
    checks.push(...pemTextChecks('client-pem-text', m.clientCertificate.origin, m.clientCertificate.text));
  }
  if (m.clientKey && m.clientKey.origin !== m.clientCertificate?.origin) {
    checks.push(...pemTextChecks('client-pem-text', m.clientKey.origin, m.clientKey.text));
  }
  const key = checkKey(m, authType);
  checks.push(...key.checks);
  if (leaf && key.key) checks.push(keyMatchCheck(leaf, key.key, m));
  if (m.clientCertificate && m.clientKey && !unreadable(m.clientCertificate) && !unreadable(m.clientKey)) {
    const secret =
      m.clientSecretString ??
      JSON.stringify({
        certificate: m.clientCertificate.text,
        privateKey: m.clientKey.text,
        ...(m.clientKeyPassword !== undefined ? { privateKeyPassword: m.clientKeyPassword } : {}),
      });
    const from =
      m.clientSecretString !== undefined
        ? {}
        : {
            from:
              m.clientCertificate.origin === m.clientKey.origin
                ? m.clientCertificate.origin
                : `${m.clientCertificate.origin} and ${m.clientKey.origin}`,
          };
    checks.push(clientSecretSizeCheck({ what: 'client certificate secret', ...from }, secret));
  }
  return checks;
}

/**
 * The fix for a client certificate secret over 65,536 bytes. Secrets Manager stores no larger secret and
 * both engines read the client certificate from one (Pipes `ClientCertificateTlsAuth`, the poller's
 * `auth.secret`), so no engine can take it: the chain must shrink. The broker verifies the client chain
 * against its own truststore, so the secret needs the leaf and only the intermediates the broker does not
 * already trust, never the root; the broker's CA bundle goes to the root CA secret or the poller's
 * truststore bucket, not here.
 */
export const CLIENT_SECRET_TOO_LARGE_FIX =
  'keep in certificate only the client leaf and the intermediates the broker does not already trust (drop the root and other chains); ' +
  'the CAs that sign the broker certificates belong in rootCaSecret, or for a bundle over 65,536 bytes in the poller truststore bucket ' +
  '(kafka-pipes truststore upload <source> <file>), never in the client secret';

/** The client secret's size: over the limit it is a failure for both engines (no requiresPoller). */
function clientSecretSizeCheck(subject: SecretSubject, secret: string): PreflightCheck {
  const check = sizeCheck('client-secret-size', subject, secret);
  if (check.status === 'pass') return check;
  return {
    id: check.id,
    status: 'fail',
    message: `${check.message}; Secrets Manager stores no larger secret, and both a Pipe and the poller read the client certificate from one`,
    fix: CLIENT_SECRET_TOO_LARGE_FIX,
  };
}

interface KeyResult {
  readonly checks: PreflightCheck[];
  /** The key, when it could be read (decrypted). */
  readonly key?: KeyObject;
}

const PBES1_FIX = `to stay on a Pipe re-encrypt with PBES1: ${PBES1_COMMAND}`;

/** Format, encryption and password of the client key; the key itself when it can be read. */
function checkKey(m: PreflightMaterial, authType: string): KeyResult {
  if (!m.clientKey) {
    return {
      checks: [
        {
          id: 'client-key-format',
          status: 'fail',
          message: `auth type ${authType} needs a client private key and none was found`,
          fix: 'store privateKey (PKCS#8 PEM) in the auth.secret, or pass --key',
        },
      ],
    };
  }
  if (unreadable(m.clientKey)) return { checks: [] };
  const origin = m.clientKey.origin;
  const block = splitPem(m.clientKey.text).find((b) => b.label.endsWith('PRIVATE KEY'));
  if (!block) {
    return {
      checks: [
        {
          id: 'client-key-format',
          status: 'fail',
          message: `${origin}: no PRIVATE KEY block found`,
          fix: 'provide the key as PEM (-----BEGIN PRIVATE KEY----- or -----BEGIN ENCRYPTED PRIVATE KEY-----)',
        },
      ],
    };
  }
  const password = m.clientKeyPassword;
  const format = keyFormat(block, origin, password);
  if (format.encrypted && !password) {
    const missing: PreflightCheck = {
      id: 'client-key-password',
      status: 'fail',
      message: `${origin}: the key is encrypted but no privateKeyPassword was given`,
      fix: 'add privateKeyPassword to the secret, or pass --key-password',
    };
    return { checks: [...format.checks, missing] };
  }
  const read = readKey(m.clientKey.text, origin, format.encrypted ? password : undefined);
  return { checks: [...format.checks, ...read.checks], ...(read.key ? { key: read.key } : {}) };
}

/** The format checks of a key block and whether it is encrypted. */
function keyFormat(
  block: PemBlock,
  origin: Origin,
  password: string | undefined,
): { checks: PreflightCheck[]; encrypted: boolean } {
  if (block.label === 'PRIVATE KEY') {
    const checks: PreflightCheck[] = [
      { id: 'client-key-format', status: 'pass', message: `${origin}: PKCS#8, not encrypted` },
    ];
    if (password) {
      checks.push({
        id: 'client-key-password',
        status: 'warn',
        message: `${origin}: privateKeyPassword is set but the key is not encrypted`,
        fix: 'remove privateKeyPassword from the secret, or store the encrypted key',
      });
    }
    return { checks, encrypted: false };
  }
  if (block.label === 'ENCRYPTED PRIVATE KEY')
    return { checks: encryptedPkcs8(block, origin), encrypted: true };
  const legacy = block.headers['Proc-Type']?.includes('ENCRYPTED') ?? false;
  const check: PreflightCheck = {
    id: 'client-key-format',
    status: 'warn',
    message: `${origin}: ${block.label} is not PKCS#8${legacy ? ' (legacy OpenSSL encryption)' : ''}`,
    fix: `to stay on a Pipe convert it: openssl pkcs8 -topk8 ${legacy ? '-v1 PBE-SHA1-3DES' : '-nocrypt'} -in key.pem -out key-pkcs8.pem`,
    requiresPoller: `the client key is ${block.label} (not PKCS#8) and Pipes needs PKCS#8`,
  };
  return { checks: [check], encrypted: legacy };
}

/** An `ENCRYPTED PRIVATE KEY`: PBES2 needs the poller, PBES1 fits a Pipe. */
function encryptedPkcs8(block: PemBlock, origin: Origin): PreflightCheck[] {
  let enc: ReturnType<typeof detectKeyEncryption>;
  try {
    enc = detectKeyEncryption(block.der);
  } catch (e) {
    return [
      {
        id: 'client-key-format',
        status: 'fail',
        message: `${origin}: ENCRYPTED PRIVATE KEY is not valid ASN.1 (${(e as Error).message})`,
        fix: `export the key again: ${PBES1_COMMAND}`,
      },
    ];
  }
  if (enc.scheme === 'PBES2') {
    return [
      {
        id: 'client-key-format',
        status: 'warn',
        message: `${origin}: PKCS#8 encrypted with ${enc.algorithm}, which EventBridge Pipes rejects`,
        fix: PBES1_FIX,
        requiresPoller: `the client key is PBES2-encrypted (${enc.algorithm}) and Pipes accepts only PBES1`,
      },
    ];
  }
  if (enc.scheme === 'PBES1') {
    const message = `${origin}: PKCS#8 encrypted with PBES1 (${enc.algorithm})`;
    return [{ id: 'client-key-format', status: 'pass', message }];
  }
  return [
    {
      id: 'client-key-format',
      status: 'warn',
      message: `${origin}: PKCS#8 encrypted with an unknown algorithm (OID ${enc.oid})`,
      fix: PBES1_FIX,
    },
  ];
}

/** Reads (and with a password decrypts) the key. */
function readKey(text: string, origin: Origin, password: string | undefined): KeyResult {
  try {
    const key = createPrivateKey({ key: text, ...(password ? { passphrase: password } : {}) });
    const checks: PreflightCheck[] = password
      ? [{ id: 'client-key-password', status: 'pass', message: `${origin}: password decrypts the key` }]
      : [];
    return { checks, key };
  } catch (e) {
    return { checks: [unreadableKey(e as NodeJS.ErrnoException, origin)] };
  }
}

function unreadableKey(err: NodeJS.ErrnoException, origin: Origin): PreflightCheck {
  if (err.code === 'ERR_OSSL_BAD_DECRYPT' || /bad decrypt/i.test(err.message)) {
    return {
      id: 'client-key-password',
      status: 'fail',
      message: `${origin}: privateKeyPassword does not decrypt the key`,
      fix: 'store the password the key was encrypted with',
    };
  }
  if (/unsupported/i.test(err.message)) {
    return {
      id: 'client-key-password',
      status: 'warn',
      message: `${origin}: this Node.js/OpenSSL cannot decrypt the key to verify it (${err.message})`,
      fix: PBES1_FIX,
    };
  }
  return {
    id: 'client-key-password',
    status: 'fail',
    message: `${origin}: the key cannot be read (${err.message})`,
    fix: 'export the key again as PKCS#8 PEM',
  };
}

function keyMatchCheck(leaf: CertInfo, key: KeyObject, m: PreflightMaterial): PreflightCheck {
  const spki = (k: KeyObject) => k.export({ type: 'spki', format: 'der' });
  const matches = spki(createPublicKey(key)).equals(spki(leaf.cert.publicKey));
  return matches
    ? { id: 'client-key-match', status: 'pass', message: `the key belongs to ${certName(leaf)}` }
    : {
        id: 'client-key-match',
        status: 'fail',
        message: `${m.clientKey?.origin}: the private key does not match the client certificate ${certName(leaf)}`,
        fix: 'store the key the client certificate was issued for',
      };
}
