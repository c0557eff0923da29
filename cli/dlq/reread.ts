/**
 * `dlq replay --from-kafka`: entries whose value was truncated to fit SQS are re-read from Kafka at their
 * coordinates (no consumer group, nothing committed), checked against the entry (sha-256, size, key) and
 * turned back into the Pipe record the enrichment got. Also rebuilds the Pipe record of an entry whose
 * value is whole.
 */
import { createHash } from 'node:crypto';
import type { KafkaConnection } from '../../core/kafka/client.js';
import type { PartitionRecord } from '../../core/kafka/records.js';
import { readRecordsAt } from '../../core/kafka/records-at.js';
import {
  buildPipeKafkaRecord,
  DLQ_KEY_HEADERS_REMOVED_NOTE,
  type DlqEntry,
  eventSourceOfCluster,
  pipeInputOf,
} from '../../enrichment/index.js';
import type { DlqMessage } from './messages.js';

/** Topic-partitions re-read from Kafka at once by `--from-kafka` (each read is bounded by 30 s). */
const REREAD_PARALLEL_PARTITIONS = 4;

/**
 * Reads Kafka records by coordinates, without a consumer group and without committing (the port of
 * `--from-kafka`; {@link kafkaRecordReader} builds the real one).
 */
export interface KafkaRecordReader {
  /** The records found at `offsets`, keyed by offset; offsets without a record are absent. */
  readRecordsAt(
    topic: string,
    partition: number,
    offsets: readonly string[],
  ): Promise<Map<string, PartitionRecord>>;
}

/** A {@link KafkaRecordReader} over a Kafka connection (core/kafka/records-at.ts readRecordsAt). */
export function kafkaRecordReader(conn: KafkaConnection): KafkaRecordReader {
  return { readRecordsAt: (topic, partition, offsets) => readRecordsAt(conn, topic, partition, offsets) };
}

/**
 * Rebuilds the Pipe record of an enrichment DLQ entry (raw key, value and headers as received), so the
 * current rules see exactly what the Pipe delivered and the eventId stays the same.
 */
export function pipeRecordFromEntry(e: DlqEntry) {
  const record = buildPipeKafkaRecord({
    eventSource: eventSourceOfCluster(e.cluster),
    cluster: e.cluster,
    topic: e.topic,
    partition: e.partition,
    offset: e.offset,
    timestamp: e.timestamp === null ? 0 : Date.parse(e.timestamp),
    ...(e.timestampType ? { timestampType: e.timestampType } : {}),
    key: e.key === null ? null : Buffer.from(e.key, 'base64'),
    value: e.value === null ? null : Buffer.from(e.value, 'base64'),
    headers: e.headers.map((h) => ({ key: h.name, value: Buffer.from(h.value, 'base64') })),
  });
  if (e.timestamp === null) delete (record as { timestamp?: number }).timestamp;
  return record;
}

/**
 * Rebuilds the Pipe record of an enrichment DLQ entry from the Kafka record at its coordinates (for
 * entries whose value was truncated in the DLQ): key, value, headers, timestamp and timestamp type come
 * from Kafka, the cluster from the entry, so the eventId stays the same.
 */
export function pipeRecordFromKafka(e: DlqEntry, r: PartitionRecord) {
  return buildPipeKafkaRecord(
    pipeInputOf(r, {
      eventSource: eventSourceOfCluster(e.cluster),
      cluster: e.cluster,
    }),
  );
}

/** What re-reading a truncated entry from Kafka gave: the record, nothing (gone), or an error text. */
export type Reread = { readonly record: PartitionRecord | null } | { readonly error: string };

/**
 * Reads the records of every truncated enrichment entry among `messages` from Kafka, one
 * readRecordsAt call per topic-partition (not one connection per entry), a few partitions at once.
 * Keyed by messageId.
 */
export async function rereadTruncated(
  kafka: KafkaRecordReader,
  messages: readonly DlqMessage[],
): Promise<Map<string, Reread>> {
  const groups = new Map<string, { topic: string; partition: number; entries: DlqMessage[] }>();
  for (const m of messages) {
    if (m.parsed.kind !== 'enrichment' || !m.parsed.entry.valueTruncated) continue;
    const { topic, partition } = m.parsed.entry;
    const key = `${topic}\u0000${partition}`;
    let g = groups.get(key);
    if (!g) {
      g = { topic, partition, entries: [] };
      groups.set(key, g);
    }
    g.entries.push(m);
  }
  const out = new Map<string, Reread>();
  const offsetOf = (m: DlqMessage) => (m.parsed.kind === 'enrichment' ? m.parsed.entry.offset : '');
  const pending = [...groups.values()];
  const worker = async () => {
    for (let g = pending.shift(); g; g = pending.shift()) {
      const { topic, partition, entries } = g;
      try {
        const found = await kafka.readRecordsAt(topic, partition, entries.map(offsetOf));
        for (const m of entries) out.set(m.messageId, { record: found.get(offsetOf(m)) ?? null });
      } catch (e) {
        const error = `cannot re-read ${topic}-${partition} from Kafka: ${(e as Error).message}`;
        for (const m of entries) out.set(m.messageId, { error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(REREAD_PARALLEL_PARTITIONS, pending.length) }, worker));
  return out;
}

/**
 * Checks that the Kafka record at an entry's coordinates is the record the entry was made from: same
 * coordinates, value sha-256 and size, and key (unless the DLQ sink removed the key to fit SQS).
 * Returns what differs, or null when it is the same record.
 */
export function recordMismatch(e: DlqEntry, r: PartitionRecord): string | null {
  if (r.topic !== e.topic || r.partition !== e.partition || r.offset !== e.offset) return 'coordinates';
  const value = r.value ?? Buffer.alloc(0);
  if (e.valueSha256 !== undefined && createHash('sha256').update(value).digest('hex') !== e.valueSha256)
    return 'value sha-256';
  if (e.valueBytes !== undefined && value.length !== e.valueBytes) return 'value size';
  const keyRemoved = e.reason.endsWith(DLQ_KEY_HEADERS_REMOVED_NOTE);
  if (!keyRemoved && (r.key === null ? null : r.key.toString('base64')) !== e.key) return 'key';
  return null;
}
