import { hash } from 'node:crypto';
import type { CanonicalRecord } from './canonical.js';
import { serializeCanonical } from './canonical.js';
import {
  CANONICAL_SCHEMA_VERSION,
  DLQ_REASON,
  DLQ_SCHEMA,
  ENRICH_OUTPUT_LIMIT_BYTES,
  KINESIS_RECORD_LIMIT_BYTES,
} from './constants.js';
import { toIsoUtc } from './datetime.js';
import { type DlqEntry, isDlqTimestampType } from './dlq-entry.js';
import type { RecordFormats } from './formats/format.js';
import { DEFAULT_FORMATS } from './formats/registry.js';
import { decodeKafkaEvent } from './kafka-event.js';
import { type JsonObject, normalizeApicEvent } from './normalize.js';
import { choosePartitionKey, type PartitionKeySpec } from './partition-key.js';
import type { CompiledRules } from './rules/compile.js';
import {
  base64Key,
  base64Value,
  dlqHeaders,
  type RecordKey,
  recordKeyOf,
  valueBytesOf,
  valuePayloads,
  type WorkRecord,
} from './work-record.js';

/** What enrichBatch needs besides the event. */
export interface EnrichContext {
  /** Compiled rules in force. */
  readonly rules: CompiledRules;
  /** Source name written into every record. */
  readonly sourceName: string;
  /** How the partition key is chosen. */
  readonly partitionKey: PartitionKeySpec;
  /** How values and keys are decoded (formats/registry.ts); default JSON values, text keys. */
  readonly formats?: RecordFormats;
  /** Clock for DLQ `failedAt` (records themselves carry no processing time, so engines agree). */
  readonly now?: () => Date;
  /** Output budget in bytes (default ENRICH_OUTPUT_LIMIT_BYTES); lowered by tests. */
  readonly outputLimitBytes?: number;
  /** What the Pipe's target accepts in one invocation (absent: the enrichment response budget only). */
  readonly target?: TargetLimits;
}

/**
 * What a Pipe's target accepts in one invocation (the target kind module's limits, passed to the
 * enrichment Lambda by the KafkaPipe construct). The Pipe does not invoke the target at all when the
 * enrichment returns more records than `maxRecords`, so the enrichment never returns more.
 */
export interface TargetLimits {
  /** Most records in one invocation of the target. */
  readonly maxRecords: number;
  /** Most bytes of one record: its serialized text plus its partition key. */
  readonly maxRecordBytes: number;
  /** Most bytes of one request counted as the records' texts plus their partition keys (Kinesis PutRecords). */
  readonly maxRequestBytes?: number;
  /** Most bytes of the whole JSON array the target receives as one payload (Lambda async invoke). */
  readonly maxPayloadBytes?: number;
}

/** Counters of one batch. `in === out + dropped + dlq` always holds. */
export interface EnrichCounts {
  in: number;
  out: number;
  dropped: number;
  dlq: number;
  /** DLQ entries per reason code. */
  byReason: Record<string, number>;
  /** Per rule id: how many records the operation changed (or dropped). */
  perRule: Record<string, number>;
  /** Summed size of the serialized output records, bytes. */
  outputBytes: number;
}

/** Result of enriching one batch. */
export interface EnrichOutcome {
  /** Canonical records, in input order. */
  readonly records: CanonicalRecord[];
  /** Records that could not be enriched, in input order. */
  readonly dlq: DlqEntry[];
  /** Number of records dropped by rules. */
  readonly dropped: number;
  readonly counts: EnrichCounts;
}

/** An {@link EnrichOutcome} plus the serialized bytes of each record (what serializeCanonical gives). */
export interface SerializedEnrichOutcome extends EnrichOutcome {
  /** `serializeCanonical(records[i])` for each record, already computed by the enrichment. */
  readonly serialized: string[];
}

/**
 * The stable event id: sha-256 hex of `<cluster>|<topic>|<partition>|<offset>` where cluster is the
 * normalized cluster identity (kafka-event.ts normalizeCluster). Idempotency key for replay and dedupe.
 *
 * @example eventIdOf('b1:9092', 'apic-events', 0, '42')
 */
export function eventIdOf(cluster: string, topic: string, partition: number, offset: string): string {
  return hash('sha256', `${cluster}|${topic}|${partition}|${offset}`, 'hex');
}

type Failed = { ok: false; dropped: false; reason: string };
type Processed =
  | { ok: true; record: CanonicalRecord; bytes: number; text: string }
  | { ok: false; dropped: true }
  | Failed;

const DROPPED: Processed = { ok: false, dropped: true };

function failed(reason: string): Failed {
  return { ok: false, dropped: false, reason };
}

