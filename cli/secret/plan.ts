/**
 * `kafka-pipes secret build` without I/O: from local PEM material, the secrets a source reads — the client
 * certificate secret `{certificate, privateKey, privateKeyPassword?}` of an auth type that presents one, and
 * the root CA secret `{certificate}` — checked the way preflight checks them (chain order, PKCS#8 and PBES1,
 * the 65,536-byte limit), holding the PEM blocks only with LF line ends. Also the source-file edits that record
 * the secrets' ARNs once they are stored.
 */
import type { ConfigIssue } from '../../core/errors.js';
import { findAuthKind, findSourceKind } from '../../pipes/kinds/registry.js';
import type { SourceConfig } from '../../pipes/source-schema.js';
import { oversizeTrustFix, type PemInput, type PreflightCheck, runPreflight } from '../preflight/engine.js';
import { cleanPem } from '../preflight/pem.js';
import type { SourceEdit } from '../preflight/write-plan.js';

/** The source fields a built secret is referenced by. */
export type SecretField = 'auth.secret' | 'rootCaSecret';

/** One secret to store. */
export interface BuiltSecret {
  readonly field: SecretField;
  /** Name or ARN it is stored under: the source's reference, else `kafka-pipes/<source>/…`. */
  readonly secretId: string;
  readonly description: string;
  /** The SecretString (JSON). */
  readonly value: string;
  readonly bytes: number;
}

/** What the build reads. */
export interface SecretBuildInput {
  readonly file: string;
  readonly source: SourceConfig;
  readonly clientCertificate?: PemInput;
  readonly clientKey?: PemInput;
  readonly clientKeyPassword?: string;
  readonly trustBundle?: PemInput;
  readonly now: Date;
}

/** The secrets and the preflight warnings, or the issues that stop the build. */
export type SecretBuildPlan =
  | { readonly secrets: readonly BuiltSecret[]; readonly warnings: readonly PreflightCheck[] }
  | { readonly issues: readonly ConfigIssue[] };

/**
 * Plans the secrets of a source.
 * @example planSecretBuild({ file, source, clientCertificate, clientKey, now: new Date() })
 */
export function planSecretBuild(input: SecretBuildInput): SecretBuildPlan {
  const { file, source } = input;
  const clientAuth = findAuthKind(source.auth.type)?.secret?.material === 'client-certificate';
  const wantsClient = input.clientCertificate !== undefined || input.clientKey !== undefined;
  const issues: ConfigIssue[] = [];
  if (wantsClient && (!clientAuth || !input.clientCertificate || !input.clientKey)) {
    issues.push(
      clientAuth
        ? {
            file: input.clientCertificate ? '--key' : '--cert',
            field: 'auth.secret',
            message: 'the client certificate secret needs both the chain and the key',
            fix: 'pass --cert <chain.pem> and --key <key.pem>',
          }
        : {
            file,
            field: 'auth.type',
            message: `auth type ${source.auth.type} keeps no client certificate in its secret`,
            fix: 'drop --cert / --key, or set an auth type that presents a client certificate',
          },
    );
  }
  const rootCaField = findSourceKind(source.kind)?.fields.includes('rootCaSecret') ?? false;
  if (input.trustBundle && !rootCaField) {
    issues.push({
      file,
      field: 'rootCaSecret',
      message: `a ${source.kind} source has no rootCaSecret (its brokers use public certificates)`,
      fix: 'drop --ca',
    });
  }
  if (!wantsClient && !input.trustBundle) {
    issues.push({
      file: '<files>',
      field: 'secret',
      message: 'nothing to build: no certificate file given',
      fix: `pass --cert and --key (the client certificate secret${clientAuth ? '' : ` — not used by auth type ${source.auth.type}`}) and/or --ca (the root CA secret)`,
    });
  }
  if (issues.length > 0) return { issues };
  return checkedSecrets(input, clientAuth && wantsClient);
}

