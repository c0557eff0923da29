/**
 * The source-file schema (one YAML file per Kafka source in `pipes/sources/`).
 *
 * The zod schema is the single source of truth: `pipes/source.schema.json` is generated from it
 * (`npx tsx pipes/generate-schema.ts`) for editor autocompletion, and `pipes/load-sources.ts` turns its
 * issues into {@link ConfigIssue}s naming file, field, bad value and fix. Cross-field rules (kind vs auth,
 * MSK vs brokers, duplicate names, shared consumer groups …) live in `pipes/source-rules.ts`.
 *
 * This module is runtime-safe: it never imports aws-cdk-lib.
 */
import { z } from 'zod';
import { OFFSET_RESET_POLICIES } from '../core/kafka/start-offset.js';
import {
  FALLBACK_NAMES,
  KEY_FORMAT_NAMES,
  registrySettings,
  SCHEMA_LANGUAGES,
  VALUE_FORMAT_NAMES,
} from '../enrichment/formats/registry.js';
import { SECURITY_GROUP_ID, SUBNET_ID } from '../enrichment/formats/registry-vpc.js';
import { AUTH_TYPES, DEFAULT_AUTH_TYPE, SOURCE_KINDS, targetSchema } from './kinds/registry.js';
import { DEFAULTS, LIMITS } from './source-limits.js';

export {
  AUTH_TYPES,
  type AuthType,
  SOURCE_KINDS,
  type SourceKind,
  TARGET_TYPES,
  type TargetType,
  targetSchema,
} from './kinds/registry.js';
export { DEFAULTS, LIMITS } from './source-limits.js';

/** Starting positions Pipes accepts for Kafka (no AT_TIMESTAMP). */
export const STARTING_POSITIONS = ['TRIM_HORIZON', 'LATEST'] as const;
/** Pipe log levels. */
export const LOG_LEVELS = ['OFF', 'ERROR', 'INFO', 'TRACE'] as const;
/** Pipe desired states. */
export const DESIRED_STATES = ['RUNNING', 'STOPPED'] as const;
/** Ingestion engines: an EventBridge Pipe, or the fallback poller (long trust chains). */
export const ENGINES = ['pipe', 'poller'] as const;

/** The consumer group id used when a source does not set one: stable, derived from the name. */
export function defaultConsumerGroupId(name: string): string {
  return `${DEFAULTS.consumerGroupPrefix}${name}`;
}

/**
 * The stream a source writes to, before the environment suffix: `target.streamName`, else `<name>-events`.
 * Sources naming the same stream share it.
 */
export function streamKeyOf(source: Pick<SourceConfig, 'name' | 'target'>): string {
  return ('streamName' in source.target ? source.target.streamName : undefined) ?? `${source.name}-events`;
}

/** The provisioned shard count of a source's stream (`target.shards`), or undefined for on-demand. */
export function streamShardsOf(source: Pick<SourceConfig, 'target'>): number | undefined {
  return 'shards' in source.target ? source.target.shards : undefined;
}

/** Tag the stack puts on a source's resources (its DLQs included), with the source name as value. */
export const SOURCE_TAG_KEY = 'kafka-pipes:source';

/**
 * Physical name of the source's Kinesis stream in an environment, as the stack creates it.
 * @example streamPhysicalName({ name: 'orders', target }, 'prod') // → 'orders-events-prod' (no target.streamName)
 */
export function streamPhysicalName(
  source: Pick<SourceConfig, 'name' | 'target'>,
  environment: string,
): string {
  return `${streamKeyOf(source)}-${environment}`;
}

const NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;
const BROKER_PATTERN = /^[A-Za-z0-9.-]+:\d{1,5}$/;
const TOPIC_PATTERN = /^[A-Za-z0-9._-]{1,249}$/;
const MSK_CLUSTER_ARN_PATTERN =
  /^arn:aws[a-z-]*:kafka:[a-z0-9-]+:\d{12}:cluster\/[A-Za-z0-9-]+\/[A-Za-z0-9-]+$/;
const SECRET_REF_PATTERN =
  /^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+|[A-Za-z0-9/_+=.@-]{1,512})$/;
const KMS_KEY_ARN_PATTERN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

const int = () => z.number().int();

/**
 * A secret reference: a Secrets Manager ARN or a secret name, never the secret itself. What is deployed
 * takes only the full ARN (the `secret-full-arn` rule, pipes/secret-refs.ts); the commands that only read
 * the secret also take a name.
 */
export const secretRefSchema = z.string().regex(SECRET_REF_PATTERN).meta({
  description:
    'Full Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>); cdk synth refuses a name or a partial ARN (kafka-pipes preflight <source> --write writes the full ARN). Never the secret value.',
});

