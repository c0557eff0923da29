/**
 * `kafka-pipes onboard`: asks for (or takes as flags) what a new source needs, writes
 * `pipes/sources/<name>.yaml`, validates it with the synth's own loader (same messages), refuses to overwrite
 * and prints the next command.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import { Document } from 'yaml';
import type { ConfigIssue } from '../../core/errors.js';
import { listSourceFiles, validateSourceTexts } from '../../pipes/load-sources.js';
import { AUTH_BY_KIND } from '../../pipes/source-rules.js';
import { AUTH_TYPES, DEFAULTS, SOURCE_KINDS, STARTING_POSITIONS } from '../../pipes/source-schema.js';
import { EXIT_CODES, type ExitCode, type Output, UsageError, usageError } from '../shared/output.js';

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
type Answers = Record<string, string | undefined>;

/** One question: the source field it fills, when it applies, its default and choices. */
interface Question {
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
const FLAG_ONLY: readonly { field: string; flag: keyof OnboardFlags }[] = [
  { field: 'consumerGroupId', flag: 'consumerGroupId' },
  { field: 'target.shards', flag: 'shards' },
  { field: 'target.retryAttempts', flag: 'retryAttempts' },
  { field: 'engine', flag: 'engine' },
  { field: 'rules', flag: 'rules' },
];

const LIST_FIELDS = new Set(['brokers', 'vpc.subnetIds', 'vpc.securityGroupIds']);
const NUMBER_FIELDS = new Set([
  'batchSize',
  'batchingWindowSeconds',
  'target.shards',
  'target.retryAttempts',
]);

/** Turns a flat answer into the YAML value: lists split on commas, numbers parsed (else kept as text). */
function toValue(field: string, text: string): unknown {
  if (LIST_FIELDS.has(field)) {
    return text
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }
  if (NUMBER_FIELDS.has(field) && /^-?\d+(\.\d+)?$/.test(text.trim())) return Number(text);
  return text;
}

/** Builds the source object (nested) from flat answers, leaving out empty optional answers. */
export function buildSourceObject(answers: Answers): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, text] of Object.entries(answers)) {
    if (text === undefined || text === '') continue;
    const path = field.split('.');
    let node = out;
    for (const seg of path.slice(0, -1)) {
      node[seg] = (node[seg] as Record<string, unknown> | undefined) ?? {};
      node = node[seg] as Record<string, unknown>;
    }
    node[path[path.length - 1] as string] = toValue(field, text);
  }
  return out;
}

/** Renders the source file with a header comment (schema hint for editors). */
export function renderSourceYaml(obj: Record<string, unknown>): string {
  const doc = new Document(obj);
  doc.commentBefore =
    ' yaml-language-server: $schema=../source.schema.json\n Written by `kafka-pipes onboard`; reference: docs/sources.md';
  return doc.toString({ lineWidth: 0 });
}

/**
 * Validates the new file's text with the synth's loader, together with the catalogue (duplicate names,
 * shared consumer groups). Returns the issues that concern the new file.
 */
export function validateNewSource(text: string, file: string, sourcesDir: string): ConfigIssue[] {
  const others = existsSync(sourcesDir)
    ? listSourceFiles(sourcesDir)
        .filter((f) => f !== file)
        .map((f) => ({ file: f, text: readFileSync(f, 'utf8') }))
    : [];
  const { issues } = validateSourceTexts([...others, { file, text }]);
  return issues.filter((i) => i.file === file || i.message.includes(file));
}

/** Reads lines from a stream one at a time (works with piped input, unlike rl.question). */
function lineReader(input: NodeJS.ReadableStream) {
  const rl = createInterface({ input, terminal: false });
  const it = rl[Symbol.asyncIterator]();
  return {
    async next(): Promise<string | undefined> {
      const r = await it.next();
      return r.done ? undefined : String(r.value);
    },
    close: () => rl.close(),
  };
}

/** Asks one question until the answer is one of the choices (or any answer when there are none). */
async function ask(
  q: Question,
  a: Answers,
  out: Output,
  read: () => Promise<string | undefined>,
  issue?: ConfigIssue,
): Promise<string | undefined> {
  const choices = q.choices?.(a);
  const def = q.default?.(a);
  for (;;) {
    if (issue) out.error(out.color.yellow(`  ${issue.message}. Fix: ${issue.fix}`));
    const hint = [choices ? choices.join('|') : undefined, def ? `default ${def}` : undefined]
      .filter(Boolean)
      .join(', ');
    out.prompt(`${out.color.cyan('?')} ${q.prompt}${hint ? out.color.dim(` (${hint})`) : ''}: `);
    const line = await read();
    if (line === undefined) {
      throw usageError(
        '<stdin>',
        q.field,
        'input ended before all questions were answered',
        'answer every question, or use --non-interactive with flags',
      );
    }
    const answer = line.trim() || def || '';
    if (answer === '' && !q.optional) {
      out.error(out.color.yellow('  an answer is required'));
      continue;
    }
    if (choices && answer !== '' && !choices.includes(answer)) {
      out.error(out.color.yellow(`  choose one of ${choices.join(', ')}`));
      continue;
    }
    return answer === '' ? undefined : answer;
  }
}

