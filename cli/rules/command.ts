/** `kafka-pipes rules preview`: commander wiring, the `--output` file and the printed result. */
import { writeFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { serializeCanonical } from '../../enrichment/index.js';
import type { CliAwsClients } from '../shared/aws.js';
import type { ActionWrapper } from '../shared/commander.js';
import { EXIT_CODES, type ExitCode, type Output, usageError } from '../shared/output.js';
import { type RulesPreviewFlags, type RulesPreviewResult, runRulesPreview } from './preview.js';

/** Flags of `rules preview`: the engine's and what to print or write. */
export interface RulesPreviewCommandFlags extends RulesPreviewFlags {
  /** How many canonical records to print (default 5; --json prints all). */
  readonly show?: string;
  /** Write all canonical records as NDJSON to this file. */
  readonly output?: string;
  /** Exit 1 when any record ends in the DLQ (CI gate for rule changes). */
  readonly failOnDlq?: boolean;
}

const DEFAULT_SHOW = 5;

/** Adds `rules preview`. */
export function registerRules(program: Command, action: ActionWrapper): void {
  const rules = program.command('rules').description('work with enrichment rules');
  const preview = rules
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
    .option(
      '--records <file>',
      'samples: JSON array or NDJSON of API events or Pipe Kafka records (default: enrichment/samples/*.ndjson)',
    )
    .option('--from-topic', "read samples from the source's topic (throwaway group, nothing committed)")
    .option('--max <n>', 'records to read with --from-topic', '20')
    .option('--partition-key <spec>', 'record-key | topic-partition | field:<path>')
    .addOption(new Option('--hmac-key <key>', 'HMAC key for redact mode hash').env('KAFKA_PIPES_HMAC_KEY'))
    .option('--show <n>', 'canonical records to print', '5')
    .option('--output <file>', 'write every canonical record as NDJSON')
    .option('--fail-on-dlq', 'exit 1 when a record would go to the DLQ');
  fromTopicOptions(preview)
    .addHelpText(
      'after',
      '\nExamples:\n  kafka-pipes rules preview --rules my.rules.yaml   # on enrichment/samples/*.ndjson\n' +
        '  kafka-pipes rules preview --rules my.rules.yaml --records samples.ndjson\n' +
        '  kafka-pipes rules preview --source orders --from-topic --max 50\n' +
        '\nExit codes: 0 done · 1 --fail-on-dlq and a record went to the DLQ · 2 invalid rules/flags · 3 Kafka/AWS error',
    )
    .action(
      action(async ({ flags, out, aws }, opts: RulesPreviewCommandFlags) =>
        rulesPreviewCommand({ ...opts, sourcesDir: flags.sourcesDir }, out, aws),
      ),
    );
}

/** The connection flags `--from-topic` may use instead of the source's own. */
function fromTopicOptions(cmd: Command): Command {
  return cmd
    .option('--brokers <list>', 'with --from-topic: host:port list instead of the source brokers')
    .option('--cert <file>', 'with --from-topic: client certificate chain PEM')
    .option('--key <file>', 'with --from-topic: client key PEM')
    .option('--ca <file|s3-uri>', 'with --from-topic: trust bundle')
    .option('--username <name>', 'with --from-topic: SASL user')
    .addOption(
      new Option('--password <password>', 'with --from-topic: SASL password').env('KAFKA_PIPES_PASSWORD'),
    );
}

/** Runs `rules preview` and prints the result. */
export async function rulesPreviewCommand(
  flags: RulesPreviewCommandFlags,
  out: Output,
  aws: CliAwsClients,
): Promise<ExitCode> {
  const show = parseShow(flags.show);
  const r = await runRulesPreview(flags, aws);
  const { outcome } = r;
  if (flags.output)
    writeFileSync(flags.output, outcome.records.map((rec) => `${serializeCanonical(rec)}\n`).join(''));
  if (out.json) {
    out.result({
      rulesFile: r.rulesFile,
      ruleVersion: r.ruleVersion,
      samples: r.samples,
      counts: outcome.counts,
      records: outcome.records,
      dlq: outcome.dlq.map(({ value: _v, key: _k, headers: _h, ...rest }) => rest),
    });
  } else {
    printPreview(out, r, show, flags.output);
  }
  const failed = flags.failOnDlq === true && outcome.dlq.length > 0;
  return failed ? EXIT_CODES.failed : EXIT_CODES.ok;
}

/** `--show`: canonical records to print, a whole number ≥ 0. */
function parseShow(value: string | undefined): number {
  const show = value === undefined ? DEFAULT_SHOW : Number(value);
  if (!Number.isInteger(show) || show < 0) {
    throw usageError(
      '--show',
      'show',
      `must be a whole number ≥ 0, received ${value}`,
      'pass e.g. --show 10',
    );
  }
  return show;
}

function printPreview(out: Output, r: RulesPreviewResult, show: number, output: string | undefined): void {
  const c = out.color;
  const { counts, records, dlq } = r.outcome;
  out.line(
    `${c.bold('rules')} ${r.ruleVersion} ${c.dim(`(${r.rulesFile})`)} on ${counts.in} record(s) from ${r.samples}`,
  );
  for (const rec of records.slice(0, show)) out.line(serializeCanonical(rec));
  if (records.length > show) {
    out.line(c.dim(`… ${records.length - show} more (--show N, --output file.ndjson or --json)`));
  }
  out.line(c.bold('per rule'));
  const width = Math.max(8, ...r.ruleIds.map((i) => i.length));
  for (const id of r.ruleIds)
    out.line(`  ${id.padEnd(width)} ${String(counts.perRule[id] ?? 0).padStart(6)}`);
  out.line(`in ${counts.in} · out ${counts.out} · dropped ${counts.dropped} · dlq ${counts.dlq}`);
  for (const d of dlq) out.line(`  ${c.red('dlq')} ${d.topic}-${d.partition}@${d.offset}: ${d.reason}`);
  if (output) out.line(`wrote ${records.length} record(s) to ${output}`);
}
