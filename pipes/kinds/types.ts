/**
 * The contracts of the kind modules: one module per auth type (`pipes/kinds/auth/`), per source kind
 * (`pipes/kinds/sources/`) and per target type (`pipes/kinds/targets/`), listed in `pipes/kinds/registry.ts`.
 *
 * A kind module holds data and small pure functions only: its part of the source-file schema and its
 * cross-field rules, the Pipe parameters and IAM grants it needs (as plain data the constructs turn into
 * `CfnPipe` props and `PolicyStatement`s), the Kafka client options it implies, what the CLI reads, asks and
 * replays for it, and the AWS service rules it must satisfy. Runtime-safe: no aws-cdk-lib value imports.
 */
import type { CfnPipe } from 'aws-cdk-lib/aws-pipes';
import type { z } from 'zod';
import type { DeliveryConfigField } from '../../core/delivery-registry.js';
import type { ConfigIssue } from '../../core/errors.js';
import type { KafkaSasl } from '../../core/kafka/client.js';
import type { AwsCredentialsLike } from '../../core/kafka/msk-iam-token.js';
import type { MskBootstrapFields } from '../../core/msk-bootstrap.js';
import type { KafkaEventSource } from '../../enrichment/kafka-event.js';
import type { SourceConfig } from '../source-schema.js';

