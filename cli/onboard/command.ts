/**
 * `kafka-pipes onboard`: asks for (or takes as flags) what a new source needs (cli/onboard/questions.ts),
 * writes `pipes/sources/<name>.yaml` (cli/onboard/source-file.ts), validates it with the synth's own loader
 * (same messages), refuses to overwrite and prints the next command.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import type { ConfigIssue } from '../../core/errors.js';
import { FALLBACK_NAMES, SCHEMA_REGISTRIES, VALUE_FORMAT_NAMES } from '../../enrichment/formats/registry.js';
import type { SchemaRegistryModule } from '../../enrichment/formats/schema-types.js';
import { AUTH_TYPES, SOURCE_KIND_MODULES, SOURCE_KINDS, TARGET_TYPES } from '../../pipes/kinds/registry.js';
import type { SourceKindModule } from '../../pipes/kinds/types.js';
import { type LoadOptions, listSourceFiles, validateSourceTexts } from '../../pipes/load-sources.js';
import { isFullSecretArn } from '../../pipes/secret-refs.js';
import type { CliAwsClients } from '../shared/aws.js';
import type { ActionWrapper } from '../shared/commander.js';
import { EXIT_CODES, type ExitCode, type Output, UsageError, usageError } from '../shared/output.js';
import { resolveSecretArns } from '../shared/secret-arns.js';
import {
  type Answers,
  FLAG_ONLY,
  matchChoice,
  type OnboardFlags,
  QUESTIONS,
  type Question,
  questionFor,
} from './questions.js';
import { buildSourceObject, nextCommands, renderSourceYaml } from './source-file.js';

/** The source kinds whose files have `field`, for help texts. */
function kindsWith(field: SourceKindModule['fields'][number]): string {
  return SOURCE_KIND_MODULES.filter((k) => k.fields.includes(field))
    .map((k) => k.kind)
    .join(', ');
}

/** The value format options: `--value-format`, `--registry` and each registry module's field flags. */
function formatOptions(cmd: Command): Command {
  cmd
    .option('--value-format <format>', `${VALUE_FORMAT_NAMES.join(' | ')} (default json)`)
    .option('--registry <type>', `schema formats: ${SCHEMA_REGISTRIES.map((r) => r.type).join(' | ')}`)
    .option(
      '--value-fallback <fallback>',
      `values the registry did not frame: ${FALLBACK_NAMES.join(' | ')}`,
    );
  for (const module of SCHEMA_REGISTRIES as readonly SchemaRegistryModule[]) {
    for (const f of module.onboard) {
      const kebab = f.flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
      cmd.option(`--${kebab} <value>`, `registry ${module.type}: ${f.prompt}`);
    }
  }
  return cmd;
}

/** The help example: a non-interactive run for the first kind of the registry with its default auth. */
const EXAMPLE = (() => {
  const kind = SOURCE_KIND_MODULES[0];
  return (
    `kafka-pipes onboard --non-interactive --name orders --kind ${kind.kind} \\\n` +
    `    --brokers b1:9093 --topic orders --auth ${kind.defaultAuth} --auth-secret kafka/orders/client --target ${TARGET_TYPES[0]}`
  );
})();

/** Rounds of asking again for the fields the loader rejected. */
const RETRY_ROUNDS = 3;

