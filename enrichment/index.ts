/**
 * Public API of the enrichment step. The poller, the local Pipe runner and the CLI use these so both
 * engines emit byte-identical records.
 * The zod / JSON Schema of the canonical record lives in `enrichment/canonical-schema.ts` (kept out of
 * this module so the Lambda bundle stays small).
 */
export { APIC_FIELDS, type ApicFieldKind } from './apic-fields.js';
export { type CanonicalRecord, serializeCanonical } from './canonical.js';
export {
  CANONICAL_SCHEMA_VERSION,
  DLQ_KEY_HEADERS_REMOVED_NOTE,
  DLQ_REASON,
  DLQ_SCHEMA,
  type DlqReasonCode,
  ENRICH_OUTPUT_LIMIT_BYTES,
  KINESIS_RECORD_LIMIT_BYTES,
  PARTITION_KEY_MAX_CHARS,
  SQS_MESSAGE_LIMIT_BYTES,
} from './constants.js';
export {
  createEnrichmentHandler,
  ENRICHMENT_METRICS,
  type EnrichmentHandlerPorts,
  type EnrichmentMetrics,
} from './create-handler.js';
export { toIsoUtc } from './datetime.js';
export {
  DLQ_TIMESTAMP_TYPES,
  type DlqEntry,
  type DlqHeader,
  type DlqTimestampType,
  isDlqTimestampType,
  reasonCode,
} from './dlq-entry.js';
export {
  type EnrichContext,
  type EnrichCounts,
  type EnrichOutcome,
  enrichBatch,
  enrichRecords,
  eventIdOf,
  prepareFormats,
  type SerializedEnrichOutcome,
} from './enrich-batch.js';
export { enrichKafkaRecords, prepareKafkaRecords } from './enrich-kafka-records.js';
export { type EnrichmentEnv, readEnrichmentEnv } from './enrichment-env.js';
export { InvalidEventError } from './errors.js';
export type { DecodedKey, DecodedValue, KeyFormat, RecordFormats, ValueFormat } from './formats/format.js';
export {
  DEFAULT_FORMATS,
  KEY_FORMATS,
  type KeyFormatName,
  recordFormatsOf,
  VALUE_FORMATS,
  type ValueFormatName,
} from './formats/registry.js';
export { compileJmespath, jmespathSearch } from './jmespath.js';
export {
  type DecodedKafkaRecord,
  decodeKafkaEvent,
  eventSourceOfCluster,
  KAFKA_EVENT_SOURCE,
  type KafkaEventRecord,
  type KafkaEventSource,
  normalizeCluster,
} from './kafka-event.js';
export { type JsonObject, type JsonValue, type NormalizeResult, normalizeApicEvent } from './normalize.js';
export { choosePartitionKey, type PartitionKeySpec, parsePartitionKeySpec } from './partition-key.js';
export {
  buildPipeKafkaRecord,
  type KafkaHeaderInput,
  type PipeKafkaRecordInput,
  pipeInputOf,
  type ReadKafkaRecord,
} from './pipe-record.js';
export {
  type CompiledRules,
  type CompileRulesOptions,
  compileRules,
  type RuleOutcome,
  ruleVersionOf,
} from './rules/compile.js';
export { DEFAULT_RULES } from './rules/default-rules.generated.js';
export { loadRulesFile, parseRules } from './rules/parse.js';
export { OPERATION_KINDS, type RuleOperation, type Rules, rulesSchema } from './rules/schema.js';
export { type RulesSelection, selectRules } from './rules/select.js';
export { validateRules } from './rules/validate.js';
export {
  createRulesLoader,
  type RulesLoader,
  type RulesLoaderLogger,
  type RulesLoaderPorts,
} from './rules-loader.js';
export { createSqsDlqSink, type DlqSink, dlqMessageBody } from './sqs-dlq-sink.js';
export { type HttpStatus, parseHttpStatus } from './status-codes.js';

/** Path of the bundled default rules file, relative to the repository root. */
export const DEFAULT_RULES_FILE = 'enrichment/rules/default.rules.yaml';
