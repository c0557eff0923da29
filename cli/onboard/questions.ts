/**
 * The questions of `onboard`, in the order they are asked, each with the source field it fills, the flag
 * that answers it, when it applies, its choices and its default (data table).
 */

import {
  FALLBACK_NAMES,
  findSchemaLanguage,
  SCHEMA_REGISTRIES,
  VALUE_FORMAT_NAMES,
} from '../../enrichment/formats/registry.js';
import type { SchemaRegistryModule } from '../../enrichment/formats/schema-types.js';
import {
  AUTH_BY_KIND,
  AUTH_TYPES,
  findAuthKind,
  findSourceKind,
  SOURCE_KINDS,
  TARGET_TYPES,
} from '../../pipes/kinds/registry.js';
import type { SourceKindModule } from '../../pipes/kinds/types.js';
import { DEFAULTS, STARTING_POSITIONS } from '../../pipes/source-schema.js';

/** Flags of `onboard` (all optional; missing ones are asked for unless --non-interactive). */
export interface OnboardFlags {
  readonly name?: string;
  readonly description?: string;
  readonly kind?: string;
  readonly brokers?: string;
  readonly clusterArn?: string;
  readonly topic?: string;
  readonly consumerGroupId?: string;
  readonly startingPosition?: string;
  readonly batchSize?: string;
  readonly batchingWindow?: string;
  readonly auth?: string;
  readonly authSecret?: string;
  readonly rootCaSecret?: string;
  readonly subnets?: string;
  readonly securityGroups?: string;
  readonly target?: string;
  readonly streamName?: string;
  readonly partitionKey?: string;
  readonly shards?: string;
  readonly retryAttempts?: string;
  /** Firehose target: json or parquet (`target.format`). */
  readonly objectFormat?: string;
  readonly engine?: string;
  readonly truststore?: string;
  readonly rules?: string;
  /** Value format (json, or a schema format of enrichment/formats/registry.ts). */
  readonly valueFormat?: string;
  /** Registry type of a schema format; its fields come from the registry module (`--registry-name` …). */
  readonly registry?: string;
  /** What values the registry did not frame become: json or dlq. */
  readonly valueFallback?: string;
  readonly nonInteractive?: boolean;
  /** Print the file instead of writing it. */
  readonly dryRun?: boolean;
  /** Output file (default <sources-dir>/<name>.yaml). */
  readonly output?: string;
  readonly sourcesDir?: string;
}

/** Answers keyed by source-file path (dotted). */
export type Answers = Record<string, string | undefined>;

/** One question: the source field it fills, when it applies, its default and choices. */
export interface Question {
  readonly field: string;
  /** The flag that answers it (a registry module's field flags are not in OnboardFlags: see formatQuestions). */
  readonly flag: keyof OnboardFlags | string;
  /** The question, or a function of the answers so far. */
  readonly prompt: string | ((a: Answers) => string);
  readonly applies?: (a: Answers) => boolean;
  readonly choices?: (a: Answers) => readonly string[];
  readonly default?: (a: Answers) => string | undefined;
  /** Optional: an empty answer leaves the field out. */
  readonly optional?: boolean;
  /** Fields set with it when it is answered (source-file paths). */
  readonly implies?: Readonly<Record<string, string>>;
}

/** The secret the chosen auth type reads, if any. */
const secretOf = (a: Answers) => findAuthKind(a['auth.type'])?.secret;
/** Whether the chosen kind has the source field (what its module lists). */
const kindUses = (field: SourceKindModule['fields'][number]) => (a: Answers) =>
  findSourceKind(a.kind)?.fields.includes(field) ?? false;

