/**
 * `kafka-pipes` — the operator CLI: onboard · preflight · check · rules preview · dlq inspect/replay.
 * Exit codes: 0 ok, 1 a check/preflight failed (or a replay left messages), 2 usage/config error,
 * 3 infrastructure error (AWS, Kafka unreachable). See docs/cli.md.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { checkCommand } from './check/engine.js';
import { dlqInspectCommand, dlqReplayCommand } from './dlq/replay.js';
import { onboardCommand } from './onboard/command.js';
import { preflightCommand } from './preflight/command.js';
import { rulesPreviewCommand } from './rules/preview.js';
import { type AwsOptions, type CliAwsClients, cliAwsClients } from './shared/aws.js';
import { createOutput, EXIT_CODES, type ExitCode, type OutputStreams, reportError } from './shared/output.js';

/** What a CLI run may be given (tests inject streams and AWS clients). */
export interface CliDeps extends Partial<OutputStreams> {
  /** AWS clients factory; default builds SDK clients from --region / --endpoint-url. */
  readonly aws?: (opts: AwsOptions) => CliAwsClients;
  /** Clock (preflight expiry). */
  readonly now?: () => Date;
  /** Prompt input for `onboard` (default process.stdin). */
  readonly stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
}

interface GlobalFlags {
  json?: boolean;
  color?: boolean;
  region?: string;
  endpointUrl?: string;
  sourcesDir?: string;
}

const MATERIAL_OPTIONS = (cmd: Command): Command =>
  cmd
    .option('--cert <file>', 'client certificate chain PEM (instead of the auth.secret)')
    .option('--key <file>', 'client private key PEM (instead of the auth.secret)')
    .addOption(
      new Option('--key-password <password>', 'password of an encrypted client key').env(
        'KAFKA_PIPES_KEY_PASSWORD',
      ),
    )
    .option(
      '--ca <file|s3-uri>',
      'trust bundle PEM, a file or s3://bucket/key (instead of rootCaSecret / poller.truststore)',
    )
    .option('--truststore-bucket <bucket>', 'bucket of poller.truststore.s3Key');

/**
 * Builds the commander program. Every action stores its exit code in `result.code`.
 */
