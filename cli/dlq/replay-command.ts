/**
 * `kafka-pipes dlq replay`: turns the flags into a replay (target, current rules, optional Kafka re-read,
 * rate), runs the engine (cli/dlq/replay.ts) and prints its summary.
 */
import { authKind } from '../../pipes/kinds/registry.js';
import type { SourceConfig } from '../../pipes/source-schema.js';
import { type CheckFlags, planCheck } from '../check/plan.js';
import { compileRulesFile, partitionKeyOf } from '../rules/preview.js';
import type { CliAwsClients } from '../shared/aws.js';
import { EXIT_CODES, type ExitCode, type Output, startProgress, usageError } from '../shared/output.js';
import { sourceFormats } from '../shared/record-formats.js';
import { resolveSource } from '../shared/sources.js';
import { type DlqFlags, parseMax, resolveQueue } from './flags.js';
import { DLQ_KINDS, type DlqKind } from './messages.js';
import { queueDepth } from './queue.js';
import { type ReplaySummary, replayDlq } from './replay.js';
import type { ReplayEnrichment } from './replay-plan.js';
import { type KafkaRecordReader, kafkaRecordReader } from './reread.js';
import { replayTargetFor } from './targets.js';

/** Flags of replay. */
export interface DlqReplayFlags extends DlqFlags, Omit<CheckFlags, 'tls' | 'timeout' | 'sourcesDir'> {
  /** Re-read entries whose value was truncated in the DLQ from Kafka. */
  readonly fromKafka?: boolean;
  /** The source the queue belongs to, when a queue URL is given (rules, stream, Kafka connection). */
  readonly source?: string;
  readonly dryRun?: boolean;
  readonly rate?: string;
  readonly rules?: string;
  readonly partitionKey?: string;
  readonly stream?: string;
  readonly env?: string;
  readonly function?: string;
  readonly deliveryStream?: string;
  readonly to?: string;
  readonly hmacKey?: string;
}

const DEFAULT_REPLAY_MAX = 100;
/** Largest `--rate` in messages per second. */
const MAX_RATE = 10_000;
/** Problems printed one per line; the rest with --json. */
const PROBLEMS_SHOWN = 20;

/** `dlq replay`: exit 0 when every message was handled, 1 when some stay in the DLQ. */
export async function dlqReplayCommand(
  ref: string,
  flags: DlqReplayFlags,
  out: Output,
  aws: CliAwsClients,
): Promise<ExitCode> {
  const { queueUrl, kind, source: named } = await resolveQueue(ref, flags, aws.sqs);
  const sourceRef = named ? ref : flags.source;
  const source = named ?? (flags.source ? resolveSource(flags.source, flags.sourcesDir).source : undefined);
  const max = parseMax(flags.max, DEFAULT_REPLAY_MAX);
  const rate = parseRate(flags.rate);
  const target = replayTargetFor(flags, source, aws);
  const enrich = await replayEnrichment(kind, flags, source, aws);
  const kafka = flags.fromKafka ? await fromKafkaReader(sourceRef, source, flags, aws) : undefined;
  const depth = await queueDepth(aws.sqs, queueUrl);
  const progress = startProgress(out, flags.dryRun ? 'dry run' : 'replay', Math.min(max, depth.visible));
  const summary = await replayDlq({
    sqs: aws.sqs,
    queueUrl,
    target,
    ...(enrich ? { enrich } : {}),
    ...(kafka ? { kafka } : {}),
    dryRun: flags.dryRun === true,
    max,
    ...(rate ? { ratePerSecond: rate } : {}),
    onMessage: () => progress.tick(),
  });
  progress.stop();
  const left = leftInQueue(summary);
  if (out.json) out.result({ ...summary, target: target.json, left: left.total });
  else printReplay(out, summary, target.label, left, kafka !== undefined);
  return left.total > 0 ? EXIT_CODES.failed : EXIT_CODES.ok;
}

/** `--rate`: messages per second, `50` or `50/s`. */
function parseRate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const rate = Number(String(value).replace(/\/s$/, ''));
  if (!Number.isFinite(rate) || rate <= 0 || rate > MAX_RATE) {
    throw usageError(
      '--rate',
      'rate',
      `must be a number of messages per second > 0, received ${value}`,
      'pass e.g. --rate 50',
    );
  }
  return rate;
}