/** The questions, in the order they are asked (flags fill the same fields). */
export const QUESTIONS: readonly Question[] = [
  { field: 'name', flag: 'name', prompt: 'Source name (lowercase letters, digits, dashes)' },
  { field: 'description', flag: 'description', prompt: 'Description', optional: true },
  {
    field: 'kind',
    flag: 'kind',
    prompt: 'Kafka kind',
    choices: () => SOURCE_KINDS,
    default: () => SOURCE_KINDS[0],
  },
  {
    field: 'brokers',
    flag: 'brokers',
    prompt: 'Bootstrap brokers, host:port comma-separated (1-3)',
    applies: kindUses('brokers'),
  },
  { field: 'clusterArn', flag: 'clusterArn', prompt: 'MSK cluster ARN', applies: kindUses('clusterArn') },
  { field: 'topic', flag: 'topic', prompt: 'Topic' },
  ...formatQuestions(),
  {
    field: 'auth.type',
    flag: 'auth',
    prompt: 'Authentication',
    choices: (a) => AUTH_BY_KIND[a.kind as keyof typeof AUTH_BY_KIND] ?? AUTH_TYPES,
    default: (a) => findSourceKind(a.kind)?.defaultAuth,
  },
  {
    field: 'auth.secret',
    flag: 'authSecret',
    prompt: (a) => secretOf(a)?.prompt ?? 'Secrets Manager secret (ARN or name) with the credentials',
    applies: (a) => secretOf(a) !== undefined,
  },
  {
    field: 'rootCaSecret',
    flag: 'rootCaSecret',
    prompt: 'Secret with the private root CA {certificate} (empty: public CA)',
    applies: kindUses('rootCaSecret'),
    optional: true,
  },
  {
    field: 'vpc.subnetIds',
    flag: 'subnets',
    prompt: 'VPC subnet ids, comma-separated (empty: no VPC)',
    applies: kindUses('vpc'),
    optional: true,
  },
  {
    field: 'vpc.securityGroupIds',
    flag: 'securityGroups',
    prompt: 'Security group ids, comma-separated',
    applies: (a) => Boolean(a['vpc.subnetIds']),
  },
  {
    field: 'poller.truststore',
    flag: 'truststore',
    prompt:
      'Poller truststore: s3:<key> (bucket object), secret:<ARN or name>, file:<path> (empty: rootCaSecret, else the public CAs)',
    applies: (a) => a.engine === 'poller',
    optional: true,
  },
  {
    field: 'target.type',
    flag: 'target',
    prompt: 'Target',
    choices: () => TARGET_TYPES,
    default: () => TARGET_TYPES[0],
  },
  {
    field: 'target.streamName',
    flag: 'streamName',
    prompt: 'Kinesis stream name (empty: one per source)',
    optional: true,
  },
  {
    field: 'target.partitionKey',
    flag: 'partitionKey',
    prompt: 'Partition key: record-key, topic-partition or field:<path>',
    default: () => DEFAULTS.partitionKey,
  },
  {
    field: 'startingPosition',
    flag: 'startingPosition',
    prompt: 'Starting position',
    choices: () => STARTING_POSITIONS,
    default: () => DEFAULTS.startingPosition,
  },
  {
    field: 'batchSize',
    flag: 'batchSize',
    prompt: 'Batch size (1-10000)',
    default: () => String(DEFAULTS.batchSize),
  },
  {
    field: 'batchingWindowSeconds',
    flag: 'batchingWindow',
    prompt: 'Batching window in seconds (0-300)',
    default: () => String(DEFAULTS.batchingWindowSeconds),
  },
];

/**
 * The value format, then for a schema format its registry type, the registry module's own fields
 * (SchemaRegistryModule `onboard`) and the fallback: every registry and format from their registries.
 */
function formatQuestions(): Question[] {
  const schemaFormat = (a: Answers) => findSchemaLanguage(a['value.format'] ?? 'json') !== undefined;
  const registries = SCHEMA_REGISTRIES as readonly SchemaRegistryModule[];
  const registryFields = registries.flatMap((module) =>
    module.onboard.map(
      (f): Question => ({
        field: `value.registry.${f.field}`,
        flag: f.flag,
        prompt: f.prompt,
        applies: (a) => schemaFormat(a) && a['value.registry.type'] === module.type,
        ...(f.optional ? { optional: true } : {}),
        ...(f.implies
          ? {
              implies: Object.fromEntries(
                Object.entries(f.implies).map(([k, v]) => [`value.registry.${k}`, v]),
              ),
            }
          : {}),
      }),
    ),
  );
  return [
    {
      field: 'value.format',
      flag: 'valueFormat',
      prompt: 'Value format (empty: json)',
      choices: () => VALUE_FORMAT_NAMES,
      optional: true,
    },
    {
      field: 'value.registry.type',
      flag: 'registry',
      prompt: 'Schema registry framing the values',
      applies: schemaFormat,
      choices: () => registries.map((r) => r.type),
      default: () => registries[0]?.type,
    },
    ...registryFields,
    {
      field: 'value.fallback',
      flag: 'valueFallback',
      prompt: 'Values the registry did not frame (the secondary deserializer; empty: dlq)',
      applies: schemaFormat,
      choices: () => FALLBACK_NAMES,
      optional: true,
    },
  ];
}

/** Flags only taken from the command line (no question). */
export const FLAG_ONLY: readonly { field: string; flag: keyof OnboardFlags }[] = [
  { field: 'consumerGroupId', flag: 'consumerGroupId' },
  { field: 'target.shards', flag: 'shards' },
  { field: 'target.retryAttempts', flag: 'retryAttempts' },
  { field: 'target.format', flag: 'objectFormat' },
  { field: 'engine', flag: 'engine' },
  { field: 'rules', flag: 'rules' },
];

/**
 * The choice an answer names, in any letter case (`latest` → `LATEST`); undefined when it names none.
 */
export function matchChoice(choices: readonly string[], answer: string): string | undefined {
  return choices.find((c) => c === answer) ?? choices.find((c) => c.toLowerCase() === answer.toLowerCase());
}

/**
 * Top-level question that owns an issue's field (e.g. `vpc.subnetIds.0` or the loader's `brokers[0]` → the
 * subnets or brokers question).
 */
export function questionFor(issueField: string, a: Answers): Question | undefined {
  const field = issueField.replace(/\[(\d+)\]/g, '.$1');
  const applicable = QUESTIONS.filter((q) => !q.applies || q.applies(a));
  return (
    applicable.find((q) => field === q.field || field.startsWith(`${q.field}.`)) ??
    applicable.find((q) => q.field.startsWith(`${field}.`) || q.field === field.split('.')[0])
  );
}