/** Builds the secrets from the cleaned PEM and runs the preflight checks on exactly what is stored. */
function checkedSecrets(input: SecretBuildInput, withClient: boolean): SecretBuildPlan {
  const { source } = input;
  const clean = (p: PemInput | undefined) => (p ? { ...p, text: cleanPem(p.text) } : undefined);
  const cert = withClient ? clean(input.clientCertificate) : undefined;
  const key = withClient ? clean(input.clientKey) : undefined;
  const trust = clean(input.trustBundle);
  const secrets: BuiltSecret[] = [];
  if (cert && key) {
    const value = JSON.stringify({
      certificate: cert.text,
      privateKey: key.text,
      ...(input.clientKeyPassword ? { privateKeyPassword: input.clientKeyPassword } : {}),
    });
    secrets.push(
      built(
        'auth.secret',
        source.auth.secret ?? `kafka-pipes/${source.name}/client-certificate`,
        `client certificate of Kafka source ${source.name}`,
        value,
      ),
    );
  }
  if (trust) {
    const value = JSON.stringify({ certificate: trust.text });
    secrets.push(
      built(
        'rootCaSecret',
        source.rootCaSecret ?? `kafka-pipes/${source.name}/root-ca`,
        `root CA of the brokers of Kafka source ${source.name}`,
        value,
      ),
    );
  }
  const report = runPreflight({
    sourceName: source.name,
    kind: source.kind,
    brokers: source.brokers ?? [],
    authType: source.auth.type,
    // Built from the same parts in the same order, the sizes preflight counts are the stored values'.
    material: {
      ...(cert && key ? { clientCertificate: cert, clientKey: key } : {}),
      ...(input.clientKeyPassword ? { clientKeyPassword: input.clientKeyPassword } : {}),
      ...(trust ? { trustBundle: trust } : {}),
    },
    now: input.now,
  });
  // Only the secrets built are checked: the client checks only when the client secret is built.
  const checks = report.checks.filter(
    (c) => c.status !== 'skip' && (withClient || !c.id.startsWith('client-')),
  );
  const issues = checks.flatMap((c) => blocking(c, input));
  if (issues.length > 0) return { issues };
  return { secrets, warnings: checks.filter((c) => c.status === 'warn') };
}

const built = (field: SecretField, secretId: string, description: string, value: string): BuiltSecret => ({
  field,
  secretId,
  description,
  value,
  bytes: Buffer.byteLength(value, 'utf8'),
});

/** A failed check, a trust bundle over the limit, or what only the poller takes for a Pipe source. */
function blocking(c: PreflightCheck, input: SecretBuildInput): ConfigIssue[] {
  const file = input.file;
  if (c.id === 'trust-secret-size' && c.requiresPoller) {
    return [{ file, field: 'rootCaSecret', message: c.message, fix: oversizeTrustFix(input.source.name) }];
  }
  if (c.status === 'fail')
    return [{ file, field: c.id, message: c.message, fix: c.fix ?? 'fix the material' }];
  if (c.requiresPoller && input.source.engine !== 'poller') {
    return [
      {
        file,
        field: c.id,
        message: `${c.message} (${c.requiresPoller}; the source runs on a Pipe)`,
        fix: c.fix ?? 'run the source on the poller',
      },
    ];
  }
  return [];
}

/** The edits that point the source at the stored secrets (full ARNs), for the fields that differ. */
export function secretEdits(
  source: SourceConfig,
  arns: Readonly<Partial<Record<SecretField, string>>>,
): SourceEdit[] {
  const current: Record<SecretField, string | undefined> = {
    'auth.secret': source.auth.secret,
    rootCaSecret: source.rootCaSecret,
  };
  return (Object.entries(arns) as [SecretField, string][])
    .filter(([field, arn]) => current[field] !== arn)
    .map(([field, arn]) => ({ path: field.split('.'), value: arn }));
}