/**
 * One record: value bytes → value format → API Connect normalization → canonical record → rules →
 * partition key → serialized text within the Kinesis record limit. Bad data is a DLQ reason, never an
 * exception.
 */
function processRecord(r: WorkRecord, eventId: string, ctx: EnrichContext, counts: EnrichCounts): Processed {
  const formats = ctx.formats ?? DEFAULT_FORMATS;
  const value = valueBytesOf(r);
  if (!value.ok) return failed(value.reason);
  const decoded = formats.value.decode(value.bytes);
  if (!decoded.ok) return failed(decoded.reason);
  const normalized = normalizeApicEvent(decoded.event);
  if (!normalized.ok) return failed(normalized.reason);
  const key = recordKeyOf(r, formats.key);
  const record = canonicalRecordOf(r, eventId, ctx, key, normalized);
  const json = record as unknown as JsonObject;
  const outcome = ctx.rules.apply(json, (i) => {
    const id = ctx.rules.ruleIds[i] as string;
    counts.perRule[id] = (counts.perRule[id] ?? 0) + 1;
  });
  if (outcome.outcome === 'drop') return DROPPED;
  if (outcome.outcome === 'error')
    return failed(`${DLQ_REASON.ruleError}: rule ${outcome.ruleId} failed: ${outcome.message}`);
  record.partitionKey = choosePartitionKey(ctx.partitionKey, json, {
    topic: r.topic,
    partition: r.partition,
    key: key.key,
  });
  return serialized(record, ctx.target?.maxRecordBytes ?? KINESIS_RECORD_LIMIT_BYTES);
}

/** The canonical record before rules, in the key order every engine writes. */
function canonicalRecordOf(
  r: WorkRecord,
  eventId: string,
  ctx: EnrichContext,
  key: RecordKey,
  normalized: { readonly api: JsonObject; readonly extra: JsonObject },
): CanonicalRecord {
  return {
    schemaVersion: CANONICAL_SCHEMA_VERSION,
    eventId,
    partitionKey: '',
    source: ctx.sourceName,
    ruleVersion: ctx.rules.ruleVersion,
    kafka: {
      cluster: r.cluster,
      topic: r.topic,
      partition: r.partition,
      offset: r.offset,
      timestamp: r.timestamp === null ? null : toIsoUtc(r.timestamp),
      timestampType: r.timestampType,
      key: key.key,
      keyEncoding: key.keyEncoding,
      headers: r.headers,
    },
    api: normalized.api,
    attributes: {},
    extra: normalized.extra,
    tags: [],
    route: null,
  };
}

/**
 * The record's text, or `oversize-record` when it and its partition key exceed a record of the target
 * (default: a Kinesis record, 1 MiB).
 */
function serialized(record: CanonicalRecord, limit: number): Processed {
  const text = serializeCanonical(record);
  const textBytes = Buffer.byteLength(text);
  const size = textBytes + Buffer.byteLength(record.partitionKey);
  if (size > limit) {
    const what = limit === KINESIS_RECORD_LIMIT_BYTES ? 'Kinesis record' : 'target record';
    return failed(
      `${DLQ_REASON.oversizeRecord}: the canonical record and partition key take ${size} bytes, more than the ${limit}-byte ${what} limit`,
    );
  }
  return { ok: true, record, bytes: textBytes, text };
}

function processSafely(r: WorkRecord, eventId: string, ctx: EnrichContext, counts: EnrichCounts): Processed {
  try {
    return processRecord(r, eventId, ctx, counts);
  } catch (err) {
    // Defensive: processRecord is written not to throw; a bug must not stall the partition either.
    return failed(`${DLQ_REASON.ruleError}: unexpected failure: ${(err as Error).message}`);
  }
}

function dlqEntryOf(r: WorkRecord, eventId: string, reason: string, ctx: EnrichContext, now: Date): DlqEntry {
  return {
    schema: DLQ_SCHEMA,
    eventId,
    source: ctx.sourceName,
    cluster: r.cluster,
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp === null ? null : toIsoUtc(r.timestamp),
    ...(isDlqTimestampType(r.timestampType) ? { timestampType: r.timestampType } : {}),
    reason,
    ruleVersion: ctx.rules.ruleVersion,
    key: base64Key(r),
    value: base64Value(r),
    headers: dlqHeaders(r.rawHeaders),
    failedAt: now.toISOString(),
  };
}

function emptyCounts(records: number): EnrichCounts {
  return { in: records, out: 0, dropped: 0, dlq: 0, byReason: {}, perRule: {}, outputBytes: 0 };
}

/**
 * Enriches decoded records, in order: the one record path of both engines (enrichBatch for the Pipe
 * event, enrichKafkaRecords for the poller). Records that do not fit the output budget (the enrichment
 * response and, when `ctx.target` is set, what the target takes in one invocation) go to the DLQ with
 * reason `batch-output-limit`.
 */
