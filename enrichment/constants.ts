/**
 * Limits and versions of the enrichment step. Every constant carries its unit.
 */

/** Version of the canonical record layout (`schemaVersion` in every record). Bump on breaking change. */
export const CANONICAL_SCHEMA_VERSION = 2 as const;

/** Maximum size of one Kinesis record: data blob plus partition key (1 MiB). */
export const KINESIS_RECORD_LIMIT_BYTES = 1_048_576;

/** Maximum length of a Kinesis partition key, in UTF-16 characters as Kinesis counts them. */
export const PARTITION_KEY_MAX_CHARS = 256;

/**
 * Budget for the serialized enrichment response. The synchronous Lambda response limit is 6 MB
 * (6,291,456 bytes); we keep 256 KiB of headroom for the array brackets, commas and runtime framing.
 */
export const ENRICH_OUTPUT_LIMIT_BYTES = 6_291_456 - 262_144;

/** Maximum size of one SQS message body (256 KiB). */
export const SQS_MESSAGE_LIMIT_BYTES = 262_144;

/** Maximum number of entries in one SQS SendMessageBatch call, and of their summed size (256 KiB). */
export const SQS_BATCH_MAX_ENTRIES = 10;

/** Summed body size allowed in one SQS SendMessageBatch call (256 KiB). */
export const SQS_BATCH_LIMIT_BYTES = 262_144;

/** How many times the DLQ sink re-sends entries that a batch call reported as failed. */
export const DLQ_SEND_ATTEMPTS = 3;

/** Schema tag written in every DLQ message. */
export const DLQ_SCHEMA = 'enrichment-dlq/v1' as const;

/** Appended to the reason of a DLQ entry whose key and headers were removed to fit an SQS message. */
export const DLQ_KEY_HEADERS_REMOVED_NOTE = '(key and headers removed: too large for SQS)';

/** Why a record went to the DLQ. The DLQ entry's `reason` starts with one of these codes. */
export const DLQ_REASON = {
  /** The Kafka record had no value (a tombstone). */
  missingValue: 'missing-value',
  /** The value is not valid base64 (the transport encoding of Pipes and event-source mappings). */
  invalidBase64: 'invalid-base64',
  /** The value bytes are not valid UTF-8. */
  invalidUtf8: 'invalid-utf8',
  /** The value is UTF-8 but not JSON. */
  invalidJson: 'invalid-json',
  /** The value is JSON but not an object. */
  notAnObject: 'not-an-object',
  /**
   * A known API Connect field has a value of the wrong type or format, or a number anywhere in the
   * value is beyond the range JSON numbers can be read into (`1e400`).
   */
  wrongType: 'wrong-type',
  /** The value nests deeper than normalize.ts MAX_VALUE_DEPTH levels. */
  tooDeep: 'too-deep',
  /** A rule expression failed at run time on this record. */
  ruleError: 'rule-error',
  /** The canonical record plus partition key exceeds a Kinesis record (1 MiB). */
  oversizeRecord: 'oversize-record',
  /** The batch output would exceed the enrichment response limit; this record did not fit. */
  batchOutputLimit: 'batch-output-limit',
  /** The value is framed by a schema registry that does not know its schema id (or knows it in another format). */
  unknownSchema: 'unknown-schema',
  /** The value is framed by a schema registry, but its payload does not decode with the registered schema. */
  schemaDecodeError: 'schema-decode-error',
  /** The value is not framed by the source's schema registry and the source's `fallback` is `dlq`. */
  notRegistryFramed: 'not-registry-framed',
} as const;

/** A DLQ reason code. */
export type DlqReasonCode = (typeof DLQ_REASON)[keyof typeof DLQ_REASON];