/** `auth` block. */
export const authSchema = z
  .strictObject({
    type: z.enum(AUTH_TYPES).meta({ description: 'Authentication mechanism.' }),
    secret: secretRefSchema.optional().meta({
      description:
        'Full ARN of the secret with the credentials: {username,password} for SASL/basic, {certificate,privateKey,privateKeyPassword?} for mtls.',
    }),
    kmsKeyArn: z.string().regex(KMS_KEY_ARN_PATTERN).optional().meta({
      description:
        'Customer managed KMS key encrypting the secrets (grants kms:Decrypt via Secrets Manager).',
    }),
  })
  .meta({ description: 'How the Pipe authenticates to the brokers.' });

/** `vpc` block. */
export const vpcSchema = z.strictObject({
  subnetIds: z
    .array(z.string().regex(SUBNET_ID))
    .min(1)
    .max(16)
    .meta({ description: 'Subnets the Pipe places its ENIs in.' }),
  securityGroupIds: z
    .array(z.string().regex(SECURITY_GROUP_ID))
    .min(1)
    .max(5)
    .meta({ description: 'Security groups of the Pipe ENIs.' }),
});

/** One filter pattern (EventBridge pattern syntax) on the record `value` (JSON) and/or `key`. */
export const filterSchema = z
  .strictObject({
    value: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: 'Pattern on the JSON record value.' }),
    key: z.unknown().optional().meta({ description: 'Pattern on the record key.' }),
  })
  .meta({ description: 'EventBridge filter pattern on value/key; records that match none are dropped.' });

/** The schema formats, for descriptions (`avro, json-schema`). */
const SCHEMA_FORMATS = SCHEMA_LANGUAGES.map((l) => l.format).join(', ');

/** `value` block: how record values are decoded (enrichment/formats/). */
export const valueSchema = z
  .strictObject({
    format: z
      .enum(VALUE_FORMAT_NAMES)
      .default('json')
      .meta({ description: `json, or a schema format read through registry: ${SCHEMA_FORMATS}.` }),
    registry: z.optional(registrySettings).meta({
      description:
        'Schema registry framing the values: {type: glue, registryName} or {type: confluent, url}.',
    }),
    fallback: z.optional(z.union([z.enum(FALLBACK_NAMES), registrySettings])).meta({
      description:
        'Values the registry did not frame: json (decode as JSON), dlq (default), or a second registry block.',
    }),
  })
  .meta({ description: 'How record values are decoded (default JSON).' });

/** `key` block: how record keys are decoded. */
export const keySchema = z
  .strictObject({
    format: z
      .enum(KEY_FORMAT_NAMES)
      .default('text')
      .meta({ description: `text, or a schema format read through registry: ${SCHEMA_FORMATS}.` }),
    registry: z.optional(registrySettings).meta({ description: 'Schema registry framing the keys.' }),
  })
  .meta({ description: 'How record keys are decoded (default text; other keys stay base64).' });

/** Truststore for the poller engine. */
export const truststoreSchema = z.union([
  z.strictObject({ s3Key: z.string().min(1).meta({ description: 'Key in the truststore bucket.' }) }),
  z.strictObject({ secret: secretRefSchema }),
  z.strictObject({
    file: z.string().min(1).meta({ description: 'Local PEM file uploaded at deploy time.' }),
  }),
]);

/** `poller` block (only with `engine: poller`). */
export const pollerSchema = z.strictObject({
  truststore: truststoreSchema.optional(),
  partitions: z
    .union([z.literal('auto'), z.array(int().min(0)).min(1)])
    .default('auto')
    .meta({ description: "'auto' (discover) or the list of partitions." }),
  iterations: int().min(1).max(60).default(4).meta({
    description:
      'Most polls of one partition per execution (a minute); each partition polls on its own until then or the 55 s time budget.',
  }),
  secondsWait: int().min(0).max(60).default(5).meta({
    description: 'Wait before polling a caught-up partition again (none while it has records left).',
  }),
  maxRecordsPerInvocation: int().min(1).max(100_000).default(1000),
  timeoutSeconds: int().min(10).max(900).default(65),
  lockTtlSeconds: int().min(10).max(3600).default(120),
  offsetReset: z.enum(OFFSET_RESET_POLICIES).optional().meta({
    description:
      'A committed offset outside the log (records deleted by retention, topic recreated): earliest, latest or fail. Default: earliest for TRIM_HORIZON, latest for LATEST.',
  }),
});

