/**
 * What `check` (and the Kafka reads of `rules preview --from-topic` and `dlq replay --from-kafka`) connects
 * with: the brokers, the TLS material and SASL credentials of a source, from its file, its secrets or the
 * flags that replace them.
 */
import type { KafkaSaslCredentials, KafkaTlsMaterial } from '../../core/kafka/client.js';
import type { SourceConfig } from '../../pipes/source-schema.js';
import type { CliAwsClients } from '../shared/aws.js';
import { type ConnectionMaterial, loadMaterial, type MaterialFlags } from '../shared/material.js';
import { usageError } from '../shared/output.js';
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
  readonly sasl?: KafkaSaslCredentials;
  /** Auth type of the source (iam is reported as not checkable). */
  readonly authType: string;
  readonly topic: string;
  readonly groupId: string;
  readonly engine: 'pipe' | 'poller';
  readonly stepTimeoutMs: number;
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
  const brokers = brokersOf(source, flags.brokers);
  const stepTimeoutMs = parseTimeout(flags.timeout);
  const material = await loadMaterial(source, file, flags, aws);
  const tls = useTls(source, material, flags.tls ?? 'auto') ? tlsOf(material) : undefined;
  const sasl = material.sasl ? { mechanism: saslMechanism(source.auth.type), ...material.sasl } : undefined;
  return {
    sourceName: source.name,
    brokers,
    ...(tls ? { tls } : {}),
    ...(sasl ? { sasl } : {}),
    authType: source.auth.type,
    topic: source.topic,
    groupId: source.consumerGroupId,
    engine: source.engine,
    stepTimeoutMs,
  };
}

/** `--brokers` or the source's brokers, each `host:port`. */
function brokersOf(source: SourceConfig, flag: string | undefined): string[] {
  const brokers = flag
    ? flag
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean)
    : [...(source.brokers ?? [])];
  if (brokers.length === 0) {
    throw usageError(
      '--brokers',
      'brokers',
      `source ${source.name} (${source.kind}) names no brokers`,
      'pass --brokers host:port[,host:port] (for MSK: the bootstrap brokers of the cluster)',
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

const TLS_AUTH = new Set(['mtls', 'sasl-scram-256', 'sasl-scram-512', 'basic', 'iam']);

/** `--tls auto`: TLS for TLS auth types, a root CA / truststore, or an MSK kind. */
function useTls(source: SourceConfig, material: ConnectionMaterial, mode: 'auto' | 'on' | 'off'): boolean {
  if (mode !== 'auto') return mode === 'on';
  return (
    TLS_AUTH.has(source.auth.type) || material.trustBundle !== undefined || source.kind !== 'self-managed'
  );
}

function saslMechanism(authType: string): KafkaSaslCredentials['mechanism'] {
  if (authType === 'sasl-scram-256') return 'scram-sha-256';
  if (authType === 'sasl-scram-512') return 'scram-sha-512';
  return 'plain';
}

function tlsOf(material: ConnectionMaterial): KafkaTlsMaterial {
  return {
    ...(material.trustBundle ? { ca: material.trustBundle.text } : {}),
    ...(material.clientCertificate ? { cert: material.clientCertificate.text } : {}),
    ...(material.clientKey ? { key: material.clientKey.text } : {}),
    ...(material.clientKeyPassword ? { passphrase: material.clientKeyPassword } : {}),
  };
}
