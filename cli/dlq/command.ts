/** Commander wiring of `kafka-pipes dlq inspect | replay` (cli/dlq/inspect.ts, cli/dlq/replay-command.ts). */
import { type Command, Option } from 'commander';
import type { ActionWrapper } from '../shared/commander.js';
import type { DlqFlags } from './flags.js';
import { dlqInspectCommand } from './inspect.js';
import { type DlqReplayFlags, dlqReplayCommand } from './replay-command.js';
import { REPLAY_TO_HELP } from './targets.js';

const QUEUE_ARGUMENT = 'source name (finds the queue by its kafka-pipes:source tag) or the queue URL';

/** Adds `dlq inspect` and `dlq replay`. */
export function registerDlq(program: Command, action: ActionWrapper): void {
  const dlq = program
    .command('dlq')
    .description('inspect and replay the enrichment DLQ and the sink DLQ of a source');
  registerInspect(dlq, action);
  registerReplay(dlq, action);
}

function registerInspect(dlq: Command, action: ActionWrapper): void {
  dlq
    .command('inspect')
    .description(
      'counts and a summary by reason, topic/partition and offset range, without consuming anything',
    )
    .argument('<source|queue-url>', QUEUE_ARGUMENT)
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
      action(async ({ flags, out, aws }, ref: string, opts: DlqFlags) =>
        dlqInspectCommand(ref, { ...opts, sourcesDir: flags.sourcesDir }, out, aws),
      ),
    );
}

function registerReplay(dlq: Command, action: ActionWrapper): void {
  const replay = dlq
    .command('replay')
    .description(
      're-run the CURRENT rules on enrichment DLQ entries (or resend sink batches) and deliver them',
    )
    .argument('<source|queue-url>', 'source name or the queue URL')
    .option('--queue <kind>', 'enrichment | sink', 'enrichment')
    .option('--dry-run', 'show what would happen; change nothing')
    .option('--max <n>', 'messages to replay', '100')
    .option('--rate <n>', 'messages per second, e.g. 50 or 50/s')
    .option('--to <target>', REPLAY_TO_HELP)
    .option('--stream <name>', 'target Kinesis stream')
    .option('--env <environment>', 'environment, to derive the stream name from the source (<stream>-<env>)')
    .option('--function <name>', 'sink Lambda to re-invoke instead of writing the stream')
    .option('--delivery-stream <name>', "target Firehose stream (default: the source's, with --env)")
    .option('--rules <file>', 'rules file (default: the source rules)')
    .option(
      '--partition-key <spec>',
      'record-key | topic-partition | field:<path> (default: the source target)',
    )
    .addOption(new Option('--hmac-key <key>', 'HMAC key for redact mode hash').env('KAFKA_PIPES_HMAC_KEY'));
  fromKafkaOptions(replay)
    .addHelpText(
      'after',
      '\nA message is deleted only after its delivery succeeded. Entries that still fail are replaced by the\n' +
        'updated entry (new reason); on any error the message stays untouched. Replayed records keep their eventId.\n' +
        'Entries whose value was truncated to fit SQS are replayed only with --from-kafka, which re-reads the record\n' +
        'at their offset (while retention keeps it) and checks its sha-256 against the entry.\n' +
        'Exit codes: 0 every message handled · 1 some remain in the DLQ · 2 bad flags/source · 3 AWS error',
    )
    .action(
      action(async ({ flags, out, aws }, ref: string, opts: DlqReplayFlags) =>
        dlqReplayCommand(ref, { ...opts, sourcesDir: flags.sourcesDir }, out, aws),
      ),
    );
}

/** `--from-kafka` and the connection flags it may use instead of the source's own. */
function fromKafkaOptions(cmd: Command): Command {
  return cmd
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
    );
}
