/**
 * `preflight` core: looks at the TLS material a source points to and decides whether an EventBridge Pipe can
 * take it or the fallback poller is needed. PURE: the material comes in as strings (cli/shared/material.ts loads it
 * from files, S3 or Secrets Manager), the clock is injected.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import {
  type CertInfo,
  certName,
  detectKeyEncryption,
  isSignedBy,
  parseCertBundle,
  splitPem,
} from './pem.js';

/** Secrets Manager's (and so Pipes') maximum secret size. */
export const SECRET_MAX_BYTES = 65_536;
/** Certificates expiring within this many days produce a warning. */
export const EXPIRY_WARNING_DAYS = 30;
const MS_PER_DAY = 86_400_000;
/** Names listed in one "expire within 30 days" warning before "and N more". */
const EXPIRING_NAMES_SHOWN = 3;

/** Where a piece of material came from, for messages: `file:./client.pem`, `secret:kafka/client`, `s3://b/k`. */
export type Origin = string;

/** A piece of PEM text and where it came from. */
export interface PemInput {
  readonly text: string;
  readonly origin: Origin;
}

/** Everything the preflight looks at. Absent parts are skipped (or failed when the auth type needs them). */
export interface PreflightMaterial {
  /** Client certificate chain (leaf, intermediates, root) — the secret's `certificate`. */
  readonly clientCertificate?: PemInput;
  /** Client private key — the secret's `privateKey`. */
  readonly clientKey?: PemInput;
  /** The secret's `privateKeyPassword`. */
  readonly clientKeyPassword?: string;
  /** The client secret exactly as stored (its size is what counts); built from the parts when absent. */
  readonly clientSecretString?: string;
  /** Trust bundle for the broker certificates (root CA secret's `certificate`, or the poller truststore). */
  readonly trustBundle?: PemInput;
  /** The root CA secret exactly as stored; built as `{"certificate": …}` from the bundle when absent. */
  readonly trustSecretString?: string;
  /** The broker's certificate (leaf, optionally with intermediates) to check chain and SAN against. */
  readonly serverCertificate?: PemInput;
}

/** What the preflight needs to know about the source. */
export interface PreflightInput {
  readonly sourceName: string;
  readonly kind: 'self-managed' | 'msk' | 'msk-serverless';
  /** `host:port` brokers (self-managed). */
  readonly brokers: readonly string[];
  readonly authType: string;
  readonly material: PreflightMaterial;
  readonly now: Date;
}

/** Outcome of one check. `fail` blocks both engines; `warn` needs attention. */
export const CHECK_STATUS = { pass: 'pass', warn: 'warn', fail: 'fail', skip: 'skip' } as const;
/** One of {@link CHECK_STATUS}. */
export type CheckStatus = (typeof CHECK_STATUS)[keyof typeof CHECK_STATUS];

/** One line of the preflight report. */
export interface PreflightCheck {
  /** Stable id for `--json` consumers, e.g. `client-key-format`. */
  readonly id: string;
  readonly status: CheckStatus;
  readonly message: string;
  readonly fix?: string;
  /** Set when this finding means a Pipe cannot take the source: the one-line reason. */
  readonly requiresPoller?: string;
}

/** Engines a source can run on. */
export type Engine = 'pipe' | 'poller';

/** The whole preflight result. */
export interface PreflightReport {
  readonly source: string;
  readonly checks: readonly PreflightCheck[];
  readonly decision: { readonly engine: Engine; readonly reason: string };
  /** False when any check failed (exit code 1). */
  readonly ok: boolean;
}

const MTLS_AUTH = 'mtls';

/**
 * Runs every preflight check and decides the engine.
 *
 * @example
 * const report = runPreflight({ sourceName: 'orders', kind: 'self-managed', brokers: ['kafka:9093'],
 *   authType: 'mtls', material: { clientCertificate, clientKey, trustBundle }, now: new Date() });
 * report.decision // { engine: 'pipe', reason: '…' }
 */