/** Top-level question that owns an issue's field (e.g. `vpc.subnetIds.0` → the subnets question). */
function questionFor(field: string, a: Answers): Question | undefined {
  const applicable = QUESTIONS.filter((q) => !q.applies || q.applies(a));
  return (
    applicable.find((q) => field === q.field || field.startsWith(`${q.field}.`)) ??
    applicable.find((q) => q.field.startsWith(`${field}.`) || q.field === field.split('.')[0])
  );
}

/** Collects answers from flags, asking for the rest unless non-interactive. */
async function collect(
  flags: OnboardFlags,
  out: Output,
  input: NodeJS.ReadableStream | undefined,
): Promise<{ answers: Answers; read?: () => Promise<string | undefined>; close: () => void }> {
  const answers: Answers = {};
  for (const { field, flag } of FLAG_ONLY) {
    const v = flags[flag];
    if (typeof v === 'string') answers[field] = v;
  }
  const reader = flags.nonInteractive || !input ? undefined : lineReader(input);
  for (const q of QUESTIONS) {
    if (q.applies && !q.applies(answers)) continue;
    const v = flags[q.flag];
    if (typeof v === 'string') {
      answers[q.field] = v;
    } else if (reader) {
      answers[q.field] = await ask(q, answers, out, reader.next);
    }
    // Non-interactive without the flag: the field stays out and the loader's default (or error) applies.
  }
  return { answers, ...(reader ? { read: reader.next } : {}), close: () => reader?.close() };
}

/** Next commands to run after writing a source. */
export function nextCommands(obj: Record<string, unknown>): string[] {
  const auth = (obj.auth as { type?: string } | undefined)?.type;
  const tls = auth === 'mtls' || obj.rootCaSecret !== undefined;
  return [
    ...(tls
      ? [`kafka-pipes preflight ${obj.name} --write   # checks the certificates and picks pipe or poller`]
      : []),
    `kafka-pipes check ${obj.name}   # connects to the cluster step by step`,
    'npx cdk synth   # validates the whole catalogue and synthesizes the stack',
    'npx cdk deploy',
  ];
}

/**
 * Runs `onboard`. Exit 0 when the file was written (or printed with --dry-run), 2 when answers are invalid
 * or the file exists.
 */
export async function onboardCommand(
  flags: OnboardFlags,
  out: Output,
  input: NodeJS.ReadableStream | undefined,
): Promise<ExitCode> {
  const sourcesDir = flags.sourcesDir ?? 'pipes/sources';
  const { answers, read, close } = await collect(flags, out, input);
  try {
    for (let attempt = 0; ; attempt++) {
      const name = answers.name ?? '';
      const file = flags.output ?? join(sourcesDir, `${name || '<name>'}.yaml`);
      if (name && existsSync(file) && !flags.dryRun) {
        throw usageError(
          flags.output ? '--output' : '--name',
          'name',
          `${file} already exists; onboard never overwrites`,
          'choose another --name, or edit the existing file',
        );
      }
      const obj = buildSourceObject(answers);
      const text = renderSourceYaml(obj);
      const issues = validateNewSource(text, file, sourcesDir);
      if (issues.length === 0) {
        if (flags.dryRun) {
          if (out.json) out.result({ ok: true, file, written: false, source: obj, yaml: text });
          else out.line(text.trimEnd());
          return EXIT_CODES.ok;
        }
        writeFileSync(file, text, { flag: 'wx' });
        const next = nextCommands(obj);
        if (out.json) {
          out.result({ ok: true, file, written: true, source: obj, next });
        } else {
          out.line(`${out.color.green('wrote')} ${relative(process.cwd(), file) || file}`);
          out.line('next:');
          for (const n of next) out.line(`  ${n}`);
        }
        return EXIT_CODES.ok;
      }
      // Interactive: ask again for the fields with problems (up to 3 rounds); otherwise report them all.
      const retry = read && attempt < 3 ? issues.map((i) => ({ i, q: questionFor(i.field, answers) })) : [];
      if (retry.length === 0 || retry.some((r) => !r.q)) throw new UsageError(issues);
      for (const { i, q } of retry)
        answers[(q as Question).field] = await ask(
          q as Question,
          answers,
          out,
          read as () => Promise<string | undefined>,
          i,
        );
    }
  } finally {
    close();
  }
}
