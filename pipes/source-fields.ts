/**
 * Human wording for every source-file field: a label for messages and the fix to suggest.
 * Paths use `[]` for array elements (`vpc.subnetIds[]`).
 */
import { KEY_FORMAT_NAMES, SCHEMA_REGISTRIES, VALUE_FORMAT_NAMES } from '../enrichment/formats/registry.js';
import { TARGET_TYPES } from './kinds/registry.js';
import { LIMITS } from './source-schema.js';

/** `a, b or c`: the choices a registry lists, for a fix text. */
const choices = (names: readonly string[]): string =>
  names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
const TARGETS = choices(TARGET_TYPES);
const REGISTRIES = choices(SCHEMA_REGISTRIES.map((r) => r.type));

/** The fields of a registry block (`value.registry`, a registry `value.fallback`, `key.registry`). */
const registryBlockDocs = (block: string): [string, FieldDoc][] => [
  [`${block}.type`, { label: 'Registry type', fix: `set ${block}.type to ${REGISTRIES}` }],
  [
    `${block}.registryName`,
    {
      label: 'Glue registry name',
      fix: 'use the Glue Schema Registry name: letters, digits, "-", "_", "$", "#", "." (1-255)',
    },
  ],
  [`${block}.region`, { label: 'Registry Region', fix: 'use an AWS Region such as eu-west-1' }],
  [`${block}.url`, { label: 'Registry URL', fix: 'use the https:// URL of the registry' }],
  [
    `${block}.auth.secret`,
    {
      label: 'Registry credentials secret',
      fix: 'use the full ARN of the secret holding {"username","password"} (…:secret:<name>-<6 characters>)',
    },
  ],
  [
    `${block}.rootCaSecret`,
    {
      label: 'Registry root CA secret',
      fix: 'use the full ARN of the secret holding {"certificate": "<root CA PEM>"}',
    },
  ],
  [
    `${block}.kmsKeyArn`,
    {
      label: 'Registry secrets KMS key',
      fix: 'use the ARN of the customer managed key of the registry secrets (arn:aws:kms:<region>:<account>:key/<id>)',
    },
  ],
  // Its `vpc` setting (enrichment/formats/registry-vpc.ts).
  [
    `${block}.vpc`,
    {
      label: 'Registry VPC',
      fix: 'set vpc: true (the source vpc) or vpc: {subnetIds: [1-16 subnet ids], securityGroupIds: [1-5 security group ids]}',
    },
  ],
  [`${block}.vpc.subnetIds[]`, { label: 'Subnet id', fix: 'use a subnet id like subnet-0abc1234' }],
  [
    `${block}.vpc.securityGroupIds[]`,
    { label: 'Security group id', fix: 'use a security group id like sg-0abc1234' },
  ],
];

/** The field docs of every registry block. */
const REGISTRY_BLOCK_DOCS: Record<string, FieldDoc> = Object.fromEntries(
  ['value.registry', 'value.fallback', 'key.registry'].flatMap(registryBlockDocs),
);

/** The docs of a format block (`value`, `key`): the block, its format and its registry. */
function formatBlockDocs(block: 'value' | 'key', formats: readonly string[]): Record<string, FieldDoc> {
  const label = block === 'value' ? 'Value' : 'Key';
  return {
    [block]: {
      label: `${label} format`,
      fix: `set ${block}.format (${formats.join(', ')}) and, for a schema format, ${block}.registry`,
    },
    [`${block}.format`]: { label: `${label} format`, fix: `set ${block}.format to ${choices(formats)}` },
    [`${block}.registry`]: {
      label: `${label} registry`,
      fix: `use ${SCHEMA_REGISTRIES.map((r) => r.settingsExample).join(' or ')}`,
    },
  };
}

/** How a field is described in validation messages. */
export interface FieldDoc {
  /** Label used at the start of a message, e.g. `Batch size`. */
  readonly label: string;
  /** How to fix a bad value. */
  readonly fix: string;
}