export function runPreflight(input: PreflightInput): PreflightReport {
  const checks: PreflightCheck[] = [];
  const m = input.material;

  if (input.authType === MTLS_AUTH || m.clientCertificate || m.clientKey) {
    checks.push(...checkClientMaterial(m, input.now));
  }
  checks.push(...checkTrustMaterial(input, input.now));
  if (m.serverCertificate) checks.push(...checkServerCertificate(input, input.now));

  const ok = !checks.some((c) => c.status === CHECK_STATUS.fail);
  const pollerReasons = checks.flatMap((c) => (c.requiresPoller ? [c.requiresPoller] : []));
  const decision: PreflightReport['decision'] =
    pollerReasons.length > 0
      ? { engine: 'poller', reason: pollerReasons.join('; ') }
      : { engine: 'pipe', reason: pipeReason(input, checks) };
  return { source: input.sourceName, checks, decision, ok };
}

function pipeReason(input: PreflightInput, checks: readonly PreflightCheck[]): string {
  const sizes = checks.filter((c) => c.id.endsWith('-secret-size') && c.status === 'pass').length;
  if (input.authType !== MTLS_AUTH && !input.material.trustBundle) {
    return 'no client certificate or private CA to carry: a Pipe can connect';
  }
  return sizes > 0
    ? 'certificate chain, key format and secret sizes all fit EventBridge Pipes'
    : 'certificate material fits EventBridge Pipes';
}

// ---------------------------------------------------------------------------------------------------------
// Client certificate and key

function checkClientMaterial(m: PreflightMaterial, now: Date): PreflightCheck[] {
  const checks: PreflightCheck[] = [];
  let leaf: CertInfo | undefined;
  if (!m.clientCertificate) {
    checks.push({
      id: 'client-chain',
      status: 'fail',
      message: 'auth type mtls needs a client certificate chain and none was found',
      fix: 'store {certificate, privateKey[, privateKeyPassword]} in the auth.secret, or pass --cert and --key',
    });
  } else {
    const bundle = parseCertBundle(m.clientCertificate.text);
    leaf = bundle.certs[0];
    checks.push(chainOrderCheck('client-chain', m.clientCertificate.origin, bundle.certs, bundle.errors));
    checks.push(...expiryChecks('client-expiry', m.clientCertificate.origin, bundle.certs, now, 'all'));
  }
  const key = checkKey(m);
  checks.push(...key.checks);
  if (leaf && key.key) checks.push(keyMatchCheck(leaf, key.key, m));
  if (m.clientCertificate && m.clientKey) {
    const secret =
      m.clientSecretString ??
      JSON.stringify({
        certificate: m.clientCertificate.text,
        privateKey: m.clientKey.text,
        ...(m.clientKeyPassword !== undefined ? { privateKeyPassword: m.clientKeyPassword } : {}),
      });
    checks.push(sizeCheck('client-secret-size', 'client certificate secret', secret));
  }
  return checks;
}