/** One IAM policy statement as plain data (the constructs make it a `PolicyStatement`). */
export interface GrantSpec {
  readonly sid: string;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly conditions?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** Where a source is validated: the file it came from, and the stack's account/Region when known. */
export interface RuleContext {
  readonly file: string;
  readonly account?: string;
  readonly region?: string;
  /**
   * The caller only reads the source (`check`, `dlq replay`, `preflight`, the local run): the rules marked
   * `deployOnly` are skipped.
   */
  readonly readOnly?: boolean;
}

/**
 * A rule an AWS service applies when it creates or updates a resource, checked before deployment.
 * `check` returns `file: field: message. Fix: …` issues (empty when the source satisfies the rule).
 */
export interface ServiceRule {
  /** Stable id, e.g. `kinesis-batch-size`. */
  readonly id: string;
  /** The AWS documentation page the rule comes from. */
  readonly doc: string;
  /**
   * The rule concerns only what the stack deploys (e.g. the secret ARNs of the Pipe and the IAM grants):
   * commands that only read the source skip it (`RuleContext.readOnly`).
   */
  readonly deployOnly?: true;
  check(source: SourceConfig, context: RuleContext): ConfigIssue[];
}

/** Reports one problem of a raw (possibly invalid) source file. */
export type AddIssue = (field: string, message: string, fix: string) => void;

/** A parsed source file, valid or not. */
export type RawSource = Readonly<Record<string, unknown>>;

/** The settings of a Kafka source the Pipe source parameters and grants are made from. */
export interface KafkaSourceSpec {
  /** Kind of cluster. */
  readonly kind: string;
  /**
   * `host:port` bootstrap brokers (self-managed: 1–3, the first one makes the `smk://` source; MSK kinds:
   * an optional override of the looked-up brokers for the project's Kafka clients, never used by the Pipe).
   */
  readonly brokers?: readonly string[];
  /** MSK / MSK Serverless cluster ARN (msk kinds only). */
  readonly clusterArn?: string;
  /** Topic to read. */
  readonly topic: string;
  /** Consumer group id. */
  readonly consumerGroupId: string;
  /** TRIM_HORIZON or LATEST. */
  readonly startingPosition: 'TRIM_HORIZON' | 'LATEST';
  /** Records per batch (1–10000). */
  readonly batchSize: number;
  /** Batching window in seconds (0–300). */
  readonly batchingWindowSeconds: number;
  /** Authentication type. */
  readonly authType: string;
  /** Credentials secret: its full ARN (required by the auth types that read a secret). */
  readonly authSecret?: string;
  /** Customer managed KMS key ARN encrypting the secrets (adds kms:Decrypt via Secrets Manager). */
  readonly secretsKmsKeyArn?: string;
  /** Secret with the server root CA (self-managed only): its full ARN. */
  readonly rootCaSecret?: string;
  /** VPC placement (self-managed only). */
  readonly vpc?: {
    readonly subnetIds: readonly string[];
    readonly securityGroupIds: readonly string[];
  };
}

/** The Pipe's Kafka source parameters (exactly one member). */
export type PipeKafkaSourceParameters =
  | { readonly selfManagedKafkaParameters: CfnPipe.PipeSourceSelfManagedKafkaParametersProperty }
  | { readonly managedStreamingKafkaParameters: CfnPipe.PipeSourceManagedStreamingKafkaParametersProperty };

/** Reads the fields of a credentials secret (JSON); each caller raises its own error for a missing field. */
export interface SecretFieldReader {
  /** A non-empty string field, or the caller's error. */
  required(field: string): string;
  /** A non-empty string field, or undefined. */
  optional(field: string): string | undefined;
}

/** SASL mechanisms of the Kafka client. */
export type SaslMechanism = 'scram-sha-256' | 'scram-sha-512' | 'plain';

/** What an auth type adds to a Kafka client connection. */
export interface KafkaClientAuth {
  /** SASL: user name and password, or an OAUTHBEARER token provider (IAM). */
  readonly sasl?: KafkaSasl;
  /** TLS client certificate chain and key (PEM; the key possibly encrypted with `passphrase`). */
  readonly clientCertificate?: { readonly cert: string; readonly key: string; readonly passphrase?: string };
}

/** The credentials secret of an auth type. */
export interface AuthSecret {
  /** The JSON fields the secret holds (Pipes format), required ones first. */
  readonly fields: readonly string[];
  /** Which shape of material it is: what `preflight` and the CLI read from it. */
  readonly material: 'client-certificate' | 'username-password';
  /** Names the secret in messages, e.g. `the client certificate secret`. */
  readonly content: string;
  /** Fix when the secret is missing. */
  readonly fix: string;
  /** `onboard`'s prompt for the secret. */
  readonly prompt: string;
}

/** What the cluster gives a client's auth besides the secret. */
export interface ClientAuthContext {
  /** Region of the cluster (from its ARN): MSK IAM tokens are signed for it. */
  readonly region?: string;
  /** Credentials for IAM; default: the SDK's default credential chain (Lambda role, profile, environment). */
  readonly credentials?: () => Promise<AwsCredentialsLike>;
}

/** How the Kafka clients of this project (poller, `check`, `dlq replay --from-kafka`, local run) authenticate. */
export type AuthClient =
  | {
      readonly supported: true;
      /** Builds the client auth from the secret (undefined for auth types without a secret). */
      clientAuth(secret: SecretFieldReader | undefined, context?: ClientAuthContext): KafkaClientAuth;
      /** Likely cause and fix when the broker refuses the authentication (`check`); default: the secret's. */
      readonly refused?: { readonly cause: string; readonly fix: string };
    }
  | {
      readonly supported: false;
      /** Why the Kafka client cannot use it. */
      readonly reason: string;
      /** Fix for a source that runs it on the poller engine. */
      readonly pollerFix: string;
      /** What to check instead (`check`). */
      readonly checkFix: string;
    };

/** One authentication type. */
export interface AuthKind<T extends string = string> {
  /** The `auth.type` value. */
  readonly type: T;
  /** The Pipes credentials union member that carries the secret ARN, when the Pipe takes a secret. */
  readonly pipeCredential?:
    | 'basicAuth'
    | 'saslScram256Auth'
    | 'saslScram512Auth'
    | 'clientCertificateTlsAuth';
  /** The secret it reads; absent = `auth.secret` is not allowed. */
  readonly secret?: AuthSecret;
  /** TLS is mandatory (the client certificate is presented in the TLS handshake). */
  readonly requiresTls: boolean;
  /** Clients turn TLS on for it unless told otherwise (SASL_SSL, mTLS, IAM listeners). */
  readonly tlsByDefault: boolean;
  /** The Kafka client options it implies. */
  readonly client: AuthClient;
  /** IAM grants of the Pipe role beyond reading the secret. */
  pipeGrants(spec: KafkaSourceSpec): GrantSpec[];
  /**
   * IAM grants the project's Kafka client needs with it on the poller's role, beyond reading the secret
   * (absent: none).
   */
  clientGrants?(spec: KafkaSourceSpec): GrantSpec[];
  /**
   * The MSK GetBootstrapBrokers broker strings its clients dial (core/msk-bootstrap.ts); absent: MSK has no
   * listener for it.
   */
  readonly mskBootstrap?: MskBootstrapFields;
  /**
   * npm packages the project's Kafka client loads (dynamic import) for it only; the poller bundles of
   * sources with another auth type leave them out (absent: none).
   */
  readonly clientPackages?: readonly string[];
  /** AWS service rules. */
  readonly rules: readonly ServiceRule[];
}

/** One Kafka deployment kind. */
export interface SourceKindModule<K extends string = string> {
  /** The `kind` value. */
  readonly kind: K;
  /** Auth types it accepts (Pipes credentials union). */
  readonly authTypes: readonly string[];
  /** Fix for an auth type it does not accept. */
  readonly authFix: string;
  /** The `eventSource` of the Pipe's Kafka events. */
  readonly eventSource: KafkaEventSource;
  /** Clients use TLS even with auth `none` (MSK listeners are TLS). */
  readonly tlsByDefault: boolean;
  /** Source fields it uses (what `onboard` asks). */
  readonly fields: readonly ('brokers' | 'clusterArn' | 'rootCaSecret' | 'vpc')[];
  /** The auth type `onboard` proposes. */
  readonly defaultAuth: string;
  /** The cluster identity in event ids: the bootstrap servers or the cluster ARN. */
  clusterIdentity(source: Pick<KafkaSourceSpec, 'brokers' | 'clusterArn'>): string;
  /** The Pipe's `Source`. */
  sourceArn(spec: KafkaSourceSpec): string;
  /** The Pipe's source parameters, from the parameters every kind shares. */
  pipeParameters(
    spec: KafkaSourceSpec,
    shared: CfnPipe.PipeSourceManagedStreamingKafkaParametersProperty,
  ): PipeKafkaSourceParameters;
  /**
   * Where the project's Kafka clients (poller, `check`, `dlq replay --from-kafka`) find the brokers:
   * `required` = the file's `brokers`; `lookup` = GetBootstrapBrokers on `clusterArn` (the broker string of
   * the auth type), with `brokers` as an optional override.
   */
  readonly brokers: 'required' | 'lookup';
  /** IAM grants of the poller's role for the cluster itself (looking its brokers up). */
  pollerGrants(spec: KafkaSourceSpec): GrantSpec[];
  /** Whether the Pipe creates ENIs. */
  usesVpc(spec: KafkaSourceSpec): boolean;
  /** IAM grants of the Pipe role for the cluster itself. */
  pipeGrants(spec: KafkaSourceSpec): GrantSpec[];
  /** Cross-field rules on the raw file (kind vs brokers / clusterArn / rootCaSecret / vpc). */
  checkRaw(raw: RawSource, add: AddIssue): void;
  /** Construct-prop checks (messages name the received value). */
  validateSpec(spec: KafkaSourceSpec): string[];
  /** AWS service rules. */
  readonly rules: readonly ServiceRule[];
}

/** One target type. */
export interface TargetKind<T extends string = string, S extends z.ZodType = z.ZodType> {
  /** The `target.type` value. */
  readonly type: T;
  /** Its `target` block of the source-file schema (`type` is the discriminator). */
  readonly schema: S;
  /**
   * How `dlq replay` handles it: where records are re-delivered by default (the data-lake stream, the
   * target function or the Firehose stream), what `dlq replay --to <this type>` writes to, and whether the
   * target has a sink DLQ (`--queue sink`).
   */
  readonly replay: {
    readonly destination: 'stream' | 'function' | 'delivery-stream';
    readonly to: 'stream' | 'function' | 'delivery-stream';
    readonly sinkQueue: boolean;
  };
  /**
   * Records land in the stack's data-lake Kinesis stream (`target.streamName`, `target.shards`): the stack
   * creates the stream for the source and the poller writes it. False: the target has its own destination.
   */
  readonly usesStream: boolean;
  /**
   * How the poller writes this target's records: the POLLER_CONFIG field naming its destination (the
   * delivery service of core/delivery-registry.ts that writes it) and the poller role's grants on it.
   */
  readonly pollerDelivery: {
    readonly configField: DeliveryConfigField;
    grants(destination: { readonly arn: string; readonly keyArn?: string }): GrantSpec[];
  };
  /** The Pipe's target parameters, and the Pipe role's grants on the target resource. */
  readonly pipeTarget: {
    readonly parameters: CfnPipe.PipeTargetParametersProperty;
    grants(target: { readonly arn: string; readonly keyArn?: string }): GrantSpec[];
  };
  /**
   * What the target takes in one invocation of the Pipe. The KafkaPipe construct passes these to the
   * enrichment Lambda (TARGET_MAX_* variables), which returns no more records or bytes than this.
   */
  readonly limits: {
    /** Most records (the target's maximum batch size on the Pipes batching page). */
    readonly maxRecords: number;
    /** Most bytes of one record (serialized record plus partition key). */
    readonly maxRecordBytes: number;
    /** Most bytes of one request, counted as record data plus partition keys (Kinesis PutRecords). */
    readonly maxRequestBytes?: number;
    /** Most bytes of the JSON array the target receives as one payload (Lambda async invoke). */
    readonly maxPayloadBytes?: number;
  };
  /** AWS service rules. */
  readonly rules: readonly ServiceRule[];
}