/** Adds `onboard`; `stdin` answers the questions (default process.stdin). */
export function registerOnboard(
  program: Command,
  action: ActionWrapper,
  stdin?: NodeJS.ReadableStream,
): void {
  const cmd = program
    .command('onboard')
    .description('write a new source file (asks for what is missing; all answers also as flags)')
    .option('--name <name>', 'source name: lowercase letters, digits, dashes')
    .option('--description <text>', 'free text')
    .option('--kind <kind>', SOURCE_KINDS.join(' | '))
    .option('--brokers <list>', `host:port[,host:port] (${kindsWith('brokers')}, 1-3)`)
    .option('--cluster-arn <arn>', 'MSK / MSK Serverless cluster ARN')
    .option('--topic <topic>', 'Kafka topic')
    .option('--consumer-group-id <id>', 'consumer group (default kafka-pipes-<name>)')
    .option('--starting-position <pos>', 'TRIM_HORIZON | LATEST')
    .option('--batch-size <n>', 'records per batch, 1-10000')
    .option('--batching-window <seconds>', 'batching window, 0-300 s')
    .option('--auth <type>', AUTH_TYPES.join(' | '))
    .option('--auth-secret <arn-or-name>', 'Secrets Manager secret with the credentials')
    .option(
      '--root-ca-secret <arn-or-name>',
      `secret {certificate} with the private root CA (${kindsWith('rootCaSecret')})`,
    )
    .option('--subnets <ids>', 'VPC subnet ids, comma-separated')
    .option('--security-groups <ids>', 'security group ids, comma-separated')
    .option('--target <type>', TARGET_TYPES.join(' | '))
    .option('--stream-name <name>', 'Kinesis stream (default: one per source)')
    .option('--partition-key <spec>', 'record-key | topic-partition | field:<path>')
    .option('--shards <n>', 'provisioned shards (default on-demand)')
    .option('--retry-attempts <n>', 'FIRE_AND_FORGET (sink function) target: async retries 0-2')
    .option(
      '--object-format <format>',
      'Firehose target: json | parquet (converted through a generated Glue table)',
    )
    .option('--engine <engine>', 'pipe | poller (preflight --write decides it for you)')
    .option(
      '--truststore <spec>',
      'engine poller: s3:<key> | secret:<arn-or-name> | file:<path> (default rootCaSecret, else public CAs)',
    )
    .option('--rules <file>', 'enrichment rules file');
  formatOptions(cmd)
    .option('--output <file>', 'write here instead of <sources-dir>/<name>.yaml')
    .option('--non-interactive', 'never prompt: missing answers are errors (CI)')
    .option('--dry-run', 'print the file instead of writing it')
    .addHelpText(
      'after',
      `\nExamples:\n  kafka-pipes onboard\n  ${EXAMPLE}\n` +
        '\nExit codes: 0 written · 2 invalid answers (same messages as the synth) or the file exists',
    )
    .action(
      action(async ({ flags, out, aws }, opts: OnboardFlags) =>
        onboardCommand(
          { ...opts, sourcesDir: flags.sourcesDir },
          out,
          opts.nonInteractive ? undefined : (stdin ?? process.stdin),
          aws,
        ),
      ),
    );
}

/**
 * Validates the new file's text with the synth's loader, together with the catalogue (duplicate names,
 * shared consumer groups). Returns the issues that concern the new file. `readOnly` while the answers may
 * still hold secret names (resolved to full ARNs before the file is written, then validated in full).
 */