/** Checks that certs[i] is signed by certs[i+1] and the last one is a self-signed root. */
function chainOrderCheck(id: string, origin: Origin, certs: CertInfo[], errors: string[]): PreflightCheck {
  if (errors.length > 0) {
    return {
      id,
      status: 'fail',
      message: `${origin}: ${errors.join('; ')}`,
      fix: 'each block between BEGIN/END CERTIFICATE must be a base64 DER X.509 certificate',
    };
  }
  const first = certs[0];
  if (!first) {
    return {
      id,
      status: 'fail',
      message: `${origin}: no CERTIFICATE block found`,
      fix: 'put the PEM chain (leaf, intermediates, root) into the certificate field',
    };
  }
  if (first.isCa) {
    return {
      id,
      status: 'fail',
      message: `${origin}: the first certificate ${certName(first)} is a CA, not the client leaf`,
      fix: 'order the chain leaf → intermediates → root',
    };
  }
  for (let i = 0; i + 1 < certs.length; i++) {
    const child = certs[i] as CertInfo;
    const next = certs[i + 1] as CertInfo;
    if (isSignedBy(child, next)) continue;
    const issuerAt = certs.findIndex((c, j) => j !== i && isSignedBy(child, c));
    return {
      id,
      status: 'fail',
      message:
        issuerAt >= 0
          ? `${origin}: certificate ${i + 1} (${certName(child)}) is issued by certificate ${issuerAt + 1} ` +
            `(${certName(certs[issuerAt] as CertInfo)}), not by the next one (${certName(next)}): wrong order`
          : `${origin}: certificate ${i + 1} (${certName(child)}) is not signed by the next one ` +
            `(${certName(next)}); its issuer is ${certName({ subject: child.issuer })}`,
      fix: 'order the chain leaf → intermediates → root, each certificate followed by its issuer',
    };
  }
  const last = certs[certs.length - 1] as CertInfo;
  const names = certs.map(certName).join(' → ');
  if (!last.selfSigned) {
    return {
      id,
      status: 'warn',
      message: `${origin}: chain ${names} is incomplete: ${certName(last)} is issued by ${certName({ subject: last.issuer })}, which is missing`,
      fix: `append the issuer ${certName({ subject: last.issuer })} (and its issuers up to the root): Pipes expects leaf, intermediates and root`,
    };
  }
  return { id, status: 'pass', message: `${origin}: chain ${names} is complete and in order` };
}

/**
 * Expiry per certificate: expired or not yet valid → fail; expiring within 30 days → warn.
 * `mode: 'any-valid'` (trust bundles) fails only when no certificate is valid, and warns for the others.
 */
function expiryChecks(
  id: string,
  origin: Origin,
  certs: readonly CertInfo[],
  now: Date,
  mode: 'all' | 'any-valid',
): PreflightCheck[] {
  if (certs.length === 0) return [];
  const checks: PreflightCheck[] = [];
  const expiring: CertInfo[] = [];
  const anyValid = certs.some((c) => c.notAfter > now && c.notBefore <= now);
  const soon = new Date(now.getTime() + EXPIRY_WARNING_DAYS * MS_PER_DAY);
  for (const c of certs) {
    const fatal = mode === 'all' || !anyValid;
    if (c.notAfter <= now) {
      checks.push({
        id,
        status: fatal ? 'fail' : 'warn',
        message: `${origin}: ${certName(c)} expired on ${c.notAfter.toISOString()}`,
        fix: `renew ${certName(c)} and update ${origin}`,
      });
    } else if (c.notBefore > now) {
      checks.push({
        id,
        status: fatal ? 'fail' : 'warn',
        message: `${origin}: ${certName(c)} is not valid before ${c.notBefore.toISOString()}`,
        fix: 'check the issuing CA clock or wait until the certificate becomes valid',
      });
    } else if (c.notAfter <= soon) {
      expiring.push(c);
    }
  }
  const first = expiring.reduce<CertInfo | undefined>(
    (a, b) => (a && a.notAfter <= b.notAfter ? a : b),
    undefined,
  );
  if (first) {
    const days = Math.floor((first.notAfter.getTime() - now.getTime()) / MS_PER_DAY);
    const when = `${days} days (${first.notAfter.toISOString()})`;
    const shown = expiring.slice(0, EXPIRING_NAMES_SHOWN).map(certName).join(', ');
    const more =
      expiring.length > EXPIRING_NAMES_SHOWN ? ` and ${expiring.length - EXPIRING_NAMES_SHOWN} more` : '';
    checks.push({
      id,
      status: 'warn',
      message:
        expiring.length === 1
          ? `${origin}: ${certName(first)} expires in ${when}`
          : `${origin}: ${expiring.length} certificates expire within ${EXPIRY_WARNING_DAYS} days (${shown}${more}); the first in ${when}`,
      fix: `renew ${expiring.length === 1 ? certName(first) : 'them'} before ${first.notAfter.toISOString().slice(0, 10)}`,
    });
  }
  if (checks.length === 0) {
    const first = certs.reduce((a, b) => (a.notAfter < b.notAfter ? a : b));
    checks.push({
      id,
      status: 'pass',
      message: `${origin}: ${certs.length} certificate(s) valid; first expiry ${certName(first)} on ${first.notAfter.toISOString().slice(0, 10)}`,
    });
  }
  return checks;
}

