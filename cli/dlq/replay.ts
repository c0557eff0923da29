/**
 * The `dlq replay` engine: receives up to `max` messages, decides each one (cli/dlq/replay-plan.ts), carries
 * the decision out and counts what happened — outcomes per kind, records written, entries re-read from
 * Kafka. A message is deleted only after its delivery (or requeue) succeeded; everything else is made
 * visible again at the end.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { createSqsDlqSink, type DlqSink } from '../../enrichment/index.js';
import { prepareEventFormats, prepareWithRegistry } from '../shared/record-formats.js';
import type { DlqMessage } from './messages.js';
import { DLQ_VISIBILITY_SECONDS, deleteMessage, receiveMessages, releaseMessages } from './queue.js';
import { planReplay, type ReplayAction, type ReplayEnrichment, replayedRecord } from './replay-plan.js';
import { type KafkaRecordReader, type Reread, rereadTruncated } from './reread.js';

/** What happened to one message during a replay. */
export const REPLAY_OUTCOMES = {
  /** Delivered and deleted. */
  delivered: 'delivered',
  /** The current rules drop the record: deleted, nothing delivered. */
  dropped: 'dropped',
  /** Still failing with the current rules: the updated entry (new reason) replaced the old message. */
  requeued: 'requeued',
  /** Delivery or requeue failed: the message stays in the DLQ untouched. */
  failed: 'failed',
  /**
   * Cannot be replayed (unknown body; truncated value without --from-kafka, or whose record is no longer
   * in Kafka or differs from the entry): left in place.
   */
  skipped: 'skipped',
  /** --dry-run: what would be done. */
  wouldDeliver: 'would-deliver',
  wouldDrop: 'would-drop',
  wouldRequeue: 'would-requeue',
} as const;
/** One of {@link REPLAY_OUTCOMES}. */
export type ReplayOutcome = (typeof REPLAY_OUTCOMES)[keyof typeof REPLAY_OUTCOMES];

/** Where replayed records go (cli/dlq/targets.ts builds one per target kind). */
export interface ReplayTarget {
  /** For the human summary, e.g. `stream orders-events-prod`. */
  readonly label: string;
  /** For `--json`, e.g. `{stream: 'orders-events-prod'}`. */
  readonly json: Readonly<Record<string, string>>;
  /** Writes the records and returns how many were written; throws when the target refused them. */
  deliver(records: readonly unknown[]): Promise<number>;
}

/** Extra hidden time of received messages when replay first re-reads truncated entries from Kafka. */
const REREAD_VISIBILITY_MARGIN_SECONDS = 600;
/** SQS's longest visibility timeout (12 hours). */
const MAX_VISIBILITY_SECONDS = 43_200;

/** Everything a replay needs. */
export interface ReplayOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly target: ReplayTarget;
  /** For enrichment DLQ entries: the CURRENT rules and partition key (the source name comes from each entry). */
  readonly enrich?: ReplayEnrichment;
  /**
   * Re-reads entries whose value was truncated in the DLQ from Kafka (`--from-kafka`). Without it such
   * entries are skipped.
   */
  readonly kafka?: KafkaRecordReader;
  readonly dryRun: boolean;
  readonly max: number;
  /** Messages per second (undefined = as fast as possible). */
  readonly ratePerSecond?: number;
  readonly onMessage?: (m: DlqMessage, outcome: ReplayOutcome, detail: string) => void;
  readonly now?: () => Date;
}

/** One message not delivered: its id, outcome and why. */
export interface ReplayProblem {
  readonly messageId: string;
  readonly outcome: ReplayOutcome;
  readonly detail: string;
}

/** Summary of a replay. */
export interface ReplaySummary {
  readonly queueUrl: string;
  readonly dryRun: boolean;
  readonly messages: number;
  readonly outcomes: Record<string, number>;
  /** Records written to the target. */
  readonly recordsDelivered: number;
  /** Entries with a truncated value whose record was re-read from Kafka and matched the entry. */
  readonly readFromKafka: number;
  /** One line per message not delivered: messageId, outcome, detail. */
  readonly problems: readonly ReplayProblem[];
}

/** What carrying out one decision gave. */
interface MessageResult {
  readonly outcome: ReplayOutcome;
  readonly detail: string;
  /** Records written to the target (0 unless delivered). */
  readonly delivered: number;
  readonly readFromKafka: boolean;
}

/**
 * Replays up to `max` messages. Per message: enrichment entries are re-enriched with the current rules and
 * delivered; sink batches are delivered as they are. A message is deleted only after delivery succeeded;
 * an entry that still fails is replaced by the updated entry (new reason) — send first, then delete; when
 * anything fails the message stays in place (made visible again). Replayed records keep their eventId.
 */
