/**
 * What `check` (and the Kafka reads of `rules preview --from-topic` and `dlq replay --from-kafka`) connects
 * with: the brokers, the TLS material and SASL credentials of a source, from its file, its secrets or the
 * flags that replace them.
 */
import type { KafkaSasl, KafkaTlsMaterial } from '../../core/kafka/client.js';
import {
  awsBootstrapLookup,
  lookupBootstrapBrokers,
  MissingBootstrapBrokersError,
} from '../../core/msk-bootstrap.js';
import type { RegistryDeps } from '../../enrichment/formats/schema-types.js';
import { authKind, clientAuthOf, kafkaClientSettings, sourceKind } from '../../pipes/kinds/registry.js';
import type { SecretFieldReader } from '../../pipes/kinds/types.js';
import type { SourceConfig } from '../../pipes/source-schema.js';
import type { PemInput } from '../preflight/engine.js';
import type { CliAwsClients } from '../shared/aws.js';
import { type ConnectionMaterial, loadMaterial, type MaterialFlags } from '../shared/material.js';
import { UsageError, usageError } from '../shared/output.js';
import { registryDepsOf, type SourceRegistry, sourceRegistries } from '../shared/record-formats.js';
import { resolveSource } from '../shared/sources.js';

/** Default bound of each step. */
export const CHECK_STEP_TIMEOUT_MS = 10_000;
const MIN_TIMEOUT_MS = 100;
const MAX_TIMEOUT_MS = 120_000;

/** What `check` connects with. */
export interface CheckPlan {
  readonly sourceName: string;
  readonly brokers: readonly string[];
  /** TLS material, or undefined for PLAINTEXT. */
  readonly tls?: KafkaTlsMaterial;
  /** SASL: credentials from the secret or flags, or (IAM) an OAUTHBEARER token provider. */
  readonly sasl?: KafkaSasl;
  /** Auth type of the source. */
  readonly authType: string;
  /** Region of the cluster (MSK kinds, from clusterArn). */
  readonly region?: string;
  /** Set when the CLI's Kafka client cannot use the auth type: why, and what to check instead. */
  readonly authUnsupported?: { readonly reason: string; readonly fix: string };
  readonly topic: string;
  readonly groupId: string;
  /** How the Pipe names the cluster of this source's records (its kind's `eventSource` and identity). */
  readonly recordSource: { readonly eventSource: 'SelfManagedKafka' | 'aws:kafka'; readonly cluster: string };
  readonly engine: 'pipe' | 'poller';
  readonly stepTimeoutMs: number;
  /** Keystore or DER files check read as PEM: what they are and the convert command (printed on stderr). */
  readonly notes: readonly string[];
  /** The source file (fixes of the registry step name it). */
  readonly file: string;
  /** The schema registries the source reads (one `registry` step each). */
  readonly registries: readonly SourceRegistry[];
  readonly registryDeps: RegistryDeps;
}

/** Flags of `check`. */
export interface CheckFlags extends MaterialFlags {
  readonly brokers?: string;
  readonly tls?: 'auto' | 'on' | 'off';
  readonly timeout?: string;
  readonly sourcesDir?: string;
}

/** Builds the plan from a source + flags (loads secrets). */
export async function planCheck(ref: string, flags: CheckFlags, aws: CliAwsClients): Promise<CheckPlan> {
  const { file, source } = resolveSource(ref, flags.sourcesDir);
  const brokers = await brokersOf(source, file, flags.brokers, aws);
  const stepTimeoutMs = parseTimeout(flags.timeout);
  const material = await loadMaterial(source, file, flags, aws);
  const notes = notPemNotes(material);
  const settings = kafkaClientSettings(source, material.trustBundle !== undefined);
  const tls = useTls(settings.tls, flags.tls ?? 'auto') ? tlsOf(material) : undefined;
  const auth = authKind(source.auth.type);
  const client = auth.client;
  // Auth types with a secret need it loaded (the SASL ones); IAM and none need none.
  const sasl =
    client.supported && (material.sasl || !auth.secret)
      ? clientAuthOf(source.auth.type, material.sasl ? fieldsOf(material.sasl) : undefined, {
          ...(settings.region ? { region: settings.region } : {}),
        }).sasl
      : undefined;
  return {
    sourceName: source.name,
    brokers,
    ...(tls ? { tls } : {}),
    ...(sasl ? { sasl } : {}),
    authType: source.auth.type,
    ...(settings.region ? { region: settings.region } : {}),
    ...(client.supported ? {} : { authUnsupported: { reason: client.reason, fix: client.checkFix } }),
    topic: source.topic,
    groupId: source.consumerGroupId,
    recordSource: { eventSource: settings.eventSource, cluster: settings.cluster },
    engine: source.engine,
    stepTimeoutMs,
    notes,
    file,
    registries: sourceRegistries(source),
    registryDeps: registryDepsOf(aws),
  };
}