export function enrichRecords(input: readonly WorkRecord[], ctx: EnrichContext): SerializedEnrichOutcome {
  const now = ctx.now ?? (() => new Date());
  const budget = new OutputBudget(ctx);
  const counts = emptyCounts(input.length);
  const records: CanonicalRecord[] = [];
  const serializedTexts: string[] = [];
  const dlq: DlqEntry[] = [];
  for (const r of input) {
    const eventId = eventIdOf(r.cluster, r.topic, r.partition, r.offset);
    let result: Processed = processSafely(r, eventId, ctx, counts);
    if (result.ok) {
      const over = budget.refusal(result);
      if (over === undefined) {
        counts.outputBytes += budget.take(result);
        records.push(result.record);
        serializedTexts.push(result.text);
        continue;
      }
      result = failed(over);
    }
    if (result.dropped) {
      counts.dropped++;
      continue;
    }
    const code = result.reason.slice(0, result.reason.indexOf(':'));
    counts.byReason[code] = (counts.byReason[code] ?? 0) + 1;
    dlq.push(dlqEntryOf(r, eventId, result.reason, ctx, now()));
  }
  counts.out = records.length;
  counts.dlq = dlq.length;
  return { records, dlq, dropped: counts.dropped, counts, serialized: serializedTexts };
}

type Accepted = Extract<Processed, { ok: true }>;

/**
 * What one batch's output may still take: the enrichment response budget (a JSON array: 2 bytes of
 * brackets plus one comma between records), and the target's record count, request bytes (texts plus
 * partition keys) and payload bytes.
 */
class OutputBudget {
  private readonly limit: number;
  private used = 2;
  private count = 0;
  private requestUsed = 0;

  constructor(private readonly ctx: EnrichContext) {
    const payload = ctx.target?.maxPayloadBytes;
    const response = ctx.outputLimitBytes ?? ENRICH_OUTPUT_LIMIT_BYTES;
    this.limit = payload === undefined ? response : Math.min(payload, response);
  }

  /** Why the record does not fit (a `batch-output-limit` DLQ reason), or undefined when it does. */
  refusal(result: Accepted): string | undefined {
    const target = this.ctx.target;
    const size = result.bytes + (this.count > 0 ? 1 : 0);
    const request = result.bytes + Buffer.byteLength(result.record.partitionKey);
    if (target !== undefined && this.count >= target.maxRecords) {
      return `${DLQ_REASON.batchOutputLimit}: the batch output already holds ${this.count} records, the most the target takes in one invocation (${target.maxRecords}); the Pipe would not invoke the target with more. Lower the source batchSize`;
    }
    if (target?.maxRequestBytes !== undefined && this.requestUsed + request > target.maxRequestBytes) {
      return `${DLQ_REASON.batchOutputLimit}: the batch output's records and partition keys reached ${this.requestUsed} bytes; this record (${request} bytes) would exceed the ${target.maxRequestBytes}-byte target request limit. Lower the source batchSize`;
    }
    if (this.used + size > this.limit) {
      return `${DLQ_REASON.batchOutputLimit}: the batch output reached ${this.used} bytes; this record (${size} bytes) would exceed the ${this.limit}-byte enrichment response budget. Lower the source batchSize`;
    }
    return undefined;
  }

  /** Takes the record into the output; returns the bytes it adds to the response. */
  take(result: Accepted): number {
    const size = result.bytes + (this.count > 0 ? 1 : 0);
    this.used += size;
    this.count++;
    this.requestUsed += result.bytes + Buffer.byteLength(result.record.partitionKey);
    return size;
  }
}

/**
 * Enriches one batch: decodes the event, normalizes each API Connect record into a canonical record,
 * applies the rules and chooses partition keys. PURE and synchronous. Throws InvalidEventError only
 * when the event itself is malformed; bad records become DLQ entries, never exceptions, so one poison
 * record cannot stall a partition. Output stays within the enrichment response budget: records that do
 * not fit go to the DLQ with reason `batch-output-limit`.
 */
export function enrichBatch(event: unknown, ctx: EnrichContext): EnrichOutcome {
  const { serialized: _serialized, ...outcome } = enrichRecords(decodeKafkaEvent(event), ctx);
  return outcome;
}

/**
 * Awaits the value format's `prepare` for these records (formats/format.ts), before enrichRecords.
 * Resolves at once for formats without one (JSON). Errors propagate: the engine retries the batch.
 */
export async function prepareFormats(records: readonly WorkRecord[], ctx: EnrichContext): Promise<void> {
  const format = (ctx.formats ?? DEFAULT_FORMATS).value;
  if (format.prepare !== undefined) await format.prepare(valuePayloads(records));
}