export async function replayDlq(o: ReplayOptions): Promise<ReplaySummary> {
  const messages = await receiveMessages(o.sqs, o.queueUrl, o.max, replayVisibilitySeconds(o));
  const reread = o.kafka ? await rereadTruncated(o.kafka, messages) : new Map<string, Reread>();
  try {
    await prepareFormats(o, messages, reread);
  } catch (err) {
    // The registry could not answer: nothing was replayed, every message goes back as it was.
    await releaseMessages(o.sqs, o.queueUrl, messages);
    throw err;
  }
  const sink = createSqsDlqSink(o.sqs, o.queueUrl);
  const pace = pacer(o.ratePerSecond);
  const results: MessageResult[] = [];
  for (const m of messages) {
    await pace();
    const r = await replayMessage(o, m, sink, reread.get(m.messageId));
    results.push(r);
    o.onMessage?.(m, r.outcome, r.detail);
  }
  const left = messages.filter((_, i) => !removedFromQueue(results[i] as MessageResult));
  await releaseMessages(o.sqs, o.queueUrl, left);
  return summarizeReplay(o, messages, results);
}

/** Fetches the schemas the replayed values need (formats of the source), once for the whole run. */
async function prepareFormats(
  o: ReplayOptions,
  messages: readonly DlqMessage[],
  reread: ReadonlyMap<string, Reread>,
): Promise<void> {
  const formats = o.enrich?.formats;
  const source = o.enrich?.source;
  if (!formats || !source) return;
  const records = messages.flatMap((m) => replayedRecord(m.parsed, reread.get(m.messageId)) ?? []);
  await prepareWithRegistry(source, () => prepareEventFormats(formats, records));
}

/** Keeps the messages hidden for the whole run (a slow --rate must not let them reappear mid-replay). */
function replayVisibilitySeconds(o: ReplayOptions): number {
  const run = Math.ceil(o.max / (o.ratePerSecond ?? 1_000)) + 60;
  const margin = o.kafka ? REREAD_VISIBILITY_MARGIN_SECONDS : 0;
  return Math.min(MAX_VISIBILITY_SECONDS, Math.max(DLQ_VISIBILITY_SECONDS, run) + margin);
}

/** Waits so that calls come at most `ratePerSecond` times a second. */
function pacer(ratePerSecond: number | undefined): () => Promise<void> {
  const intervalMs = ratePerSecond ? 1000 / ratePerSecond : 0;
  let next = Date.now();
  return async () => {
    if (intervalMs <= 0) return;
    const wait = next - Date.now();
    if (wait > 0) await sleep(wait);
    next = Math.max(next, Date.now()) + intervalMs;
  };
}

/** Decides and carries out one message; any error leaves it `failed` and untouched. */
async function replayMessage(
  o: ReplayOptions,
  m: DlqMessage,
  sink: DlqSink,
  reread: Reread | undefined,
): Promise<MessageResult> {
  const { act, readFromKafka } = planReplay(m.parsed, o.enrich, reread, o.now);
  try {
    return { ...(await carryOut(o, m, sink, act)), readFromKafka };
  } catch (e) {
    return { outcome: 'failed', detail: (e as Error).message, delivered: 0, readFromKafka };
  }
}

async function carryOut(
  o: ReplayOptions,
  m: DlqMessage,
  sink: DlqSink,
  act: ReplayAction,
): Promise<Omit<MessageResult, 'readFromKafka'>> {
  const { detail } = act;
  switch (act.action) {
    case 'skip':
      return { outcome: 'skipped', detail, delivered: 0 };
    case 'fail':
      return { outcome: 'failed', detail, delivered: 0 };
    case 'deliver': {
      if (o.dryRun) return { outcome: 'would-deliver', detail, delivered: 0 };
      const delivered = await o.target.deliver(act.records);
      await deleteMessage(o.sqs, o.queueUrl, m);
      return { outcome: 'delivered', detail, delivered };
    }
    case 'requeue':
      if (o.dryRun) return { outcome: 'would-requeue', detail, delivered: 0 };
      await sink.send([act.entry]);
      await deleteMessage(o.sqs, o.queueUrl, m);
      return { outcome: 'requeued', detail, delivered: 0 };
    case 'drop':
      if (o.dryRun) return { outcome: 'would-drop', detail, delivered: 0 };
      await deleteMessage(o.sqs, o.queueUrl, m);
      return { outcome: 'dropped', detail, delivered: 0 };
  }
}

/** Delivered, dropped and requeued messages were deleted; the others go back to the queue. */
function removedFromQueue(r: MessageResult): boolean {
  return r.outcome === 'delivered' || r.outcome === 'dropped' || r.outcome === 'requeued';
}

function summarizeReplay(
  o: ReplayOptions,
  messages: readonly DlqMessage[],
  results: readonly MessageResult[],
): ReplaySummary {
  const outcomes: Record<string, number> = {};
  for (const r of results) outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
  const problems = results.flatMap((r, i) =>
    r.outcome === 'delivered' || r.outcome === 'would-deliver'
      ? []
      : [{ messageId: (messages[i] as DlqMessage).messageId, outcome: r.outcome, detail: r.detail }],
  );
  return {
    queueUrl: o.queueUrl,
    dryRun: o.dryRun,
    messages: messages.length,
    outcomes,
    recordsDelivered: results.reduce((n, r) => n + r.delivered, 0),
    readFromKafka: results.filter((r) => r.readFromKafka).length,
    problems,
  };
}