/**
 * Keystore or DER files among the material: one that could not be read is a usage error with the convert
 * command; one read without a password is used as PEM, with a note that the secret needs the PEM file.
 */
function notPemNotes(material: ConnectionMaterial): string[] {
  const parts = [material.clientCertificate, material.clientKey, material.trustBundle];
  const files = parts.filter(
    (p, i): p is PemInput => p?.notPem !== undefined && parts.findIndex((q) => q?.origin === p.origin) === i,
  );
  const issues = files.flatMap(({ origin, notPem: n }) =>
    n && !n.readable
      ? [
          {
            file: origin.replace(/^file:/, ''),
            field: n.field,
            message: `${n.format}, not PEM, which check cannot read without its password (${n.reason})`,
            fix: `convert it: ${n.convert} (it asks for the password), then pass the PEM file to ${n.field}`,
          },
        ]
      : [],
  );
  if (issues.length > 0) throw new UsageError(issues);
  return files.map(
    ({ origin, notPem: n }) =>
      `${origin} is ${n?.format}, not PEM: check connects with the PEM read from it; the secret needs the PEM file (${n?.convert})`,
  );
}

/**
 * `--brokers`, the source's brokers, or (kinds that look them up: MSK) the cluster's bootstrap brokers for
 * the auth type (GetBootstrapBrokers), each `host:port`.
 */
async function brokersOf(
  source: SourceConfig,
  file: string,
  flag: string | undefined,
  aws: CliAwsClients,
): Promise<string[]> {
  const brokers = flag
    ? flag
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean)
    : [...(source.brokers ?? [])];
  const lookup = authKind(source.auth.type).mskBootstrap;
  if (brokers.length === 0 && sourceKind(source.kind).brokers === 'lookup' && source.clusterArn && lookup) {
    const context = { file, clusterArn: source.clusterArn, authType: source.auth.type };
    try {
      return await lookupBootstrapBrokers(aws.mskBootstrap ?? awsBootstrapLookup(), lookup, context);
    } catch (error) {
      if (error instanceof MissingBootstrapBrokersError) throw new UsageError([error.issue]);
      throw error;
    }
  }
  if (brokers.length === 0) {
    throw usageError(
      '--brokers',
      'brokers',
      `source ${source.name} (${source.kind}) names no brokers`,
      'pass --brokers host:port[,host:port], or list brokers in the source file',
    );
  }
  for (const b of brokers) {
    if (!/^[^\s:]+:\d{1,5}$/.test(b))
      throw usageError('--brokers', 'brokers', `"${b}" is not host:port`, 'use host:port, comma-separated');
  }
  return brokers;
}

/** `--timeout`: ms per step, 100 to 120000. */
function parseTimeout(flag: string | undefined): number {
  const timeoutMs = flag === undefined ? CHECK_STEP_TIMEOUT_MS : Number(flag);
  if (!Number.isInteger(timeoutMs) || timeoutMs < MIN_TIMEOUT_MS || timeoutMs > MAX_TIMEOUT_MS) {
    throw usageError(
      '--timeout',
      'timeout',
      `must be an integer between 100 and 120000 ms, received ${flag}`,
      'pass e.g. --timeout 5000',
    );
  }
  return timeoutMs;
}

/** `--tls auto`: TLS when the auth type or the kind implies it, or a root CA / truststore is given. */
function useTls(implied: boolean, mode: 'auto' | 'on' | 'off'): boolean {
  return mode === 'auto' ? implied : mode === 'on';
}

/** The SASL credentials (from `--username/--password` or the secret) as the auth module reads a secret. */
function fieldsOf(credentials: Readonly<Record<string, string>>): SecretFieldReader {
  return {
    required: (field) => {
      const value = credentials[field];
      if (value === undefined) throw new Error(`the SASL credentials have no ${field}`);
      return value;
    },
    optional: (field) => credentials[field],
  };
}

function tlsOf(material: ConnectionMaterial): KafkaTlsMaterial {
  return {
    ...(material.trustBundle ? { ca: material.trustBundle.text } : {}),
    ...(material.clientCertificate ? { cert: material.clientCertificate.text } : {}),
    ...(material.clientKey ? { key: material.clientKey.text } : {}),
    ...(material.clientKeyPassword ? { passphrase: material.clientKeyPassword } : {}),
  };
}
