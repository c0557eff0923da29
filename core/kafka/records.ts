/** A Kafka record as the adapter's readers hand it out, and its conversion from kafkajs' decoded message. */

/** Where a reader starts when the group has no committed offset (the Pipes names). */
export type StartingPosition = 'TRIM_HORIZON' | 'LATEST';

/** One Kafka record as read from a partition (offsets and timestamps stay strings). */
export interface PartitionRecord {
  readonly topic: string;
  readonly partition: number;
  /** Offset as a decimal string. */
  readonly offset: string;
  /** Epoch milliseconds as a decimal string. */
  readonly timestamp: string;
  readonly timestampType: 'CREATE_TIME' | 'LOG_APPEND_TIME';
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** Headers in wire order; a header with several values appears several times. */
  readonly headers: readonly { readonly name: string; readonly value: Buffer }[];
}

/** A record as kafkajs decodes it, in its consumer (public `KafkaMessage`) and in a raw Fetch response. */
export interface DecodedMessage {
  readonly offset: string;
  readonly timestamp: string;
  readonly attributes: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>;
}

/**
 * Timestamp type of a fetched record. In the v2 record format (Kafka ≥ 0.11) it is a bit of the BATCH
 * attributes, which kafkajs exposes as `batchContext.timestampType` (0 CreateTime, 1 LogAppendTime); the
 * record's own attributes are unused there. Legacy message sets (v0/v1) carry it in the message
 * attributes (bit 3).
 */
function timestampTypeOf(m: DecodedMessage): PartitionRecord['timestampType'] {
  const batchType = (m as { batchContext?: { timestampType?: number } }).batchContext?.timestampType;
  if (batchType !== undefined) return batchType === 1 ? 'LOG_APPEND_TIME' : 'CREATE_TIME';
  return (m.attributes & 0x08) !== 0 ? 'LOG_APPEND_TIME' : 'CREATE_TIME';
}

export function toPartitionRecord(topic: string, partition: number, m: DecodedMessage): PartitionRecord {
  const headers: { name: string; value: Buffer }[] = [];
  for (const [name, raw] of Object.entries(m.headers ?? {})) {
    const values = Array.isArray(raw) ? raw : [raw];
    for (const v of values) {
      if (v === undefined) continue;
      headers.push({ name, value: Buffer.isBuffer(v) ? v : Buffer.from(String(v)) });
    }
  }
  return {
    topic,
    partition,
    offset: m.offset,
    timestamp: m.timestamp,
    timestampType: timestampTypeOf(m),
    key: m.key,
    value: m.value,
    headers,
  };
}

/** Bytes a record holds in memory (key, value, headers). */
export function partitionRecordBytes(r: PartitionRecord): number {
  let n = (r.key?.length ?? 0) + (r.value?.length ?? 0);
  for (const h of r.headers) n += h.name.length + h.value.length;
  return n;
}
