/**
 * The `preflight` engine: looks at the TLS material a source points to and decides whether an EventBridge
 * Pipe can take it or the fallback poller is needed. PURE: the material comes in as strings
 * (cli/shared/material.ts loads it from files, S3 or Secrets Manager), the clock is injected. The client
 * certificate and key are checked in cli/preflight/client-checks.ts, chains, dates and sizes in
 * cli/preflight/cert-checks.ts.
 */
import { isIP } from 'node:net';
import { findAuthKind, findSourceKind, type SourceKind } from '../../pipes/kinds/registry.js';
import { hostOf } from '../shared/brokers.js';
import { expiryChecks, fileFormatCheck, pemTextChecks, sizeCheck } from './cert-checks.js';
import { checkClientMaterial } from './client-checks.js';
import { type CertInfo, certName, isSignedBy, parseCertBundle } from './pem.js';

/** Where a piece of material came from, for messages: `file:./client.pem`, `secret:kafka/client`, `s3://b/k`. */
export type Origin = string;

/** A piece of PEM text and where it came from. */
export interface PemInput {
  readonly text: string;
  readonly origin: Origin;
  /** Set when the file was a keystore or DER: `text` holds the PEM read from it (empty when unreadable). */
  readonly notPem?: NotPem;
}

/** A certificate file that is not PEM (a keystore or DER), as cli/shared/cert-file.ts read it. */
export interface NotPem {
  /** The flag or source-file field that named the file. */
  readonly field: string;
  /** What the file is, e.g. `a Java keystore (JKS)`. */
  readonly format: string;
  /** Whether its certificates / key were read without a password. */
  readonly readable: boolean;
  /** Why it could not be read. */
  readonly reason?: string;
  /** The `truststore convert` command that writes the PEM. */
  readonly convert: string;
  /** Deploy reads the file as it is (e.g. poller.truststore.file), so it must be PEM. */
  readonly deployed: boolean;
}