/** Field docs keyed by normalized path. */
export const FIELD_DOCS: Readonly<Record<string, FieldDoc>> = {
  name: {
    label: 'Name',
    fix: `use 1-${LIMITS.NAME_CHARS_MAX} lowercase letters, digits and dashes, e.g. onprem-apic`,
  },
  description: { label: 'Description', fix: `use at most ${LIMITS.DESCRIPTION_CHARS_MAX} characters` },
  kind: { label: 'Kind', fix: 'set kind to self-managed, msk or msk-serverless' },
  brokers: {
    label: 'Brokers',
    fix: `list 1-${LIMITS.BROKERS_MAX} bootstrap brokers as host:port; Pipes discovers the rest of the cluster`,
  },
  'brokers[]': { label: 'Broker', fix: 'write the broker as host:port, e.g. broker-1.example.com:9093' },
  clusterArn: {
    label: 'Cluster ARN',
    fix: 'use the MSK cluster ARN, e.g. arn:aws:kafka:us-east-1:123456789012:cluster/my-cluster/abcd-1234',
  },
  topic: { label: 'Topic', fix: 'use a Kafka topic name: letters, digits, ".", "_" and "-" (max 249)' },
  consumerGroupId: {
    label: 'Consumer group id',
    fix: 'use letters, digits, ".", "_", ":" and "-" (max 200), or remove it to use kafka-pipes-<name>',
  },
  startingPosition: { label: 'Starting position', fix: 'set startingPosition to TRIM_HORIZON or LATEST' },
  batchSize: {
    label: 'Batch size',
    fix: `set batchSize to a whole number from ${LIMITS.BATCH_SIZE_MIN} to ${LIMITS.BATCH_SIZE_MAX}`,
  },
  batchingWindowSeconds: {
    label: 'Batching window',
    fix: `set batchingWindowSeconds to a whole number of seconds from ${LIMITS.BATCHING_WINDOW_SECONDS_MIN} to ${LIMITS.BATCHING_WINDOW_SECONDS_MAX}`,
  },
  auth: { label: 'Auth', fix: 'set auth.type (and auth.secret unless type is none or iam)' },
  'auth.type': {
    label: 'Auth type',
    fix: 'set auth.type to none, sasl-scram-256, sasl-scram-512, basic, mtls or iam',
  },
  'auth.secret': {
    label: 'Auth secret',
    fix: 'reference the secret by its full ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>-<6 characters>)',
  },
  'auth.kmsKeyArn': {
    label: 'Secrets KMS key',
    fix: 'use a KMS key ARN, e.g. arn:aws:kms:us-east-1:123456789012:key/<id>',
  },
  rootCaSecret: {
    label: 'Root CA secret',
    fix: 'reference the secret holding {"certificate": "<PEM>"} by its full ARN (…:secret:<name>-<6 characters>)',
  },
  vpc: { label: 'VPC', fix: 'set vpc.subnetIds and vpc.securityGroupIds' },
  'vpc.subnetIds': { label: 'Subnets', fix: 'list 1-16 subnet ids' },
  'vpc.subnetIds[]': { label: 'Subnet id', fix: 'use a subnet id like subnet-0abc1234' },
  'vpc.securityGroupIds': { label: 'Security groups', fix: 'list 1-5 security group ids' },
  'vpc.securityGroupIds[]': { label: 'Security group id', fix: 'use a security group id like sg-0abc1234' },
  filters: { label: 'Filters', fix: `list at most ${LIMITS.FILTERS_MAX} patterns` },
  'filters[]': {
    label: 'Filter',
    fix: 'write a pattern on value and/or key, e.g. {value: {status_code: ["500"]}}',
  },
  'filters[].value': {
    label: 'Filter value pattern',
    fix: 'write an object pattern, e.g. {status_code: ["500"]}',
  },
  ...formatBlockDocs('value', VALUE_FORMAT_NAMES),
  'value.fallback': {
    label: 'Value fallback',
    fix: 'set value.fallback to json, dlq, or a registry block of the other registry type',
  },
  ...formatBlockDocs('key', KEY_FORMAT_NAMES),
  target: { label: 'Target', fix: `set target.type to ${TARGETS}` },
  'target.type': { label: 'Target type', fix: `set target.type to ${TARGETS}` },
  'target.streamName': { label: 'Stream name', fix: 'use 1-128 letters, digits, "_", "." or "-"' },
  'target.partitionKey': {
    label: 'Partition key',
    fix: 'use record-key, topic-partition or field:<dotted.path>, e.g. field:app_name',
  },
  'target.shards': {
    label: 'Shards',
    fix: `set shards from ${LIMITS.SHARDS_MIN} to ${LIMITS.SHARDS_MAX}, or remove it for on-demand`,
  },
  'target.retryAttempts': {
    label: 'Retry attempts',
    fix: `set target.retryAttempts to ${LIMITS.RETRY_ATTEMPTS_MIN}, 1 or ${LIMITS.RETRY_ATTEMPTS_MAX}`,
  },
  'target.maxEventAgeSeconds': {
    label: 'Max event age',
    fix: `set target.maxEventAgeSeconds from ${LIMITS.MAX_EVENT_AGE_SECONDS_MIN} to ${LIMITS.MAX_EVENT_AGE_SECONDS_MAX} seconds`,
  },
  'target.deliveryStreamArn': {
    label: 'Firehose stream ARN',
    fix: 'use the stream ARN, e.g. arn:aws:firehose:us-east-1:123456789012:deliverystream/data-lake, or remove it',
  },
  'target.bucketArn': {
    label: 'Bucket ARN',
    fix: 'use the bucket ARN, e.g. arn:aws:s3:::my-data-lake, or remove it (with deliveryStreamArn: remove it)',
  },
  'target.partitioning': {
    label: 'Partitioning',
    fix: 'set target.partitioning to arrival-date or event-date',
  },
  'target.prefix': {
    label: 'S3 prefix',
    fix: 'use 1-1024 characters, or remove it (with deliveryStreamArn: remove it)',
  },
  'target.errorOutputPrefix': {
    label: 'S3 error output prefix',
    fix: 'use 1-1024 characters, or remove it (with deliveryStreamArn: remove it)',
  },
  'target.bufferingIntervalSeconds': {
    label: 'Buffering interval',
    fix: 'set target.bufferingIntervalSeconds from 0 to 900',
  },
  'target.format': {
    label: 'Object format',
    fix: 'set target.format to json or parquet (with deliveryStreamArn: json, or remove it)',
  },
  'target.bufferingSizeMiB': { label: 'Buffering size', fix: 'set target.bufferingSizeMiB from 1 to 128' },
  engine: { label: 'Engine', fix: 'set engine to pipe or poller' },
  poller: { label: 'Poller', fix: 'see docs/sources.md for the poller fields' },
  'poller.truststore': { label: 'Truststore', fix: 'use exactly one of {s3Key}, {secret} or {file}' },
  'poller.partitions': { label: 'Partitions', fix: 'use auto or a list of partition numbers' },
  'poller.iterations': { label: 'Iterations', fix: 'set poller.iterations from 1 to 60' },
  'poller.secondsWait': { label: 'Seconds wait', fix: 'set poller.secondsWait from 0 to 60' },
  'poller.maxRecordsPerInvocation': {
    label: 'Max records per invocation',
    fix: 'set poller.maxRecordsPerInvocation from 1 to 100000',
  },
  'poller.timeoutSeconds': { label: 'Poller timeout', fix: 'set poller.timeoutSeconds from 10 to 900' },
  'poller.lockTtlSeconds': { label: 'Lock TTL', fix: 'set poller.lockTtlSeconds from 10 to 3600' },
  rules: {
    label: 'Rules file',
    fix: 'point rules at a rules file, e.g. enrichment/rules/default.rules.yaml',
  },
  logLevel: { label: 'Log level', fix: 'set logLevel to OFF, ERROR, INFO or TRACE' },
  logRetentionDays: { label: 'Log retention', fix: 'set logRetentionDays from 1 to 3653' },
  tags: { label: 'Tags', fix: 'use string keys (1-128 chars) and string values (max 256 chars)' },
  desiredState: { label: 'Desired state', fix: 'set desiredState to RUNNING or STOPPED' },
  ...REGISTRY_BLOCK_DOCS,
};

/** Normalizes a path (`['vpc','subnetIds',0]`) to a table key (`vpc.subnetIds[]`). */
export function normalizePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += '[]';
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out;
}

/** Renders a path for messages (`vpc.subnetIds[0]`). */
export function renderPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? String(seg) : `.${String(seg)}`;
  }
  return out === '' ? '(root)' : out;
}

/** Looks up the doc of a path, falling back to the path itself. */
export function fieldDoc(path: readonly PropertyKey[]): FieldDoc {
  const key = normalizePath(path);
  return FIELD_DOCS[key] ?? { label: renderPath(path), fix: 'see docs/sources.md for the allowed values' };
}