export function validateNewSource(
  text: string,
  file: string,
  sourcesDir: string,
  options: LoadOptions = {},
): ConfigIssue[] {
  const others = existsSync(sourcesDir)
    ? listSourceFiles(sourcesDir)
        .filter((f) => f !== file)
        .map((f) => ({ file: f, text: readFileSync(f, 'utf8') }))
    : [];
  const { issues } = validateSourceTexts([...others, { file, text }], options);
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

type ReadLine = () => Promise<string | undefined>;

/** Asks one question until the answer is one of the choices (or any answer when there are none). */
async function ask(
  q: Question,
  a: Answers,
  out: Output,
  read: ReadLine,
  issue?: ConfigIssue,
): Promise<string | undefined> {
  const choices = q.choices?.(a);
  const def = q.default?.(a);
  const text = typeof q.prompt === 'function' ? q.prompt(a) : q.prompt;
  const hint = [choices ? choices.join('|') : undefined, def ? `default ${def}` : undefined]
    .filter(Boolean)
    .join(', ');
  for (;;) {
    if (issue) out.error(out.color.yellow(`  ${issue.message}. Fix: ${issue.fix}`));
    out.prompt(`${out.color.cyan('?')} ${text}${hint ? out.color.dim(` (${hint})`) : ''}: `);
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
    const chosen = choices && answer !== '' ? matchChoice(choices, answer) : answer;
    if (chosen === undefined) {
      out.error(out.color.yellow(`  choose one of ${(choices ?? []).join(', ')}`));
      continue;
    }
    return chosen === '' ? undefined : chosen;
  }
}

/** Collects answers from flags, asking for the rest unless non-interactive. */
async function collect(
  flags: OnboardFlags,
  out: Output,
  input: NodeJS.ReadableStream | undefined,
): Promise<{ answers: Answers; read?: ReadLine; close: () => void }> {
  const answers: Answers = {};
  for (const { field, flag } of FLAG_ONLY) {
    const v = flags[flag];
    if (typeof v === 'string') answers[field] = v;
  }
  const reader = flags.nonInteractive || !input ? undefined : lineReader(input);
  for (const q of QUESTIONS) {
    if (q.applies && !q.applies(answers)) continue;
    const v = (flags as Readonly<Record<string, unknown>>)[q.flag];
    if (typeof v === 'string') {
      // A choice in another letter case (`--starting-position latest`) is that choice.
      const choices = q.choices?.(answers);
      answers[q.field] = (choices && matchChoice(choices, v)) ?? v;
    } else if (reader) {
      answers[q.field] = await ask(q, answers, out, reader.next);
    }
    if (answers[q.field] !== undefined) Object.assign(answers, q.implies ?? {});
    // Non-interactive without the flag: the field stays out and the loader's default (or error) applies.
  }
  return { answers, ...(reader ? { read: reader.next } : {}), close: () => reader?.close() };
}

/**
 * Runs `onboard`. Exit 0 when the file was written (or printed with --dry-run), 2 when answers are invalid
 * or the file exists.
 */
export async function onboardCommand(
  flags: OnboardFlags,
  out: Output,
  input: NodeJS.ReadableStream | undefined,
  aws: Pick<CliAwsClients, 'secretsManager'>,
): Promise<ExitCode> {
  const sourcesDir = flags.sourcesDir ?? 'pipes/sources';
  const { answers, read, close } = await collect(flags, out, input);
  try {
    for (let attempt = 0; ; attempt++) {
      const file = targetFile(flags, answers, sourcesDir);
      const obj = buildSourceObject(answers);
      const text = renderSourceYaml(obj);
      const issues = validateNewSource(text, file, sourcesDir, { readOnly: true });
      if (issues.length === 0) {
        const resolved = await withSecretArns(answers, aws, file, sourcesDir);
        return writeSource(flags, out, file, resolved.obj, resolved.text);
      }
      // Interactive: ask again for the fields with problems (up to 3 rounds); otherwise report them all.
      if (!read || attempt >= RETRY_ROUNDS) throw new UsageError(issues);
      await askAgain(issues, answers, out, read);
    }
  } finally {
    close();
  }
}

/** The flags that set the secret fields of a new source. */
const SECRET_FLAGS: Readonly<Record<string, string>> = {
  'auth.secret': '--auth-secret',
  rootCaSecret: '--root-ca-secret',
};

/**
 * The valid answers with every secret name resolved to its full ARN (DescribeSecret), validated again.
 * @throws UsageError naming the flag for a full ARN when AWS cannot resolve a name.
 */
async function withSecretArns(
  answers: Answers,
  aws: Pick<CliAwsClients, 'secretsManager'>,
  file: string,
  sourcesDir: string,
): Promise<{ obj: Record<string, unknown>; text: string }> {
  const fields = Object.entries(SECRET_FLAGS).flatMap(([field, flag]) => {
    const ref = answers[field];
    return ref ? [{ field, ref, setBy: flag }] : [];
  });
  const truststoreSecret = /^secret:(.+)$/.exec(answers['poller.truststore']?.trim() ?? '')?.[1]?.trim();
  if (truststoreSecret) {
    fields.push({
      field: 'poller.truststore.secret',
      ref: truststoreSecret,
      setBy: '--truststore secret:<arn>',
    });
  }
  const arns = fields.some((f) => !isFullSecretArn(f.ref))
    ? await resolveSecretArns(aws.secretsManager, fields, file)
    : {};
  const { 'poller.truststore.secret': truststoreArn, ...flatArns } = arns;
  const obj = buildSourceObject({
    ...answers,
    ...flatArns,
    ...(truststoreArn ? { 'poller.truststore': `secret:${truststoreArn}` } : {}),
  });
  const text = renderSourceYaml(obj);
  const issues = validateNewSource(text, file, sourcesDir);
  if (issues.length > 0) throw new UsageError(issues);
  return { obj, text };
}

/** The file to write; refuses one that exists. */
function targetFile(flags: OnboardFlags, answers: Answers, sourcesDir: string): string {
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
  return file;
}

/** Asks again each question whose field has an issue; reports them all when one has no question. */
async function askAgain(
  issues: readonly ConfigIssue[],
  answers: Answers,
  out: Output,
  read: ReadLine,
): Promise<void> {
  const retry = issues.map((issue) => ({ issue, q: questionFor(issue.field, answers) }));
  if (retry.length === 0 || retry.some((r) => !r.q)) throw new UsageError(issues);
  for (const { issue, q } of retry) {
    const question = q as Question;
    answers[question.field] = await ask(question, answers, out, read, issue);
  }
}

/** Writes the file (or prints it with --dry-run) and the next commands. */
function writeSource(
  flags: OnboardFlags,
  out: Output,
  file: string,
  obj: Record<string, unknown>,
  text: string,
): ExitCode {
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