export function buildProgram(deps: CliDeps, result: { code: ExitCode }): Command {
  const streams: OutputStreams = {
    stdout: deps.stdout ?? process.stdout,
    stderr: deps.stderr ?? process.stderr,
    env: deps.env ?? process.env,
  };
  const makeAws = deps.aws ?? cliAwsClients;
  const program = new Command('kafka-pipes')
    .description('Operator CLI for the Kafka → EventBridge Pipes template')
    .option('--json', 'machine-readable JSON on stdout')
    .option('--no-color', 'no ANSI colours (also NO_COLOR=1; colours are only used on a TTY)')
    .addOption(new Option('--region <region>', 'AWS region').env('AWS_REGION'))
    .option(
      '--endpoint-url <url>',
      'AWS endpoint for every client (local emulators); without it the SDK reads AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE>',
    )
    .option('--sources-dir <dir>', 'source catalogue directory', 'pipes/sources')
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({
      writeOut: (s) => streams.stdout.write(s),
      writeErr: (s) => streams.stderr.write(s),
    })
    .exitOverride();
  program.addHelpText(
    'after',
    '\nExit codes: 0 ok · 1 check/preflight failed · 2 usage or config error · 3 infrastructure error',
  );

  /** Wraps an action: global flags → output + AWS clients, errors → exit codes. */
  const action =
    <A extends unknown[]>(
      run: (
        ctx: { flags: GlobalFlags; out: ReturnType<typeof createOutput>; aws: CliAwsClients },
        ...args: A
      ) => Promise<ExitCode>,
    ) =>
    async (...args: unknown[]): Promise<void> => {
      const cmd = args[args.length - 1] as Command;
      const flags = cmd.optsWithGlobals() as GlobalFlags;
      const out = createOutput({ json: flags.json, color: flags.color }, streams);
      try {
        const aws = makeAws({
          ...(flags.region ? { region: flags.region } : {}),
          ...(flags.endpointUrl ? { endpointUrl: flags.endpointUrl } : {}),
        });
        result.code = await run({ flags, out, aws }, ...(args.slice(0, -1) as A));
      } catch (err) {
        result.code = reportError(out, err);
      }
    };

  program
    .command('onboard')
    .description('write a new source file (asks for what is missing; all answers also as flags)')
    .option('--name <name>', 'source name: lowercase letters, digits, dashes')
    .option('--description <text>', 'free text')
    .option('--kind <kind>', 'self-managed | msk | msk-serverless')
    .option('--brokers <list>', 'host:port[,host:port] (self-managed, 1-3)')
    .option('--cluster-arn <arn>', 'MSK / MSK Serverless cluster ARN')
    .option('--topic <topic>', 'Kafka topic')
    .option('--consumer-group-id <id>', 'consumer group (default kafka-pipes-<name>)')
    .option('--starting-position <pos>', 'TRIM_HORIZON | LATEST')
    .option('--batch-size <n>', 'records per batch, 1-10000')
    .option('--batching-window <seconds>', 'batching window, 0-300 s')
    .option('--auth <type>', 'none | sasl-scram-256 | sasl-scram-512 | basic | mtls | iam')
    .option('--auth-secret <arn-or-name>', 'Secrets Manager secret with the credentials')
    .option('--root-ca-secret <arn-or-name>', 'secret {certificate} with the private root CA (self-managed)')
    .option('--subnets <ids>', 'VPC subnet ids, comma-separated')
    .option('--security-groups <ids>', 'security group ids, comma-separated')
    .option('--target <type>', 'kinesis | lambda')
    .option('--stream-name <name>', 'Kinesis stream (default: one per source)')
    .option('--partition-key <spec>', 'record-key | topic-partition | field:<path>')
    .option('--shards <n>', 'provisioned shards (default on-demand)')
    .option('--retry-attempts <n>', 'lambda target: async retries 0-2')
    .option('--engine <engine>', 'pipe | poller (preflight --write decides it for you)')
    .option('--rules <file>', 'enrichment rules file')
    .option('--output <file>', 'write here instead of <sources-dir>/<name>.yaml')
    .option('--non-interactive', 'never prompt: missing answers are errors (CI)')
    .option('--dry-run', 'print the file instead of writing it')
    .addHelpText(
      'after',
      '\nExamples:\n  kafka-pipes onboard\n  kafka-pipes onboard --non-interactive --name orders --kind self-managed \\\n' +
        '    --brokers b1:9093 --topic orders --auth mtls --auth-secret kafka/orders/client --target kinesis\n' +
        '\nExit codes: 0 written · 2 invalid answers (same messages as the synth) or the file exists',
    )
    .action(
      action(async ({ flags, out }, opts: Record<string, unknown>) =>
        onboardCommand(
          { ...opts, sourcesDir: flags.sourcesDir },
          out,
          opts.nonInteractive ? undefined : (deps.stdin ?? process.stdin),
        ),
      ),
    );

  MATERIAL_OPTIONS(
    program
      .command('preflight')
      .description('check the certificate material of a source and decide the engine (pipe or poller)')
      .argument('<source>', 'source name (pipes/sources/<name>.yaml) or path to a source file'),
  )
    .option('--server-cert <file>', 'broker certificate PEM, to check its chain and SAN against the brokers')
    .option('--write', 'set `engine` in the source file to the decision (comments kept)')
    .addHelpText(
      'after',
      '\nExit codes: 0 no failure (warnings allowed) · 1 a check failed · 2 bad flags/file · 3 AWS error',
    )
    .action(
      action(async ({ flags, out, aws }, ref: string, opts: Record<string, unknown>) =>
        preflightCommand(ref, { ...opts, sourcesDir: flags.sourcesDir }, out, aws, deps.now),
      ),
    );

  MATERIAL_OPTIONS(
    program
      .command('check')
      .description(
        'connect to the live cluster step by step: DNS, TCP, TLS, SASL, metadata, topic, partitions, group and lag',
      )
      .argument('<source>', 'source name (pipes/sources/<name>.yaml) or path to a source file'),
  )
    .option('--brokers <list>', 'host:port[,host:port] instead of the source brokers (required for MSK)')
    .addOption(
      new Option('--tls <mode>', 'use TLS: auto (from auth / root CA), on, off')
        .choices(['auto', 'on', 'off'])
        .default('auto'),
    )
    .option('--username <name>', 'SASL user (instead of the auth.secret)')
    .addOption(
      new Option('--password <password>', 'SASL password (instead of the auth.secret)').env(
        'KAFKA_PIPES_PASSWORD',
      ),
    )
    .option('--timeout <ms>', 'bound of each step in ms', '10000')
    .addHelpText(
      'after',
      '\nExit codes: 0 every step passed · 1 a step failed (cause and fix printed) · 2 bad flags/file · 3 AWS error',
    )
    .action(
      action(async ({ flags, out, aws }, ref: string, opts: Record<string, unknown>) =>
        checkCommand(ref, { ...opts, sourcesDir: flags.sourcesDir }, out, aws),
      ),
    );

  const rules = program.command('rules').description('work with enrichment rules');
  rules
    .command('preview')
    .description(
      'apply a rules file to sample records (same code as the enrichment Lambda) and show the result',
    )
    .option(
      '--rules <file>',
      'rules file (default: the source rules, else enrichment/rules/default.rules.yaml)',
    )
    .option(
      '--source <source>',
      'source name or file: its rules, partition key and (with --from-topic) connection',
    )
    .option('--records <file>', 'samples: JSON array or NDJSON of API events or Pipe Kafka records')
    .option('--from-topic', "read samples from the source's topic (throwaway group, nothing committed)")
    .option('--max <n>', 'records to read with --from-topic', '20')
    .option('--partition-key <spec>', 'record-key | topic-partition | field:<path>')
    .addOption(new Option('--hmac-key <key>', 'HMAC key for redact mode hash').env('KAFKA_PIPES_HMAC_KEY'))
    .option('--show <n>', 'canonical records to print', '5')
    .option('--output <file>', 'write every canonical record as NDJSON')
    .option('--fail-on-dlq', 'exit 1 when a record would go to the DLQ')
    .option('--brokers <list>', 'with --from-topic: host:port list instead of the source brokers')
    .option('--cert <file>', 'with --from-topic: client certificate chain PEM')
    .option('--key <file>', 'with --from-topic: client key PEM')
    .option('--ca <file|s3-uri>', 'with --from-topic: trust bundle')
    .option('--username <name>', 'with --from-topic: SASL user')
    .addOption(
      new Option('--password <password>', 'with --from-topic: SASL password').env('KAFKA_PIPES_PASSWORD'),
    )
    .addHelpText(
      'after',
      '\nExamples:\n  kafka-pipes rules preview --rules my.rules.yaml --records samples.ndjson\n' +
        '  kafka-pipes rules preview --source orders --from-topic --max 50\n' +
        '\nExit codes: 0 done · 1 --fail-on-dlq and a record went to the DLQ · 2 invalid rules/flags · 3 Kafka/AWS error',
    )
    .action(
      action(async ({ flags, out, aws }, opts: Record<string, unknown>) =>
        rulesPreviewCommand({ ...opts, sourcesDir: flags.sourcesDir }, out, aws),
      ),
    );

  const dlq = program
    .command('dlq')
    .description('inspect and replay the enrichment DLQ and the sink DLQ of a source');
  dlq
    .command('inspect')
    .description(
      'counts and a summary by reason, topic/partition and offset range, without consuming anything',
    )
    .argument(
      '<source|queue-url>',
      'source name (finds the queue by its kafka-pipes:source tag) or the queue URL',
    )
    .option(
      '--queue <kind>',
      'enrichment (bad records) | sink (failed FIRE_AND_FORGET deliveries)',
      'enrichment',
    )
    .option('--max <n>', 'messages to look at', '1000')
    .addHelpText(
      'after',
      '\nMessages are made visible again right away (ChangeMessageVisibility 0).\nExit codes: 0 done · 2 bad flags/source · 3 AWS error',
    )
    .action(
      action(async ({ flags, out, aws }, ref: string, opts: Record<string, unknown>) =>
        dlqInspectCommand(ref, { ...opts, sourcesDir: flags.sourcesDir }, out, aws),
      ),
    );
  dlq
    .command('replay')
    .description(
      're-run the CURRENT rules on enrichment DLQ entries (or resend sink batches) and deliver them',
    )
    .argument('<source|queue-url>', 'source name or the queue URL')
    .option('--queue <kind>', 'enrichment | sink', 'enrichment')
    .option('--dry-run', 'show what would happen; change nothing')
    .option('--max <n>', 'messages to replay', '100')
    .option('--rate <n>', 'messages per second, e.g. 50 or 50/s')
    .option('--to <target>', 'kinesis (write the stream) | lambda (re-invoke the sink function)')
    .option('--stream <name>', 'target Kinesis stream')
    .option('--env <environment>', 'environment, to derive the stream name from the source (<stream>-<env>)')
    .option('--function <name>', 'sink Lambda to re-invoke (with --to lambda)')
    .option('--rules <file>', 'rules file (default: the source rules)')
    .option(
      '--partition-key <spec>',
      'record-key | topic-partition | field:<path> (default: the source target)',
    )
    .addOption(new Option('--hmac-key <key>', 'HMAC key for redact mode hash').env('KAFKA_PIPES_HMAC_KEY'))
    .option(
      '--from-kafka',
      're-read entries whose value was truncated in the DLQ from Kafka (no consumer group, nothing committed)',
    )
    .option(
      '--source <source>',
      'with a queue URL: the source it belongs to (rules, stream, Kafka connection)',
    )
    .option('--brokers <list>', 'with --from-kafka: host:port list instead of the source brokers')
    .option('--cert <file>', 'with --from-kafka: client certificate chain PEM (instead of the auth.secret)')
    .option('--key <file>', 'with --from-kafka: client private key PEM')
    .addOption(
      new Option('--key-password <password>', 'with --from-kafka: password of an encrypted client key').env(
        'KAFKA_PIPES_KEY_PASSWORD',
      ),
    )
    .option(
      '--ca <file|s3-uri>',
      'with --from-kafka: trust bundle (instead of rootCaSecret / poller.truststore)',
    )
    .option('--truststore-bucket <bucket>', 'with --from-kafka: bucket of poller.truststore.s3Key')
    .option('--username <name>', 'with --from-kafka: SASL user (instead of the auth.secret)')
    .addOption(
      new Option('--password <password>', 'with --from-kafka: SASL password').env('KAFKA_PIPES_PASSWORD'),
    )
    .addHelpText(
      'after',
      '\nA message is deleted only after its delivery succeeded. Entries that still fail are replaced by the\n' +
        'updated entry (new reason); on any error the message stays untouched. Replayed records keep their eventId.\n' +
        'Entries whose value was truncated to fit SQS are replayed only with --from-kafka, which re-reads the record\n' +
        'at their offset (while retention keeps it) and checks its sha-256 against the entry.\n' +
        'Exit codes: 0 every message handled · 1 some remain in the DLQ · 2 bad flags/source · 3 AWS error',
    )
    .action(
      action(async ({ flags, out, aws }, ref: string, opts: Record<string, unknown>) =>
        dlqReplayCommand(ref, { ...opts, sourcesDir: flags.sourcesDir }, out, aws),
      ),
    );

  return program;
}

/**
 * Runs the CLI with the given argv (without node and script) and returns the exit code.
 * @example process.exitCode = await runCli(process.argv.slice(2))
 */
export async function runCli(argv: readonly string[], deps: CliDeps = {}): Promise<ExitCode> {
  const result: { code: ExitCode } = { code: EXIT_CODES.ok };
  const program = buildProgram(deps, result);
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      const ok = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(err.code);
      return ok ? EXIT_CODES.ok : EXIT_CODES.usage;
    }
    throw err;
  }
  return result.code;
}

const isMain = (() => {
  try {
    return (
      process.argv[1] !== undefined &&
      realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))
    );
  } catch {
    return false;
  }
})();

if (isMain) {
  // `kafka-pipes … | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });
  const code = await runCli(process.argv.slice(2));
  process.exitCode = code;
  // Never hang on a socket a library left open: exit shortly after the output is flushed.
  setTimeout(() => process.exit(code), 1_000).unref();
}
