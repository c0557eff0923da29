/**
 * What a local run needs for a source catalogue (pure): per source the broker listener it uses on the
 * test bed, the cluster identity its events carry, its Kinesis stream and SQS queues, its secrets; and
 * the topics (with partition counts), streams, queues and secrets to create.
 *
 * Listener mapping (the example sources point at real clusters; locally every broker list is rewritten
 * to one of the bed's listeners by what the auth type's module says its client sends): a client
 * certificate → ssl (mTLS required) · SASL/SCRAM → saslSsl · SASL/OAUTHBEARER (MSK IAM) → saslIam, whose
 * validator checks the signed token as MSK does (devkit/testbed/iam-listener.ts) · no secret, or an auth
 * type the Kafka client cannot use → plaintext. The bed has no SASL/PLAIN listener.
 * The events keep the source's own cluster identity (configured brokers or cluster ARN), so sources that
 * share a topic name on the single local broker still get distinct eventIds, as on distinct clusters.
 */
import type { KafkaConnection, KafkaSasl } from '../../core/kafka/client.js';
import type { AwsCredentialsLike } from '../../core/kafka/msk-iam-token.js';
import {
  authKind,
  clientAuthOf,
  kafkaClientSettings,
  sourceKind,
  targetKind,
} from '../../pipes/kinds/registry.js';
import type { AuthKind, AuthSecret, SecretFieldReader } from '../../pipes/kinds/types.js';
import { type SourceConfig, streamPhysicalName, streamShardsOf } from '../../pipes/source-schema.js';
import { type LocalDeliveryStream, localDeliveryStreamOf } from './lake.js';

/** A listener of the test bed. */
export type BedListener = 'plaintext' | 'ssl' | 'saslSsl' | 'saslIam';

/** Environment suffix of local resource names (streams are `<name>-<environment>` as infra names them). */
export const LOCAL_ENVIRONMENT = 'local';
/** Partitions of a topic created locally when no poller asks for more. */
export const DEFAULT_LOCAL_PARTITIONS = 3;
/** Shards of a stream whose source does not set any (on-demand in AWS). */
export const DEFAULT_LOCAL_SHARDS = 1;
/** Truststore bucket of the local run. */
export const LOCAL_TRUSTSTORE_BUCKET = 'kafka-pipes-truststore-local';

/** What a secret holds (Pipes formats): an auth type's credentials, or a root CA `{certificate}`. */
export type SecretKind = AuthSecret['material'] | 'root-ca';

/** A secret a source references. */
export interface SecretRef {
  /** Name the secret has on Secrets Manager (ARNs are resolved by name locally). */
  readonly name: string;
  readonly kind: SecretKind;
}

/** The local plan of one source. */
export interface LocalSourcePlan {
  readonly source: SourceConfig;
  readonly listener: BedListener;
  readonly eventSource: 'SelfManagedKafka' | 'aws:kafka';
  /** Cluster identity in the events (configured brokers joined by commas, or the cluster ARN). */
  readonly cluster: string;
  /** Where its records land: the Kinesis stream, or the Firehose stream's name (`deliveryStream`). */
  readonly streamName: string;
  /** The Firehose stream of a target with its own destination (`firehose`), else null. */
  readonly deliveryStream: LocalDeliveryStream | null;
  readonly enrichmentDlqName: string;
  /** Target DLQ (lambda targets only). */
  readonly targetDlqName: string | null;
  /** Secrets holding the credentials and root CA. */
  readonly authSecret: SecretRef | null;
  readonly rootCaSecret: SecretRef | null;
  /** Truststore object key (poller with an s3Key truststore). */
  readonly truststoreKey: string | null;
}

/** The plan of a whole run. */
export interface LocalRunPlan {
  readonly sources: readonly LocalSourcePlan[];
  /** Topic → partitions to create. */
  readonly topics: ReadonlyMap<string, number>;
  /** Kinesis stream → shards. */
  readonly streams: ReadonlyMap<string, number>;
  /** Firehose streams (with their bucket and prefix). */
  readonly deliveryStreams: readonly LocalDeliveryStream[];
  readonly queues: readonly string[];
  readonly secrets: readonly SecretRef[];
  readonly truststoreKeys: readonly string[];
}

/**
 * The name of a secret reference: an ARN's resource part without Secrets Manager's 6-character suffix.
 * @example secretNameOf('arn:aws:secretsmanager:us-east-1:123456789012:secret:kafka/onprem/root-ca-GhIjKl') // 'kafka/onprem/root-ca'
 */