interface KeyResult {
  readonly checks: PreflightCheck[];
  readonly key?: KeyObject;
}

const PBES1_FIX =
  'to stay on a Pipe re-encrypt with PBES1: openssl pkcs8 -topk8 -v1 PBE-SHA1-3DES -in key.pem -out key-pbes1.pem';

function checkKey(m: PreflightMaterial): KeyResult {
  if (!m.clientKey) {
    return {
      checks: [
        {
          id: 'client-key-format',
          status: 'fail',
          message: 'auth type mtls needs a client private key and none was found',
          fix: 'store privateKey (PKCS#8 PEM) in the auth.secret, or pass --key',
        },
      ],
    };
  }
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
  const checks: PreflightCheck[] = [];
  const password = m.clientKeyPassword;
  let encrypted = false;
  if (block.label === 'PRIVATE KEY') {
    checks.push({ id: 'client-key-format', status: 'pass', message: `${origin}: PKCS#8, not encrypted` });
    if (password) {
      checks.push({
        id: 'client-key-password',
        status: 'warn',
        message: `${origin}: privateKeyPassword is set but the key is not encrypted`,
        fix: 'remove privateKeyPassword from the secret, or store the encrypted key',
      });
    }
  } else if (block.label === 'ENCRYPTED PRIVATE KEY') {
    encrypted = true;
    let enc: ReturnType<typeof detectKeyEncryption> | undefined;
    try {
      enc = detectKeyEncryption(block.der);
    } catch (e) {
      checks.push({
        id: 'client-key-format',
        status: 'fail',
        message: `${origin}: ENCRYPTED PRIVATE KEY is not valid ASN.1 (${(e as Error).message})`,
        fix: 'export the key again: openssl pkcs8 -topk8 -v1 PBE-SHA1-3DES -in key.pem -out key-pbes1.pem',
      });
    }
    if (enc?.scheme === 'PBES2') {
      checks.push({
        id: 'client-key-format',
        status: 'warn',
        message: `${origin}: PKCS#8 encrypted with ${enc.algorithm}, which EventBridge Pipes rejects`,
        fix: PBES1_FIX,
        requiresPoller: `the client key is PBES2-encrypted (${enc.algorithm}) and Pipes accepts only PBES1`,
      });
    } else if (enc?.scheme === 'PBES1') {
      checks.push({
        id: 'client-key-format',
        status: 'pass',
        message: `${origin}: PKCS#8 encrypted with PBES1 (${enc.algorithm})`,
      });
    } else if (enc) {
      checks.push({
        id: 'client-key-format',
        status: 'warn',
        message: `${origin}: PKCS#8 encrypted with an unknown algorithm (OID ${enc.oid})`,
        fix: PBES1_FIX,
      });
    }
  } else {
    const legacy = block.headers['Proc-Type']?.includes('ENCRYPTED') ?? false;
    encrypted = legacy;
    checks.push({
      id: 'client-key-format',
      status: 'warn',
      message: `${origin}: ${block.label} is not PKCS#8${legacy ? ' (legacy OpenSSL encryption)' : ''}`,
      fix: `to stay on a Pipe convert it: openssl pkcs8 -topk8 ${legacy ? '-v1 PBE-SHA1-3DES' : '-nocrypt'} -in key.pem -out key-pkcs8.pem`,
      requiresPoller: `the client key is ${block.label} (not PKCS#8) and Pipes needs PKCS#8`,
    });
  }
  if (encrypted && !password) {
    checks.push({
      id: 'client-key-password',
      status: 'fail',
      message: `${origin}: the key is encrypted but no privateKeyPassword was given`,
      fix: 'add privateKeyPassword to the secret, or pass --key-password',
    });
    return { checks };
  }
  try {
    const key = createPrivateKey({
      key: m.clientKey.text,
      ...(encrypted && password ? { passphrase: password } : {}),
    });
    if (encrypted) {
      checks.push({
        id: 'client-key-password',
        status: 'pass',
        message: `${origin}: password decrypts the key`,
      });
    }
    return { checks, key };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const bad = err.code === 'ERR_OSSL_BAD_DECRYPT' || /bad decrypt/i.test(err.message);
    const unsupported = /unsupported/i.test(err.message);
    checks.push(
      bad
        ? {
            id: 'client-key-password',
            status: 'fail',
            message: `${origin}: privateKeyPassword does not decrypt the key`,
            fix: 'store the password the key was encrypted with',
          }
        : unsupported
          ? {
              id: 'client-key-password',
              status: 'warn',
              message: `${origin}: this Node.js/OpenSSL cannot decrypt the key to verify it (${err.message})`,
              fix: PBES1_FIX,
            }
          : {
              id: 'client-key-password',
              status: 'fail',
              message: `${origin}: the key cannot be read (${err.message})`,
              fix: 'export the key again as PKCS#8 PEM',
            },
    );
    return { checks };
  }
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

function sizeCheck(id: string, what: string, secret: string): PreflightCheck {
  const bytes = Buffer.byteLength(secret, 'utf8');
  const size = `${bytes.toLocaleString('en-US')} bytes`;
  return bytes > SECRET_MAX_BYTES
    ? {
        id,
        status: 'warn',
        message: `${what} is ${size}, over the ${SECRET_MAX_BYTES.toLocaleString('en-US')}-byte secret limit`,
        fix: 'trim the bundle to the CAs that sign the broker certificates, or run the source on the poller',
        requiresPoller: `the ${what} is ${size}, over the ${SECRET_MAX_BYTES.toLocaleString('en-US')}-byte limit of a Pipe secret`,
      }
    : {
        id,
        status: 'pass',
        message: `${what} is ${size} (limit ${SECRET_MAX_BYTES.toLocaleString('en-US')})`,
      };
}

// ---------------------------------------------------------------------------------------------------------
// Trust bundle (root CA secret / poller truststore) and the broker certificate

function checkTrustMaterial(input: PreflightInput, now: Date): PreflightCheck[] {
  const t = input.material.trustBundle;
  if (!t) {
    if (input.kind === 'self-managed' && input.authType !== 'none') {
      return [
        {
          id: 'trust-bundle',
          status: 'skip',
          message: 'no root CA given: the broker certificates must chain to a public CA',
          fix: 'set rootCaSecret (or pass --ca) when the brokers use a private CA',
        },
      ];
    }
    return [];
  }
  const bundle = parseCertBundle(t.text);
  const checks: PreflightCheck[] = [];
  if (bundle.errors.length > 0 || bundle.certs.length === 0) {
    checks.push({
      id: 'trust-bundle',
      status: 'fail',
      message: `${t.origin}: ${bundle.errors.length > 0 ? bundle.errors.join('; ') : 'no CERTIFICATE block found'}`,
      fix: 'the trust bundle must be PEM CA certificates',
    });
    return checks;
  }
  const notCa = bundle.certs.filter((c) => !c.isCa);
  checks.push(
    notCa.length > 0
      ? {
          id: 'trust-bundle',
          status: 'warn',
          message: `${t.origin}: ${notCa.map(certName).join(', ')} ${notCa.length === 1 ? 'is' : 'are'} not CA certificates`,
          fix: 'keep only the CA certificates that sign the broker certificates',
        }
      : {
          id: 'trust-bundle',
          status: 'pass',
          message: `${t.origin}: ${bundle.certs.length} CA certificate(s)`,
        },
  );
  checks.push(...expiryChecks('trust-expiry', t.origin, bundle.certs, now, 'any-valid'));
  const secret = input.material.trustSecretString ?? JSON.stringify({ certificate: t.text });
  checks.push(sizeCheck('trust-secret-size', 'root CA secret', secret));
  return checks;
}

function checkServerCertificate(input: PreflightInput, now: Date): PreflightCheck[] {
  const s = input.material.serverCertificate as PemInput;
  const server = parseCertBundle(s.text);
  const leaf = server.certs[0];
  if (!leaf) {
    return [
      {
        id: 'server-chain',
        status: 'fail',
        message: `${s.origin}: no CERTIFICATE block found`,
        fix: 'pass the broker certificate as PEM (openssl s_client -showcerts prints it)',
      },
    ];
  }
  const checks: PreflightCheck[] = [];
  checks.push(...expiryChecks('server-expiry', s.origin, [leaf], now, 'all'));
  const trust = input.material.trustBundle ? parseCertBundle(input.material.trustBundle.text).certs : [];
  if (trust.length > 0) checks.push(serverChainCheck(leaf, server.certs.slice(1), trust, s.origin));
  checks.push(...sanChecks(leaf, input.brokers, s.origin));
  return checks;
}

/** Walks issuer links from the broker leaf through the presented intermediates to a trusted CA. */
function serverChainCheck(
  leaf: CertInfo,
  intermediates: readonly CertInfo[],
  trust: readonly CertInfo[],
  origin: Origin,
): PreflightCheck {
  const path = [leaf];
  let current = leaf;
  for (let depth = 0; depth < 10; depth++) {
    const anchor = trust.find((t) => isSignedBy(current, t));
    if (anchor) {
      return {
        id: 'server-chain',
        status: 'pass',
        message: `${origin}: ${[...path, anchor].map(certName).join(' → ')} verifies against the trust bundle`,
      };
    }
    const next = intermediates.find((c) => c !== current && isSignedBy(current, c));
    if (!next) break;
    path.push(next);
    current = next;
  }
  return {
    id: 'server-chain',
    status: 'fail',
    message: `${origin}: ${certName(current)} is issued by ${certName({ subject: current.issuer })}, which is not in the trust bundle`,
    fix: `add the CA ${certName({ subject: current.issuer })} to the root CA secret / truststore`,
  };
}

function sanChecks(leaf: CertInfo, brokers: readonly string[], origin: Origin): PreflightCheck[] {
  const checks: PreflightCheck[] = [];
  const san = [...leaf.dnsNames.map((d) => `DNS:${d}`), ...leaf.ipAddresses.map((i) => `IP:${i}`)].join(', ');
  for (const broker of brokers) {
    const host = hostOf(broker);
    const matched = isIP(host) ? leaf.cert.checkIP(host) : leaf.cert.checkHost(host, { subject: 'never' });
    checks.push(
      matched
        ? { id: 'server-san', status: 'pass', message: `${host} matches the SAN of ${certName(leaf)}` }
        : {
            id: 'server-san',
            status: 'warn',
            message: `${origin}: broker host ${host} is not in the SAN of ${certName(leaf)} (${san || 'no SAN'})`,
            fix: `connect with a name in the SAN, or reissue the broker certificate with ${isIP(host) ? 'IP' : 'DNS'}:${host}`,
          },
    );
  }
  return checks;
}

/** Host part of `host:port` (IPv6 in brackets allowed). */
export function hostOf(broker: string): string {
  const v6 = /^\[([^\]]+)\](?::\d+)?$/.exec(broker);
  if (v6?.[1]) return v6[1];
  const i = broker.lastIndexOf(':');
  return i > 0 ? broker.slice(0, i) : broker;
}
