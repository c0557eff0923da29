/**
 * Checks of certificate material shared by the client, trust and server parts of the preflight: the order
 * of a chain, the validity dates of certificates and the size of a secret against the Pipes limit. Pure.
 */

import type { Origin, PemInput, PreflightCheck } from './engine.js';
import { type CertInfo, certName, isSignedBy, pemTextFindings } from './pem.js';

/** Secrets Manager's (and so Pipes') maximum secret size. */
export const SECRET_MAX_BYTES = 65_536;
/** Certificates expiring within this many days produce a warning. */
export const EXPIRY_WARNING_DAYS = 30;
const MS_PER_DAY = 86_400_000;
/** Names listed in one "expire within 30 days" warning before "and N more". */
const EXPIRING_NAMES_SHOWN = 3;

/** Checks that certs[i] is signed by certs[i+1] and the last one is a self-signed root. */
export function chainOrderCheck(
  id: string,
  origin: Origin,
  certs: CertInfo[],
  errors: string[],
): PreflightCheck {
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
    const issuer = certName({ subject: child.issuer });
    return issuerAt >= 0
      ? {
          id,
          status: 'fail',
          message:
            `${origin}: certificate ${i + 1} (${certName(child)}) is issued by certificate ${issuerAt + 1} ` +
            `(${certName(certs[issuerAt] as CertInfo)}), not by the next one (${certName(next)}): wrong order`,
          fix: 'order the chain leaf → intermediates → root, each certificate followed by its issuer',
        }
      : {
          id,
          status: 'fail',
          message:
            `${origin}: certificate ${i + 1} (${certName(child)}) is not signed by the next one ` +
            `(${certName(next)}); its issuer is ${issuer}`,
          fix: `add ${issuer}, the CA that issued ${certName(child)} (it is not in the chain), right after certificate ${i + 1}; remove certificates of other chains`,
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
export function expiryChecks(
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

/** What a size check measures: a secret as stored, or the secret a file or S3 object would make. */
export interface SecretSubject {
  /** e.g. `root CA secret`, `client certificate secret`. */
  readonly what: string;
  /** The file or S3 object the secret would be made from; absent when the text was read from the secret. */
  readonly from?: string;
}

/**
 * Checks a secret's size against the Secrets Manager SecretString quota (65,536 bytes), which is also the
 * limit of a Pipe secret; `fix` replaces the default advice. A secret read from Secrets Manager "is" its size;
 * one made from a file or S3 object "would be".
 */
export function sizeCheck(id: string, subject: SecretSubject, secret: string, fix?: string): PreflightCheck {
  const bytes = Buffer.byteLength(secret, 'utf8');
  const size = `${bytes.toLocaleString('en-US')} bytes`;
  const what = subject.from ? `${subject.what} made from ${subject.from}` : subject.what;
  const is = subject.from ? 'would be' : 'is';
  return bytes > SECRET_MAX_BYTES
    ? {
        id,
        status: 'warn',
        message: `${what} ${is} ${size}, over the ${SECRET_MAX_BYTES.toLocaleString('en-US')}-byte secret limit`,
        fix:
          fix ??
          'trim the bundle to the CAs that sign the broker certificates, or run the source on the poller',
        requiresPoller: `the ${what} ${is} ${size}, over the ${SECRET_MAX_BYTES.toLocaleString('en-US')}-byte limit of a Pipe secret`,
      }
    : {
        id,
        status: 'pass',
        message: `${what} ${is} ${size} (limit ${SECRET_MAX_BYTES.toLocaleString('en-US')})`,
      };
}

/**
 * Reports what a PEM text stores besides its blocks: CRLF line ends and bytes outside the BEGIN/END lines
 * (e.g. the `Bag Attributes` openssl pkcs12 prints, or junk after the last END line). TLS libraries skip
 * them, but a secret stores them and they count toward its size. Nothing to report: no check.
 */
export function pemTextChecks(id: string, origin: Origin, text: string): PreflightCheck[] {
  const f = pemTextFindings(text);
  const checks: PreflightCheck[] = [];
  if (f.crlfLines > 0) {
    checks.push({
      id,
      status: 'warn',
      message: `${origin}: ${f.crlfLines} line(s) end in CRLF; the secret stores the CR bytes and they count toward its size`,
      fix: 'store LF line ends: dos2unix <file>, or build the secret with kafka-pipes secret build (it stores the blocks with LF)',
    });
  }
  if (f.junkBytes > 0) {
    checks.push({
      id,
      status: 'warn',
      message: `${origin}: ${f.junkBytes.toLocaleString('en-US')} byte(s) outside the PEM blocks ("${f.junkSample}"); the secret stores them and they count toward its size`,
      fix: 'keep only the -----BEGIN …----- to -----END …----- blocks, or build the secret with kafka-pipes secret build (it stores the blocks only)',
    });
  }
  return checks;
}

/**
 * A keystore or DER file where PEM is expected: what it is and the `truststore convert` command. Read
 * without a password, the checks that follow use its PEM (warn; fail when deploy reads the file as it is);
 * unreadable, it fails and the checks of that part are skipped.
 */
export function fileFormatCheck(id: string, input: PemInput | undefined): PreflightCheck[] {
  const n = input?.notPem;
  if (!input || !n) return [];
  if (!n.readable) {
    return [
      {
        id,
        status: 'fail',
        message: `${input.origin}: ${n.format}, not PEM, which preflight cannot read (${n.reason})`,
        fix: `convert it: ${n.convert} (it asks for the password), then pass the PEM file to ${n.field}`,
      },
    ];
  }
  return [
    {
      id,
      status: n.deployed ? 'fail' : 'warn',
      message: `${input.origin}: ${n.format}, not PEM; the checks below read the PEM converted from it, which ${n.deployed ? 'the poller reads' : 'a secret stores'}`,
      fix: `convert it: ${n.convert}, then ${n.deployed ? 'set' : 'pass'} the PEM file ${n.deployed ? 'as' : 'to'} ${n.field}`,
    },
  ];
}
