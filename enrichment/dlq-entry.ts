import type { DLQ_SCHEMA } from './constants.js';

/** Kafka timestamp types a DLQ entry records (the record attribute Pipes reports as `timestampType`). */
export const DLQ_TIMESTAMP_TYPES = ['CREATE_TIME', 'LOG_APPEND_TIME'] as const;
/** One of {@link DLQ_TIMESTAMP_TYPES}. */
export type DlqTimestampType = (typeof DLQ_TIMESTAMP_TYPES)[number];

/** Narrows a record's `timestampType` to the two Kafka values (anything else is not recorded). */
export function isDlqTimestampType(value: unknown): value is DlqTimestampType {
  return value === 'CREATE_TIME' || value === 'LOG_APPEND_TIME';
}

/** One Kafka header of a DLQ entry, value kept as base64 so binary headers survive. */
export interface DlqHeader {
  readonly name: string;
  /** Header value, base64. */
  readonly value: string;
}

/**
 * A record that could not be enriched, written to the enrichment DLQ (SQS) as JSON. It carries
 * everything needed to inspect and replay it (`dlq inspect` / `dlq replay`).
 */
export interface DlqEntry {
  readonly schema: typeof DLQ_SCHEMA;
  /** Same eventId the canonical record would have had. */
  readonly eventId: string;
  /**
   * Which event of the value failed, when the value holds several (newline-delimited JSON; the entry
   * keeps the whole value). Absent otherwise.
   */
  readonly eventIndex?: number;
  /** Source name. */
  readonly source: string;
  readonly cluster: string;
  readonly topic: string;
  readonly partition: number;
  /** Offset as a decimal string. */
  readonly offset: string;
  /** Record timestamp, ISO-8601 UTC, or null. */
  readonly timestamp: string | null;
  /**
   * Whether `timestamp` is the producer's (CREATE_TIME) or the broker's (LOG_APPEND_TIME). Absent in
   * entries written before it was recorded, and when the record carried no known type.
   */
  readonly timestampType?: DlqTimestampType;
  /** `<reason-code>: <detail>`; the code is one of DLQ_REASON. */
  readonly reason: string;
  /** ruleVersion of the rules in force. */
  readonly ruleVersion: string;
  /** Key as received (base64) or null. */
  readonly key: string | null;
  /** Value as received (base64) or null; see valueTruncated. */
  readonly value: string | null;
  /** Headers, values base64. */
  readonly headers: readonly DlqHeader[];
  /** When the entry was made, ISO-8601 UTC. */
  readonly failedAt: string;
  /** Set when the value was cut to fit an SQS message; `valueSha256` then identifies the full value. */
  readonly valueTruncated?: true;
  /** sha-256 hex of the full decoded value bytes (set with valueTruncated). */
  readonly valueSha256?: string;
  /** Size in bytes of the full decoded value (set with valueTruncated). */
  readonly valueBytes?: number;
}

/** Extracts the reason code (text before the first colon) of a DLQ entry. */
export function reasonCode(entry: Pick<DlqEntry, 'reason'>): string {
  const i = entry.reason.indexOf(':');
  return i < 0 ? entry.reason : entry.reason.slice(0, i);
}
