/**
 * `kafka-pipes dlq inspect`: counts and a summary of up to `--max` messages, without consuming anything —
 * messages are received (which hides them), summarized, then made visible again.
 */
import type { CliAwsClients } from '../shared/aws.js';
import { EXIT_CODES, type ExitCode, type Output, startProgress } from '../shared/output.js';
import { type DlqFlags, parseMax, resolveQueue } from './flags.js';
import { type DlqSummary, summarize } from './messages.js';
import { DLQ_VISIBILITY_SECONDS, queueDepth, receiveMessages, releaseMessages } from './queue.js';
import { type SchemaView, schemaView } from './schema-view.js';

const DEFAULT_INSPECT_MAX = 1000;

/** Visible and in-flight messages (approximate, from the queue attributes). */
type Depth = Awaited<ReturnType<typeof queueDepth>>;

/** `dlq inspect`: counts and summary without consuming. Exit 0. */
export async function dlqInspectCommand(
  ref: string,
  flags: DlqFlags,
  out: Output,
  aws: CliAwsClients,
): Promise<ExitCode> {
  const { queueUrl, kind, source } = await resolveQueue(ref, flags, aws.sqs);
  const depth = await queueDepth(aws.sqs, queueUrl);
  const max = parseMax(flags.max, DEFAULT_INSPECT_MAX);
  const progress = startProgress(out, 'reading', Math.min(max, depth.visible));
  const messages = await receiveMessages(aws.sqs, queueUrl, max, DLQ_VISIBILITY_SECONDS, (n) =>
    progress.tick(n),
  );
  progress.stop();
  try {
    const summary = summarize(queueUrl, messages);
    const schemas = await schemaView(messages, source, aws);
    if (out.json) out.result({ ...summary, approximate: depth, ...(schemas ? { schemas } : {}) });
    else {
      printInspect(out, summary, depth, `kafka-pipes dlq replay ${ref} --queue ${kind} --dry-run`);
      if (schemas) printSchemas(out, schemas);
    }
    return EXIT_CODES.ok;
  } finally {
    await releaseMessages(aws.sqs, queueUrl, messages);
  }
}

function printInspect(out: Output, s: DlqSummary, depth: Depth, next: string): void {
  const c = out.color;
  out.line(`${c.bold('dlq')} ${s.queueUrl}`);
  out.line(
    `  ${depth.visible} visible, ${depth.inFlight} in flight; looked at ${s.total} message(s) holding ${s.records} record(s)`,
  );
  if (s.total === 0) return;
  out.line(c.bold('by reason'));
  for (const [code, n] of Object.entries(s.byReason).sort((a, b) => b[1] - a[1])) {
    out.line(`  ${String(n).padStart(6)}  ${code}  ${c.dim(`e.g. ${s.examples[code] ?? ''}`)}`);
  }
  out.line(c.bold('by topic/partition'));
  for (const p of s.partitions) {
    out.line(`  ${p.topic}-${p.partition}: ${p.count} record(s), offsets ${p.minOffset}..${p.maxOffset}`);
  }
  const versions = Object.entries(s.ruleVersions).map(([v, n]) => `${v} (${n})`);
  if (versions.length > 0) out.line(`${c.bold('rule versions')} ${versions.join(', ')}`);
  if (s.oldestFailedAt) out.line(`${c.bold('failed between')} ${s.oldestFailedAt} and ${s.newestFailedAt}`);
  if (s.truncated > 0) out.line(c.yellow(truncatedNote(s.truncated)));
  out.line(`next: ${next}`);
}

function printSchemas(out: Output, v: SchemaView): void {
  const c = out.color;
  out.line(
    `${c.bold('by schema')} (${v.entries} entr${v.entries === 1 ? 'y' : 'ies'} a schema registry framed, or should have)`,
  );
  for (const [schema, n] of Object.entries(v.bySchema).sort((a, b) => b[1] - a[1])) {
    out.line(`  ${String(n).padStart(6)}  ${schema}`);
  }
  if (!v.now) {
    out.line(c.dim('  pass the source name instead of the queue URL to decode them with its format now'));
  } else if ('error' in v.now) {
    out.line(c.yellow(`  not decoded now: ${v.now.error}`));
  } else {
    const failing = Object.entries(v.now.failing).map(([code, n]) => `${code} ${n}`);
    out.line(
      `  decoded now with the source's format: ${v.now.decodes} decode${failing.length > 0 ? `, still failing: ${failing.join(', ')}` : ' (replay delivers them)'}`,
    );
  }
}

function truncatedNote(n: number): string {
  const one = n === 1;
  return `${n} entr${one ? 'y has' : 'ies have'} a truncated value: dlq replay --from-kafka re-reads ${one ? 'it' : 'them'} from Kafka while retention keeps ${one ? 'it' : 'them'}`;
}
