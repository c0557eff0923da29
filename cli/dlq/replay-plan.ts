/**
 * What `dlq replay` does with one DLQ message, decided without any I/O: the records to deliver, the
 * updated entry to requeue, a drop, or why the message is skipped or failed. cli/dlq/replay.ts carries the
 * decision out (deliver, requeue, delete) and counts the outcomes.
 */
import type { RecordFormats } from '../../enrichment/formats/format.js';
import {
  type CompiledRules,
  type DlqEntry,
  enrichBatch,
  type PartitionKeySpec,
  reasonCode,
} from '../../enrichment/index.js';
import type { ParsedDlqMessage } from './messages.js';
import { pipeRecordFromEntry, pipeRecordFromKafka, type Reread, recordMismatch } from './reread.js';
import { SCHEMA_REASONS } from './schema-view.js';

/** The CURRENT rules and partition key that enrichment DLQ entries are re-run with. */
export interface ReplayEnrichment {
  readonly rules: CompiledRules;
  readonly partitionKey: PartitionKeySpec;
  /**
   * The value and key formats of source `source` (cli/shared/record-formats.ts), prepared for the
   * replayed values before any is planned. Absent when no source is known: values are read as JSON.
   */
  readonly formats?: RecordFormats;
  /** The source the entries belong to (named when its registry cannot be read). */
  readonly source?: string;
}

/** What to do with one message. `detail` is the line reported for it. */
export type ReplayAction =
  /** Write `records` to the target, then delete the message. */
  | { readonly action: 'deliver'; readonly records: readonly unknown[]; readonly detail: string }
  /** The entry still fails: send the updated `entry` to the same DLQ, then delete the message. */
  | { readonly action: 'requeue'; readonly entry: DlqEntry; readonly detail: string }
  /** The current rules drop the record: delete the message, write nothing. */
  | { readonly action: 'drop'; readonly detail: string }
  /** Cannot be replayed: leave the message in place. */
  | { readonly action: 'skip'; readonly detail: string }
  /** Something is wrong (Kafka unreadable, eventId changed, no rules): leave the message in place. */
  | { readonly action: 'fail'; readonly detail: string };

/** The action, and whether the record was re-read from Kafka (a truncated entry found and matching). */
export interface ReplayDecision {
  readonly act: ReplayAction;
  readonly readFromKafka: boolean;
}

const DROP_DETAIL = 'the current rules drop it';

/**
 * Decides what to do with a parsed DLQ message.
 * @param reread what `--from-kafka` found for this message (undefined without --from-kafka or when the
 *   entry was not truncated)
 */
export function planReplay(
  p: ParsedDlqMessage,
  enrich: ReplayEnrichment | undefined,
  reread: Reread | undefined,
  now?: () => Date,
): ReplayDecision {
  if (p.kind === 'unknown') return { act: { action: 'skip', detail: p.reason }, readFromKafka: false };
  if (p.kind === 'sink') return { act: planSinkBatch(p.payload), readFromKafka: false };
  const source = pipeRecordOf(p.entry, reread);
  if ('act' in source) return { act: source.act, readFromKafka: false };
  const readFromKafka = p.entry.valueTruncated === true;
  if (!enrich) {
    const detail = 'enrichment DLQ entries need the rules (--source or --rules)';
    return { act: { action: 'fail', detail }, readFromKafka };
  }
  if (!enrich.formats && SCHEMA_REASONS.includes(reasonCode(p.entry))) {
    const detail = `${reasonCode(p.entry)}: the value is decoded with the source's schema registry; pass the source name instead of the queue URL (or --source <name>)`;
    return { act: { action: 'skip', detail }, readFromKafka };
  }
  return { act: reenrich(p.entry, source.record, enrich, now), readFromKafka };
}

/** A sink batch is delivered as it is. */
function planSinkBatch(payload: unknown): ReplayAction {
  const records = Array.isArray(payload) ? payload : [];
  if (records.length === 0) return { action: 'skip', detail: 'the payload is not an array of records' };
  return { action: 'deliver', records, detail: `${records.length} record(s)` };
}

type PipeRecord = ReturnType<typeof pipeRecordFromEntry>;

/**
 * The record an enrichment entry replays (its own value, or the one re-read from Kafka), for the
 * formats to fetch its schema before planning; undefined when the message replays no record.
 */
export function replayedRecord(p: ParsedDlqMessage, reread: Reread | undefined): PipeRecord | undefined {
  if (p.kind !== 'enrichment') return undefined;
  const source = pipeRecordOf(p.entry, reread);
  return 'record' in source ? source.record : undefined;
}

/** The Pipe record to re-enrich: from the entry, or (value truncated) from the record re-read in Kafka. */
function pipeRecordOf(
  e: DlqEntry,
  reread: Reread | undefined,
): { record: PipeRecord } | { act: ReplayAction } {
  if (!e.valueTruncated) return { record: pipeRecordFromEntry(e) };
  const where = `${e.topic}-${e.partition}@${e.offset}`;
  if (!reread) {
    const detail = `value truncated in the DLQ (${e.valueBytes ?? '?'} bytes): pass --from-kafka to re-read ${where} from Kafka`;
    return { act: { action: 'skip', detail } };
  }
  if ('error' in reread) return { act: { action: 'fail', detail: reread.error } };
  if (!reread.record)
    return { act: { action: 'skip', detail: `record ${where} is no longer in Kafka (retention)` } };
  const differs = recordMismatch(e, reread.record);
  if (differs) {
    const detail = `record ${where} in Kafka differs from the DLQ entry (${differs}): the topic may have been recreated; replay it by hand`;
    return { act: { action: 'skip', detail } };
  }
  return { record: pipeRecordFromKafka(e, reread.record) };
}

/** Runs the current rules on the record under the entry's own source name. */
function reenrich(
  e: DlqEntry,
  record: PipeRecord,
  enrich: ReplayEnrichment,
  now: (() => Date) | undefined,
): ReplayAction {
  const { source: _source, ...ctx } = enrich;
  const outcome = enrichBatch([record], { ...ctx, sourceName: e.source, ...(now ? { now } : {}) });
  // An entry for one event of a newline-delimited value replays that event only (the others have
  // their own outcome: delivered, or an entry of their own).
  const index = e.eventIndex ?? null;
  const first = outcome.records[0]?.kafka.eventIndex ?? outcome.dlq[0]?.eventIndex ?? null;
  const changed = (first === null) !== (index === null) ? (outcome.records[0] ?? outcome.dlq[0]) : undefined;
  const canonical = outcome.records.find((r) => r.kafka.eventIndex === index);
  const failed = outcome.dlq.find((d) => (d.eventIndex ?? null) === index);
  const replayedId = (changed ?? canonical)?.eventId;
  if (replayedId !== undefined && replayedId !== e.eventId)
    return { action: 'fail', detail: `eventId changed on replay (${e.eventId} → ${replayedId})` };
  if (canonical) {
    const where = `${e.topic}-${e.partition}@${e.offset}`;
    const detail = `1 record ${where}${e.valueTruncated ? ' (re-read from Kafka)' : ''}`;
    return { action: 'deliver', records: [canonical], detail };
  }
  if (failed) return { action: 'requeue', entry: failed, detail: failed.reason };
  return { action: 'drop', detail: DROP_DETAIL };
}
