import { hash } from 'node:crypto';
import type { CanonicalRecord } from './canonical.js';
import { serializeCanonical } from './canonical.js';
import { CANONICAL_SCHEMA_VERSION, DLQ_REASON, DLQ_SCHEMA, KINESIS_RECORD_LIMIT_BYTES } from './constants.js';
import { toIsoUtc } from './datetime.js';
import { type DlqEntry, isDlqTimestampType } from './dlq-entry.js';
import type { DecodedValue, RecordFormats } from './formats/format.js';
import { DEFAULT_FORMATS } from './formats/registry.js';
import { decodeKafkaEvent } from './kafka-event.js';
import { type JsonObject, normalizeApicEvent } from './normalize.js';
import { OutputBudget, type TargetLimits } from './output-budget.js';
import { choosePartitionKey, type PartitionKeySpec } from './partition-key.js';
import type { CompiledRules } from './rules/compile.js';
import {
  base64Key,
  base64Value,
  dlqHeaders,
  keyPayloads,
  type RecordKey,
  recordKeyOf,
  valueBytesOf,
  valuePayloads,
  type WorkRecord,
} from './work-record.js';

export type { TargetLimits } from './output-budget.js';

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
  /** Output budget in bytes (default constants.ts ENRICH_OUTPUT_LIMIT_BYTES); lowered by tests. */
  readonly outputLimitBytes?: number;
  /** What the Pipe's target accepts in one invocation (absent: the enrichment response budget only). */
  readonly target?: TargetLimits;
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
 * normalized cluster identity (kafka-event.ts normalizeCluster), plus `|<index>` for each event of a value
 * that holds several (newline-delimited JSON). Idempotency key for replay and dedupe.
 *
 * @example eventIdOf('b1:9092', 'apic-events', 0, '42')
 */
export function eventIdOf(
  cluster: string,
  topic: string,
  partition: number,
  offset: string,
  index: number | null = null,
): string {
  const coordinates = `${cluster}|${topic}|${partition}|${offset}`;
  return hash('sha256', index === null ? coordinates : `${coordinates}|${index}`, 'hex');
}

type Failed = { ok: false; dropped: false; reason: string };
type Processed =
  | { ok: true; record: CanonicalRecord; bytes: number; keyBytes: number; text: string }
  | { ok: false; dropped: true }
  | Failed;

const DROPPED: Processed = { ok: false, dropped: true };

function failed(reason: string): Failed {
  return { ok: false, dropped: false, reason };
}

/** One event of a record's value, with its id and its index in the value (null: the value's only event). */
interface EventOf {
  readonly eventId: string;
  readonly index: number | null;
  readonly event: JsonObject;
}

/** The value bytes through the value format: the value's events, or why there are none. */
function decodeValue(r: WorkRecord, ctx: EnrichContext): DecodedValue {
  const value = valueBytesOf(r);
  if (!value.ok) return value;
  return (ctx.formats ?? DEFAULT_FORMATS).value.decode(value.bytes);
}

/**
 * One event: API Connect normalization → canonical record → rules → partition key → serialized text
 * within the target's record limit. Bad data is a DLQ reason, never an exception.
 */