export function secretNameOf(ref: string): string {
  const m = /^arn:aws[a-z-]*:secretsmanager:[^:]+:\d{12}:secret:(.+)$/.exec(ref);
  if (!m) return ref;
  return (m[1] as string).replace(/-[A-Za-z0-9]{6}$/, '');
}

/** The SASL mechanism of an auth type's Kafka client (undefined: no SASL, or no client). */
function saslMechanismOf(auth: AuthKind): KafkaSasl['mechanism'] | undefined {
  if (!auth.client.supported || auth.secret?.material !== 'username-password') return undefined;
  const fieldNames: SecretFieldReader = { required: (field) => field, optional: () => undefined };
  return auth.client.clientAuth(fieldNames).sasl?.mechanism;
}

/** Whether an auth type's client authenticates with SASL/OAUTHBEARER (a token, no secret: MSK IAM). */
function usesOAuthBearer(auth: AuthKind): boolean {
  if (!auth.client.supported || auth.secret) return false;
  return auth.client.clientAuth(undefined, { region: 'us-east-1' }).sasl?.mechanism === 'oauthbearer';
}

/** The bed listener a source's auth type maps to. @throws Error for SASL/PLAIN (no such listener). */
export function listenerFor(type: SourceConfig['auth']['type']): BedListener {
  const auth = authKind(type);
  if (auth.secret?.material === 'client-certificate') return 'ssl';
  if (usesOAuthBearer(auth)) return 'saslIam';
  const mechanism = saslMechanismOf(auth);
  if (mechanism === 'plain') {
    throw new Error(`auth type ${type} (SASL/PLAIN) has no listener on the local test bed`);
  }
  return mechanism ? 'saslSsl' : 'plaintext';
}

/** Physical stream name, as infra/pipes-stack.ts names it for an environment. */
export function streamNameOf(source: SourceConfig, environment = LOCAL_ENVIRONMENT): string {
  return streamPhysicalName(source, environment);
}

/** Plans one source. */
export function planSource(source: SourceConfig, environment = LOCAL_ENVIRONMENT): LocalSourcePlan {
  const kind = sourceKind(source.kind);
  const auth = source.auth;
  const secretKind = authKind(auth.type).secret?.material;
  const truststore = source.poller?.truststore;
  const deliveryStream = targetKind(source.target.type).usesStream
    ? null
    : localDeliveryStreamOf(source, environment);
  return {
    source,
    listener: listenerFor(auth.type),
    eventSource: kind.eventSource,
    cluster: kind.clusterIdentity(source),
    streamName: deliveryStream?.name ?? streamNameOf(source, environment),
    deliveryStream,
    enrichmentDlqName: `${source.name}-enrichment-dlq-${environment}`,
    targetDlqName: targetKind(source.target.type).replay.sinkQueue
      ? `${source.name}-target-dlq-${environment}`
      : null,
    authSecret: secretKind && auth.secret ? { name: secretNameOf(auth.secret), kind: secretKind } : null,
    rootCaSecret: source.rootCaSecret ? { name: secretNameOf(source.rootCaSecret), kind: 'root-ca' } : null,
    truststoreKey: truststore && 's3Key' in truststore ? truststore.s3Key : null,
  };
}

/** Plans a run over `sources`. */
export function planLocalRun(
  sources: readonly SourceConfig[],
  environment = LOCAL_ENVIRONMENT,
): LocalRunPlan {
  const plans = sources.map((s) => planSource(s, environment));
  const topics = new Map<string, number>();
  const streams = new Map<string, number>();
  const deliveryStreams = new Map<string, LocalDeliveryStream>();
  const queues: string[] = [];
  const secrets = new Map<string, SecretRef>();
  const keys = new Set<string>();
  for (const p of plans) {
    const s = p.source;
    const wanted =
      s.engine === 'poller' && Array.isArray(s.poller?.partitions)
        ? Math.max(...s.poller.partitions) + 1
        : DEFAULT_LOCAL_PARTITIONS;
    topics.set(s.topic, Math.max(topics.get(s.topic) ?? 0, wanted, DEFAULT_LOCAL_PARTITIONS));
    if (p.deliveryStream) deliveryStreams.set(p.deliveryStream.name, p.deliveryStream);
    else
      streams.set(
        p.streamName,
        Math.max(streams.get(p.streamName) ?? 0, streamShardsOf(s) ?? DEFAULT_LOCAL_SHARDS),
      );
    queues.push(p.enrichmentDlqName);
    if (p.targetDlqName) queues.push(p.targetDlqName);
    for (const ref of [p.authSecret, p.rootCaSecret]) if (ref) secrets.set(ref.name, ref);
    if (p.truststoreKey) keys.add(p.truststoreKey);
  }
  return {
    sources: plans,
    topics,
    streams,
    deliveryStreams: [...deliveryStreams.values()],
    queues,
    secrets: [...secrets.values()],
    truststoreKeys: [...keys],
  };
}