/** Whether the material part is a file that could not be read (its format check says why). */
export function unreadable(input: PemInput | undefined): boolean {
  return input?.notPem !== undefined && !input.notPem.readable;
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
  readonly kind: SourceKind;
  /** `host:port` brokers (kinds that name them). */
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

/** Whether the auth type presents a client certificate (its secret holds one). */
function usesClientCertificate(authType: string): boolean {
  return findAuthKind(authType)?.secret?.material === 'client-certificate';
}

/**
 * Runs every preflight check and decides the engine.
 *
 * @example
 * const { source } = resolveSource('orders');
 * const report = runPreflight({ sourceName: source.name, kind: source.kind, brokers: source.brokers ?? [],
 *   authType: source.auth.type, material: { clientCertificate, clientKey, trustBundle }, now: new Date() });
 * report.decision // { engine: 'pipe', reason: '…' }
 */
export function runPreflight(input: PreflightInput): PreflightReport {
  const checks: PreflightCheck[] = [];
  const m = input.material;

  checks.push(...fileFormatCheck('client-file-format', m.clientCertificate));
  if (m.clientKey?.origin !== m.clientCertificate?.origin) {
    checks.push(...fileFormatCheck('client-file-format', m.clientKey));
  }
  checks.push(...fileFormatCheck('trust-file-format', m.trustBundle));
  checks.push(...fileFormatCheck('server-file-format', m.serverCertificate));
  if (usesClientCertificate(input.authType) || m.clientCertificate || m.clientKey) {
    checks.push(...checkClientMaterial(m, input.now, input.authType));
  }
  checks.push(...checkTrustMaterial(input, input.now));
  if (m.serverCertificate) checks.push(...checkServerCertificate(input, input.now));
  return decide(input, canUsePoller(input.kind) ? checks : checks.map((c) => pipeOnly(c, input.kind)));
}

/** Whether the poller can read a source of this kind: it dials bootstrap brokers, which MSK kinds have not. */
export function canUsePoller(kind: string): boolean {
  return findSourceKind(kind)?.fields.includes('brokers') ?? false;
}

/** A finding that would need the poller, for a kind the poller cannot read: a failure with the check's fix. */
function pipeOnly(check: PreflightCheck, kind: string): PreflightCheck {
  if (!check.requiresPoller) return check;
  const { requiresPoller: _dropped, ...rest } = check;
  return {
    ...rest,
    status: CHECK_STATUS.fail,
    fix: `a ${kind} source runs on a Pipe only (the poller needs bootstrap brokers): ${check.fix ?? 'fix the material'}`,
  };
}

/** The engine: the poller when a finding needs it, else a Pipe. */
function decide(input: PreflightInput, checks: PreflightCheck[]): PreflightReport {
  const ok = !checks.some((c) => c.status === CHECK_STATUS.fail);
  const pollerReasons = checks.flatMap((c) => (c.requiresPoller ? [c.requiresPoller] : []));
  const failed = checks.filter((c) => c.status === CHECK_STATUS.fail).length;
  const decision: PreflightReport['decision'] =
    pollerReasons.length === 0
      ? { engine: 'pipe', reason: pipeReason(input, checks) }
      : failed > 0
        ? { engine: 'poller', reason: `${undecided(failed)}; then the poller: ${pollerReasons.join('; ')}` }
        : { engine: 'poller', reason: pollerReasons.join('; ') };
  return { source: input.sourceName, checks, decision, ok };
}

/** The reason when a check failed: no engine takes the material as it is. */
function undecided(failed: number): string {
  return `undecided: ${failed} check(s) failed, and neither engine takes the material until they are fixed`;
}

function pipeReason(input: PreflightInput, checks: readonly PreflightCheck[]): string {
  const failed = checks.filter((c) => c.status === CHECK_STATUS.fail).length;
  if (failed > 0 && !canUsePoller(input.kind)) {
    return `a ${input.kind} source runs on a Pipe only: fix the ✗ items so a Pipe can take the material`;
  }
  if (failed > 0) return undecided(failed);
  const sizes = checks.filter((c) => c.id.endsWith('-secret-size') && c.status === 'pass').length;
  if (!usesClientCertificate(input.authType) && !input.material.trustBundle) {
    return 'no client certificate or private CA to carry: a Pipe can connect';
  }
  return sizes > 0
    ? 'certificate chain, key format and secret sizes all fit EventBridge Pipes'
    : 'certificate material fits EventBridge Pipes';
}

// ---------------------------------------------------------------------------------------------------------
// Trust bundle (root CA secret / poller truststore) and the broker certificate

function checkTrustMaterial(input: PreflightInput, now: Date): PreflightCheck[] {
  const t = input.material.trustBundle;
  if (!t) {
    // A kind that may name a private root CA, with TLS on: say the brokers must use a public CA.
    const rootCaField = findSourceKind(input.kind)?.fields.includes('rootCaSecret') ?? false;
    if (rootCaField && (findAuthKind(input.authType)?.tlsByDefault ?? false)) {
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
  if (unreadable(t)) return [];
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
  checks.push(...pemTextChecks('trust-pem-text', t.origin, t.text));
  const stored = input.material.trustSecretString;
  const secret = stored ?? JSON.stringify({ certificate: t.text });
  const subject = { what: 'root CA secret', ...(stored === undefined ? { from: t.origin } : {}) };
  checks.push(sizeCheck('trust-secret-size', subject, secret, oversizeTrustFix(input.sourceName)));
  return checks;
}

/** What to do with a trust bundle over the secret limit: the truststore bucket, with the command. */
export function oversizeTrustFix(sourceName: string): string {
  return `Secrets Manager refuses a secret over 65,536 bytes: put the bundle in the truststore bucket with kafka-pipes truststore upload ${sourceName} <bundle.pem> (it sets poller.truststore.s3Key)`;
}

function checkServerCertificate(input: PreflightInput, now: Date): PreflightCheck[] {
  const s = input.material.serverCertificate as PemInput;
  if (unreadable(s)) return [];
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