/** The current rules and partition key; required for the enrichment DLQ. */
async function replayEnrichment(
  kind: DlqKind,
  flags: DlqReplayFlags,
  source: SourceConfig | undefined,
  aws: CliAwsClients,
): Promise<ReplayEnrichment | undefined> {
  const rulesFile = kind === DLQ_KINDS.enrichment || flags.rules ? (flags.rules ?? source?.rules) : undefined;
  if (!rulesFile) {
    if (kind !== DLQ_KINDS.enrichment) return undefined;
    throw usageError(
      '--rules',
      'rules',
      'replaying the enrichment DLQ re-runs the current rules, and none are known for a queue URL',
      'pass --rules <file> (and --partition-key), or the source name instead of the queue URL (or --source <name>)',
    );
  }
  const partitionKey = partitionKeyOf(flags.partitionKey, source);
  const rules = await compileRulesFile(rulesFile, flags.hmacKey, aws);
  // With the source known, its value/key formats decode the replayed values (schemas re-fetched).
  return {
    rules,
    partitionKey,
    ...(source ? { formats: sourceFormats(source, aws), source: source.name } : {}),
  };
}

/**
 * The Kafka reader of `--from-kafka`: connects with the source's own settings, built as `check` builds
 * them (brokers, TLS material, SASL secret, or the local material flags).
 */
async function fromKafkaReader(
  sourceRef: string | undefined,
  source: SourceConfig | undefined,
  flags: DlqReplayFlags,
  aws: CliAwsClients,
): Promise<KafkaRecordReader> {
  if (!sourceRef || !source) {
    throw usageError(
      '--from-kafka',
      'source',
      're-reading records from Kafka needs the source to connect to, and a queue URL names none',
      'pass the source name instead of the queue URL, or add --source <name>',
    );
  }
  const { client } = authKind(source.auth.type);
  if (!client.supported) {
    throw usageError(
      '--from-kafka',
      'auth.type',
      `source ${source.name} uses auth type ${source.auth.type}, which this CLI cannot use (${client.reason})`,
      `replay without --from-kafka, and re-read the truncated records with a client that supports ${source.auth.type}`,
    );
  }
  const plan = await planCheck(sourceRef, { ...flags, tls: 'auto' }, aws);
  return kafkaRecordReader({
    brokers: plan.brokers,
    clientId: 'kafka-pipes-dlq-replay',
    ...(plan.tls ? { tls: plan.tls } : {}),
    ...(plan.sasl ? { sasl: plan.sasl } : {}),
  });
}

/** Messages that stay in the DLQ: untouched (failed, skipped) and requeued with a new reason. */
interface LeftInQueue {
  readonly total: number;
  readonly untouched: number;
  readonly requeued: number;
}

function leftInQueue(summary: ReplaySummary): LeftInQueue {
  const untouched = summary.problems.filter((p) => p.outcome === 'failed' || p.outcome === 'skipped').length;
  const requeued = summary.outcomes.requeued ?? 0;
  return { total: untouched + requeued, untouched, requeued };
}

function printReplay(
  out: Output,
  summary: ReplaySummary,
  target: string,
  left: LeftInQueue,
  fromKafka: boolean,
): void {
  const c = out.color;
  out.line(`${c.bold(summary.dryRun ? 'dry run' : 'replay')} ${summary.queueUrl} → ${target}`);
  const outcomes = Object.entries(summary.outcomes).map(([k, n]) => `${k} ${n}`);
  out.line(`  ${summary.messages} message(s)${outcomes.length > 0 ? `: ${outcomes.join(', ')}` : ''}`);
  if (!summary.dryRun)
    out.line(
      `  ${summary.recordsDelivered} record(s) delivered (eventIds unchanged: downstream can drop duplicates)`,
    );
  if (fromKafka) out.line(`  ${summary.readFromKafka} truncated entr(ies) re-read from Kafka`);
  for (const p of summary.problems.slice(0, PROBLEMS_SHOWN))
    out.line(`  ${c.yellow(p.outcome)} ${p.messageId}: ${p.detail}`);
  if (summary.problems.length > PROBLEMS_SHOWN)
    out.line(c.dim(`  … ${summary.problems.length - PROBLEMS_SHOWN} more (--json for all)`));
  if (left.total > 0) {
    out.line(
      c.yellow(
        `${left.total} message(s) remain in the DLQ (${left.untouched} untouched, ${left.requeued} with a new reason)`,
      ),
    );
  }
}