function processEvent(r: WorkRecord, e: EventOf, ctx: EnrichContext, out: BatchOutput): Processed {
  const normalized = normalizeApicEvent(e.event);
  if (!normalized.ok) return failed(normalized.reason);
  const key = recordKeyOf(r, (ctx.formats ?? DEFAULT_FORMATS).key);
  const record = canonicalRecordOf(r, e, ctx, key, normalized);
  const json = record as unknown as JsonObject;
  const outcome = ctx.rules.apply(json, out.ruleApplied);
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
  e: EventOf,
  ctx: EnrichContext,
  key: RecordKey,
  normalized: { readonly api: JsonObject; readonly extra: JsonObject },
): CanonicalRecord {
  return {
    schemaVersion: CANONICAL_SCHEMA_VERSION,
    eventId: e.eventId,
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
      headerEncodings: r.headerEncodings,
      eventIndex: e.index,
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
  const keyBytes = Buffer.byteLength(record.partitionKey);
  const size = textBytes + keyBytes;
  if (size > limit) {
    const what = limit === KINESIS_RECORD_LIMIT_BYTES ? 'Kinesis record' : 'target record';
    return failed(
      `${DLQ_REASON.oversizeRecord}: the canonical record and partition key take ${size} bytes, more than the ${limit}-byte ${what} limit`,
    );
  }
  return { ok: true, record, bytes: textBytes, keyBytes, text };
}

// Defensive wrappers: the record path is written not to throw; a bug must not stall the partition either.
function unexpected(err: unknown): Failed {
  return failed(`${DLQ_REASON.ruleError}: unexpected failure: ${(err as Error).message}`);
}

function decodeSafely(r: WorkRecord, ctx: EnrichContext): DecodedValue {
  try {
    return decodeValue(r, ctx);
  } catch (err) {
    return unexpected(err);
  }
}

function processSafely(r: WorkRecord, e: EventOf, ctx: EnrichContext, out: BatchOutput): Processed {
  try {
    return processEvent(r, e, ctx, out);
  } catch (err) {
    return unexpected(err);
  }
}

function dlqEntryOf(r: WorkRecord, e: EventOf, reason: string, ctx: EnrichContext, now: Date): DlqEntry {
  return {
    schema: DLQ_SCHEMA,
    eventId: e.eventId,
    ...(e.index === null ? {} : { eventIndex: e.index }),
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

/** Where each event of a batch goes, with the counts (one record path for both engines). */
class BatchOutput {
  readonly counts: EnrichCounts = {
    in: 0,
    out: 0,
    dropped: 0,
    dlq: 0,
    byReason: {},
    perRule: {},
    outputBytes: 0,
  };
  readonly records: CanonicalRecord[] = [];
  /** The records' texts, when the caller keeps them (else the texts are measured and let go). */
  readonly texts: string[] | null;
  readonly dlq: DlqEntry[] = [];
  /** Counts one operation of the rules that changed a record (`apply`'s callback, made once a batch). */
  readonly ruleApplied: (index: number) => void;
  private readonly budget: OutputBudget;
  private readonly now: () => Date;

  constructor(
    private readonly ctx: EnrichContext,
    keepTexts: boolean,
  ) {
    this.budget = new OutputBudget(ctx);
    this.now = ctx.now ?? (() => new Date());
    this.texts = keepTexts ? [] : null;
    const { perRule } = this.counts;
    const ids = ctx.rules.ruleIds;
    this.ruleApplied = (i) => {
      const id = ids[i] as string;
      perRule[id] = (perRule[id] ?? 0) + 1;
    };
  }

  /** Takes one event's outcome: into the output if the budget allows, else dropped or to the DLQ. */
  add(r: WorkRecord, e: EventOf, processed: Processed): void {
    this.counts.in++;
    let result = processed;
    if (result.ok) {
      const over = this.budget.refusal(result);
      if (over === undefined) {
        this.counts.outputBytes += this.budget.take(result);
        this.records.push(result.record);
        this.texts?.push(result.text);
        this.counts.out++;
        return;
      }
      result = failed(over);
    }
    if (result.dropped) {
      this.counts.dropped++;
      return;
    }
    const code = result.reason.slice(0, result.reason.indexOf(':'));
    this.counts.byReason[code] = (this.counts.byReason[code] ?? 0) + 1;
    this.dlq.push(dlqEntryOf(r, e, result.reason, this.ctx, this.now()));
    this.counts.dlq++;
  }
}

/**
 * Enriches decoded records, in order: the one record path of both engines (enrichBatch for the Pipe
 * event, enrichKafkaRecords for the poller). A value holding several events (newline-delimited JSON)
 * gives one canonical record per event, each with its own eventId; counts are per event. Events that do
 * not fit the output budget (the enrichment response and, when `ctx.target` is set, what the target
 * takes in one invocation) go to the DLQ with reason `batch-output-limit`.
 */
export function enrichRecords(input: readonly WorkRecord[], ctx: EnrichContext): SerializedEnrichOutcome {
  const out = enrichInto(new BatchOutput(ctx, true), input, ctx);
  const { records, dlq, counts } = out;
  return { records, dlq, dropped: counts.dropped, counts, serialized: out.texts as string[] };
}

/**
 * {@link enrichRecords} without the serialized texts (the Pipe's path: the Lambda runtime serializes
 * the response), so a batch does not hold every record twice while it runs.
 */
export function enrichWorkRecords(input: readonly WorkRecord[], ctx: EnrichContext): EnrichOutcome {
  const { records, dlq, counts } = enrichInto(new BatchOutput(ctx, false), input, ctx);
  return { records, dlq, dropped: counts.dropped, counts };
}

function enrichInto(out: BatchOutput, input: readonly WorkRecord[], ctx: EnrichContext): BatchOutput {
  for (const r of input) {
    const eventId = eventIdOf(r.cluster, r.topic, r.partition, r.offset);
    const decoded = decodeSafely(r, ctx);
    if (!decoded.ok) {
      out.add(r, { eventId, index: null, event: {} }, failed(decoded.reason));
      continue;
    }
    const events = decoded.events;
    if (events === undefined) {
      const e: EventOf = { eventId, index: null, event: decoded.event };
      out.add(r, e, processSafely(r, e, ctx, out));
      continue;
    }
    for (let index = 0; index < events.length; index++) {
      const id = eventIdOf(r.cluster, r.topic, r.partition, r.offset, index);
      const e: EventOf = { eventId: id, index, event: events[index] as JsonObject };
      out.add(r, e, processSafely(r, e, ctx, out));
    }
  }
  return out;
}

/**
 * Enriches one batch: decodes the event, normalizes each API Connect record into a canonical record,
 * applies the rules and chooses partition keys. PURE and synchronous. Throws InvalidEventError only
 * when the event itself is malformed; bad records become DLQ entries, never exceptions, so one poison
 * record cannot stall a partition. Output stays within the enrichment response budget: records that do
 * not fit go to the DLQ with reason `batch-output-limit`.
 */
export function enrichBatch(event: unknown, ctx: EnrichContext): EnrichOutcome {
  return enrichWorkRecords(decodeKafkaEvent(event), ctx);
}

/**
 * Awaits the value and key formats' `prepare` for these records (formats/format.ts), before
 * enrichRecords. Resolves at once for formats without one (JSON values, text keys). Errors propagate:
 * the engine retries the batch.
 */
export async function prepareFormats(records: readonly WorkRecord[], ctx: EnrichContext): Promise<void> {
  const { value, key } = ctx.formats ?? DEFAULT_FORMATS;
  if (value.prepare !== undefined) await value.prepare(valuePayloads(records));
  if (key.prepare !== undefined) await key.prepare(keyPayloads(records));
}