/** Test-bed material a local run maps secrets to. */
export interface BedMaterial {
  readonly pki: {
    readonly rootCa: string;
    readonly clientCert: string;
    readonly clientKeyEncrypted: string;
    readonly clientKeyPassword: string;
    readonly longTrustBundle: string;
  };
  readonly scram: { readonly username: string; readonly password: string };
}

/**
 * The value a secret gets on moto, in the format Pipes reads: a client certificate
 * `{certificate (leaf+intermediate+root), privateKey (PKCS#8, PBES1-encrypted), privateKeyPassword}`,
 * the bed's SCRAM user `{username, password}`, root CA `{certificate}`.
 */
export function secretValue(ref: SecretRef, bed: BedMaterial): string {
  switch (ref.kind) {
    case 'client-certificate':
      return JSON.stringify({
        certificate: bed.pki.clientCert,
        privateKey: bed.pki.clientKeyEncrypted,
        privateKeyPassword: bed.pki.clientKeyPassword,
      });
    case 'username-password':
      return JSON.stringify({ username: bed.scram.username, password: bed.scram.password });
    case 'root-ca':
      return JSON.stringify({ certificate: bed.pki.rootCa });
  }
}

/** Secret values as read back from Secrets Manager, by name. */
export type SecretValues = ReadonlyMap<string, string>;

/** Reads the fields of a secret read back; a missing one names the secret and the field. */
function readSecret(values: SecretValues, ref: SecretRef): SecretFieldReader {
  const text = values.get(ref.name);
  if (text === undefined) throw new Error(`secret ${ref.name} was not read`);
  const parsed = JSON.parse(text) as Record<string, unknown>;
  const optional = (field: string) => {
    const v = parsed[field];
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
  return {
    optional,
    required: (field) => {
      const v = optional(field);
      if (v === undefined) throw new Error(`secret ${ref.name} has no "${field}" string`);
      return v;
    },
  };
}

/**
 * The Kafka connection of a source, built from its secrets the way a Pipe uses them: what its auth
 * type's module reads from the secret (pipes/kinds/auth/), over TLS with the root CA.
 * `brokers` are the addresses to dial (a bed listener, or KAFKA_BROKERS). `fallbackCa` stands in for the
 * public roots MSK and internet brokers chain to (the bed's private root locally; undefined for real
 * clusters = Node's public roots).
 */
export function connectionFor(
  plan: LocalSourcePlan,
  brokers: readonly string[],
  secrets: SecretValues,
  fallbackCa: string | undefined,
  iamCredentials?: () => Promise<AwsCredentialsLike>,
): KafkaConnection {
  const clientId = `local-${plan.source.name}`;
  if (plan.listener === 'plaintext') return { brokers, clientId };
  const ca = plan.rootCaSecret ? readSecret(secrets, plan.rootCaSecret).required('certificate') : fallbackCa;
  if (plan.listener === 'saslIam') {
    // A token signed for the cluster's Region with the bed's test identity (or the default chain).
    const { region } = kafkaClientSettings(plan.source, false);
    const context = {
      ...(region ? { region } : {}),
      ...(iamCredentials ? { credentials: iamCredentials } : {}),
    };
    const { sasl } = clientAuthOf(plan.source.auth.type, undefined, context);
    return { brokers, clientId, tls: ca ? { ca } : {}, ...(sasl ? { sasl } : {}) };
  }
  if (!plan.authSecret)
    throw new Error(`source ${plan.source.name} needs auth.secret for ${plan.source.auth.type}`);
  const { sasl, clientCertificate } = clientAuthOf(
    plan.source.auth.type,
    readSecret(secrets, plan.authSecret),
  );
  const tls = { ...(ca ? { ca } : {}), ...(clientCertificate ?? {}) };
  return { brokers, clientId, tls, ...(sasl ? { sasl } : {}) };
}