/** The whole source file. Unknown fields are rejected (typos get a "did you mean"). */
export const sourceFileSchema = z
  .strictObject({
    name: z
      .string()
      .max(LIMITS.NAME_CHARS_MAX)
      .regex(NAME_PATTERN)
      .meta({ description: 'Unique source name: lowercase letters, digits and dashes.' }),
    description: z.string().max(LIMITS.DESCRIPTION_CHARS_MAX).optional(),
    kind: z.enum(SOURCE_KINDS),
    brokers: z.array(z.string().regex(BROKER_PATTERN)).min(1).max(LIMITS.BROKERS_MAX).optional().meta({
      description:
        'host:port bootstrap brokers (1-3). Self-managed: required, REPLACES THE PIPE. MSK kinds: optional override of the brokers the poller and the CLI look up with GetBootstrapBrokers (the Pipe never uses them).',
    }),
    clusterArn: z
      .string()
      .regex(MSK_CLUSTER_ARN_PATTERN)
      .optional()
      .meta({ description: 'MSK / MSK Serverless cluster ARN.' }),
    topic: z.string().regex(TOPIC_PATTERN).meta({ description: 'Kafka topic. REPLACES THE PIPE.' }),
    consumerGroupId: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,200}$/)
      .optional()
      .meta({ description: 'Consumer group; default kafka-pipes-<name>. REPLACES THE PIPE.' }),
    startingPosition: z
      .enum(STARTING_POSITIONS)
      .default(DEFAULTS.startingPosition)
      .meta({ description: 'Where a new consumer group starts. REPLACES THE PIPE.' }),
    batchSize: int().min(LIMITS.BATCH_SIZE_MIN).max(LIMITS.BATCH_SIZE_MAX).default(DEFAULTS.batchSize),
    batchingWindowSeconds: int()
      .min(LIMITS.BATCHING_WINDOW_SECONDS_MIN)
      .max(LIMITS.BATCHING_WINDOW_SECONDS_MAX)
      .default(DEFAULTS.batchingWindowSeconds),
    auth: authSchema.default({ type: DEFAULT_AUTH_TYPE }),
    rootCaSecret: secretRefSchema.optional().meta({
      description: 'Full ARN of the secret {certificate} with the private root CA (self-managed only).',
    }),
    vpc: vpcSchema.optional(),
    filters: z.array(filterSchema).max(LIMITS.FILTERS_MAX).optional(),
    value: valueSchema.optional(),
    key: keySchema.optional(),
    target: targetSchema,
    engine: z.enum(ENGINES).default(DEFAULTS.engine),
    poller: pollerSchema.optional(),
    rules: z.string().min(1).default(DEFAULTS.rules).meta({ description: 'Enrichment rules file.' }),
    logLevel: z.enum(LOG_LEVELS).default(DEFAULTS.logLevel),
    logRetentionDays: int().min(1).max(3653).default(LIMITS.LOG_RETENTION_DAYS_DEFAULT),
    tags: z.record(z.string().min(1).max(128), z.string().max(256)).optional(),
    desiredState: z.enum(DESIRED_STATES).default(DEFAULTS.desiredState),
  })
  .meta({ title: 'Kafka source', description: 'One Kafka source ingested through an EventBridge Pipe.' });

/** A source as written in the file (defaults not applied). */
export type SourceFileInput = z.input<typeof sourceFileSchema>;

/** A validated source, defaults applied (consumerGroupId always set). */
export type SourceConfig = Omit<z.output<typeof sourceFileSchema>, 'consumerGroupId'> & {
  /** Kafka consumer group; defaults to `kafka-pipes-<name>`. */
  readonly consumerGroupId: string;
};

/** The `auth` block of a validated source. */
export type SourceAuth = SourceConfig['auth'];
/** The `target` block of a validated source. */
export type SourceTarget = SourceConfig['target'];
/** The `poller` block of a validated source. */
export type PollerConfig = z.output<typeof pollerSchema>;

/** Fields whose change replaces the Pipe (a new consumer starts: offsets restart from startingPosition). */
export const REPLACEMENT_FIELDS = ['topic', 'startingPosition', 'consumerGroupId', 'brokers'] as const;
/** A field whose change replaces the Pipe. */
export type ReplacementField = (typeof REPLACEMENT_FIELDS)[number];

/** The enrichment's partition-key spec (mirrors enrichment's `PartitionKeySpec`). */
export type PartitionKeySpec =
  | { readonly type: 'record-key' }
  | { readonly type: 'topic-partition' }
  | { readonly type: 'field'; readonly path: string };

/**
 * Turns the source-file partition key into the enrichment's spec.
 * @example toPartitionKeySpec('field:app_name') // { type: 'field', path: 'app_name' }
 */
export function toPartitionKeySpec(value: string): PartitionKeySpec {
  if (value === 'record-key' || value === 'topic-partition') return { type: value };
  if (value.startsWith('field:')) return { type: 'field', path: value.slice('field:'.length) };
  throw new Error(`Unknown partition key "${value}": use record-key, topic-partition or field:<path>`);
}

/** JSON Schema (draft 2020-12) of a source file, for editors (`# yaml-language-server: $schema=...`). */
export function sourceJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(sourceFileSchema, { io: 'input', target: 'draft-2020-12' }),
    $id: 'https://github.com/kafka-pipes-template/pipes/source.schema.json',
  };
}
