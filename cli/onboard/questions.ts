/**
 * The questions of `onboard`, in the order they are asked, each with the source field it fills, the flag
 * that answers it, when it applies, its choices and its default (data table).
 */
import { AUTH_BY_KIND } from '../../pipes/source-rules.js';
import { AUTH_TYPES, DEFAULTS, SOURCE_KINDS, STARTING_POSITIONS } from '../../pipes/source-schema.js';

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
  readonly engine?: string;
  readonly rules?: string;
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
  readonly flag: keyof OnboardFlags;
  readonly prompt: string;
  readonly applies?: (a: Answers) => boolean;
  readonly choices?: (a: Answers) => readonly string[];
  readonly default?: (a: Answers) => string | undefined;
  /** Optional: an empty answer leaves the field out. */
  readonly optional?: boolean;
}

const needsSecret = (a: Answers) =>
  ['mtls', 'sasl-scram-256', 'sasl-scram-512', 'basic'].includes(a['auth.type'] ?? '');
const selfManaged = (a: Answers) => a.kind === 'self-managed';

/** The questions, in the order they are asked (flags fill the same fields). */
export const QUESTIONS: readonly Question[] = [
  { field: 'name', flag: 'name', prompt: 'Source name (lowercase letters, digits, dashes)' },
  { field: 'description', flag: 'description', prompt: 'Description', optional: true },
  {
    field: 'kind',
    flag: 'kind',
    prompt: 'Kafka kind',
    choices: () => SOURCE_KINDS,
    default: () => 'self-managed',
  },
  {
    field: 'brokers',
    flag: 'brokers',
    prompt: 'Bootstrap brokers, host:port comma-separated (1-3)',
    applies: selfManaged,
  },
  { field: 'clusterArn', flag: 'clusterArn', prompt: 'MSK cluster ARN', applies: (a) => !selfManaged(a) },
  { field: 'topic', flag: 'topic', prompt: 'Topic' },
  {
    field: 'auth.type',
    flag: 'auth',
    prompt: 'Authentication',
    choices: (a) => AUTH_BY_KIND[a.kind as keyof typeof AUTH_BY_KIND] ?? AUTH_TYPES,
    default: (a) => (a.kind === 'self-managed' ? 'mtls' : 'iam'),
  },
  {
    field: 'auth.secret',
    flag: 'authSecret',
    prompt: 'Secrets Manager secret (ARN or name) with the credentials',
    applies: needsSecret,
  },
  {
    field: 'rootCaSecret',
    flag: 'rootCaSecret',
    prompt: 'Secret with the private root CA {certificate} (empty: public CA)',
    applies: selfManaged,
    optional: true,
  },
  {
    field: 'vpc.subnetIds',
    flag: 'subnets',
    prompt: 'VPC subnet ids, comma-separated (empty: no VPC)',
    optional: true,
  },
  {
    field: 'vpc.securityGroupIds',
    flag: 'securityGroups',
    prompt: 'Security group ids, comma-separated',
    applies: (a) => Boolean(a['vpc.subnetIds']),
  },
  {
    field: 'target.type',
    flag: 'target',
    prompt: 'Target',
    choices: () => ['kinesis', 'lambda'],
    default: () => 'kinesis',
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

/** Flags only taken from the command line (no question). */
export const FLAG_ONLY: readonly { field: string; flag: keyof OnboardFlags }[] = [
  { field: 'consumerGroupId', flag: 'consumerGroupId' },
  { field: 'target.shards', flag: 'shards' },
  { field: 'target.retryAttempts', flag: 'retryAttempts' },
  { field: 'engine', flag: 'engine' },
  { field: 'rules', flag: 'rules' },
];

/** Top-level question that owns an issue's field (e.g. `vpc.subnetIds.0` → the subnets question). */
export function questionFor(field: string, a: Answers): Question | undefined {
  const applicable = QUESTIONS.filter((q) => !q.applies || q.applies(a));
  return (
    applicable.find((q) => field === q.field || field.startsWith(`${q.field}.`)) ??
    applicable.find((q) => q.field.startsWith(`${field}.`) || q.field === field.split('.')[0])
  );
}
