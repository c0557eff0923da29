import { isUtf8 } from 'node:buffer';
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
import { type DlqEntry, type DlqHeader, isDlqTimestampType } from './dlq-entry.js';
import {
  type DecodedKafkaRecord,
  decodeHeaders,
  decodeKafkaEvent,
  KAFKA_EVENT_SOURCE,
  normalizeCluster,
} from './kafka-event.js';
import { type JsonObject, normalizeApicEvent } from './normalize.js';
import { choosePartitionKey, type PartitionKeySpec } from './partition-key.js';
import {
  buildPipeKafkaRecord,
  type PipeKafkaRecordInput,
  pipeBytesOf,
  pipeHeadersOf,
} from './pipe-record.js';
import type { CompiledRules } from './rules/compile.js';

/** What enrichBatch needs besides the event. */
export interface EnrichContext {
  /** Compiled rules in force. */
  readonly rules: CompiledRules;
  /** Source name written into every record. */
  readonly sourceName: string;
  /** How the partition key is chosen. */
  readonly partitionKey: PartitionKeySpec;
  /** Clock for DLQ `failedAt` (records themselves carry no processing time, so engines agree). */
  readonly now?: () => Date;
  /** Output budget in bytes (default ENRICH_OUTPUT_LIMIT_BYTES); lowered by tests. */
  readonly outputLimitBytes?: number;
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

/**
 * Decodes base64, or returns null when the text is not valid base64. Node's decoder skips characters
 * outside the alphabet, so a decoded length short of what the text length promises means invalid input
 * (much cheaper than a regular expression over a 5 KB value). The URL-safe alphabet is tolerated.
 */
function decodeBase64(text: string): Buffer | null {
  if (text.length % 4 !== 0) return null;
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const bytes = Buffer.from(text, 'base64');
  return bytes.length === (text.length / 4) * 3 - pad ? bytes : null;
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

function dlqHeaders(raw: DecodedKafkaRecord['rawHeaders']): DlqHeader[] {
  const out: DlqHeader[] = [];
  for (const entry of raw ?? []) {
    for (const name of Object.keys(entry)) {
      const v = entry[name];
      out.push({
        name,
        value:
          typeof v === 'string'
            ? Buffer.from(v, 'utf8').toString('base64')
            : Buffer.from(v as number[]).toString('base64'),
      });
    }
  }
  return out;
}

/**
 * A decoded record, optionally carrying its key and value as bytes (the poller's direct path): then
 * `key` / `value` are unused and their base64 text is derived from the bytes only when needed.
 */
interface WorkRecord extends DecodedKafkaRecord {
  readonly keyBytes?: Buffer | null;
  readonly valueBytes?: Buffer | null;
}

function base64Key(r: WorkRecord): string | null {
  if (r.keyBytes === undefined) return r.key;
  return r.keyBytes === null ? null : r.keyBytes.toString('base64');
}

function base64Value(r: WorkRecord): string | null {
  if (r.valueBytes === undefined) return r.value;
  return r.valueBytes === null ? null : r.valueBytes.toString('base64');
}

type Processed =
  | { ok: true; record: CanonicalRecord; bytes: number; text: string }
  | { ok: false; dropped: true }
  | { ok: false; dropped: false; reason: string };

function decodeKeyBytes(bytes: Buffer | null): {
  key: string | null;
  keyEncoding: 'utf8' | 'base64' | null;
} {
  if (bytes === null) return { key: null, keyEncoding: null };
  return isUtf8(bytes)
    ? { key: bytes.toString('utf8'), keyEncoding: 'utf8' }
    : { key: bytes.toString('base64'), keyEncoding: 'base64' };
}

function decodeKey(key: string | null): { key: string | null; keyEncoding: 'utf8' | 'base64' | null } {
  if (key === null) return { key: null, keyEncoding: null };
  const bytes = decodeBase64(key);
  if (bytes === null) return { key, keyEncoding: 'base64' };
  return isUtf8(bytes)
    ? { key: bytes.toString('utf8'), keyEncoding: 'utf8' }
    : { key, keyEncoding: 'base64' };
}

function processRecord(r: WorkRecord, eventId: string, ctx: EnrichContext, counts: EnrichCounts): Processed {
  const direct = r.valueBytes !== undefined;
  if (direct ? r.valueBytes === null : r.value === null)
    return {
      ok: false,
      dropped: false,
      reason: `${DLQ_REASON.missingValue}: the record has no value (tombstone)`,
    };
  const bytes = direct ? (r.valueBytes as Buffer) : decodeBase64(r.value as string);
  if (bytes === null)
    return {
      ok: false,
      dropped: false,
      reason: `${DLQ_REASON.invalidBase64}: the value is not valid base64`,
    };
  if (!isUtf8(bytes))
    return { ok: false, dropped: false, reason: `${DLQ_REASON.invalidUtf8}: the value is not valid UTF-8` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    return { ok: false, dropped: false, reason: `${DLQ_REASON.invalidJson}: ${(err as Error).message}` };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    const kind = parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : `a ${typeof parsed}`;
    return {
      ok: false,
      dropped: false,
      reason: `${DLQ_REASON.notAnObject}: the value is ${kind}, expected a JSON object`,
    };
  }
  const normalized = normalizeApicEvent(parsed as JsonObject);
  if (!normalized.ok) return { ok: false, dropped: false, reason: normalized.reason };
  const { key, keyEncoding } = r.keyBytes !== undefined ? decodeKeyBytes(r.keyBytes) : decodeKey(r.key);
  const record: CanonicalRecord = {
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
      key,
      keyEncoding,
      headers: r.headers,
    },
    api: normalized.api,
    attributes: {},
    extra: normalized.extra,
    tags: [],
    route: null,
  };
  const json = record as unknown as JsonObject;
  const outcome = ctx.rules.apply(json, (i) => {
    const id = ctx.rules.ruleIds[i] as string;
    counts.perRule[id] = (counts.perRule[id] ?? 0) + 1;
  });
  if (outcome.outcome === 'drop') return { ok: false, dropped: true };
  if (outcome.outcome === 'error') {
    return {
      ok: false,
      dropped: false,
      reason: `${DLQ_REASON.ruleError}: rule ${outcome.ruleId} failed: ${outcome.message}`,
    };
  }
  record.partitionKey = choosePartitionKey(ctx.partitionKey, json, {
    topic: r.topic,
    partition: r.partition,
    key,
  });
  const text = serializeCanonical(record);
  const textBytes = Buffer.byteLength(text);
  const size = textBytes + Buffer.byteLength(record.partitionKey);
  if (size > KINESIS_RECORD_LIMIT_BYTES) {
    return {
      ok: false,
      dropped: false,
      reason: `${DLQ_REASON.oversizeRecord}: the canonical record and partition key take ${size} bytes, more than the ${KINESIS_RECORD_LIMIT_BYTES}-byte Kinesis record limit`,
    };
  }
  return { ok: true, record, bytes: textBytes, text };
}

/**
 * Enriches one batch: decodes the event, normalizes each API Connect record into a canonical record,
 * applies the rules and chooses partition keys. PURE and synchronous. Throws InvalidEventError only
 * when the event itself is malformed; bad records become DLQ entries, never exceptions, so one poison
 * record cannot stall a partition. Output stays within the enrichment response budget: records that do
 * not fit go to the DLQ with reason `batch-output-limit`.
 */
export function enrichBatch(event: unknown, ctx: EnrichContext): EnrichOutcome {
  const { serialized: _serialized, ...outcome } = enrichDecoded(decodeKafkaEvent(event), ctx);
  return outcome;
}

/** An {@link EnrichOutcome} plus the serialized bytes of each record (what serializeCanonical gives). */
export interface SerializedEnrichOutcome extends EnrichOutcome {
  /** `serializeCanonical(records[i])` for each record, already computed by the enrichment. */
  readonly serialized: string[];
}

function enrichDecoded(input: readonly WorkRecord[], ctx: EnrichContext): SerializedEnrichOutcome {
  const now = ctx.now ?? (() => new Date());
  const limit = ctx.outputLimitBytes ?? ENRICH_OUTPUT_LIMIT_BYTES;
  const counts: EnrichCounts = {
    in: input.length,
    out: 0,
    dropped: 0,
    dlq: 0,
    byReason: {},
    perRule: {},
    outputBytes: 0,
  };
  const records: CanonicalRecord[] = [];
  const serialized: string[] = [];
  const dlq: DlqEntry[] = [];
  // The response is a JSON array: 2 bytes of brackets plus one comma between records.
  let used = 2;
  for (const r of input) {
    const eventId = eventIdOf(r.cluster, r.topic, r.partition, r.offset);
    let result: Processed;
    try {
      result = processRecord(r, eventId, ctx, counts);
    } catch (err) {
      // Defensive: processRecord is written not to throw; a bug must not stall the partition either.
      result = {
        ok: false,
        dropped: false,
        reason: `${DLQ_REASON.ruleError}: unexpected failure: ${(err as Error).message}`,
      };
    }
    if (result.ok) {
      const size = result.bytes + (records.length > 0 ? 1 : 0);
      if (used + size <= limit) {
        used += size;
        counts.outputBytes += size;
        records.push(result.record);
        serialized.push(result.text);
        continue;
      }
      result = {
        ok: false,
        dropped: false,
        reason: `${DLQ_REASON.batchOutputLimit}: the batch output reached ${used} bytes; this record (${size} bytes) would exceed the ${limit}-byte enrichment response budget. Lower the source batchSize`,
      };
    }
    if (result.dropped) {
      counts.dropped++;
      continue;
    }
    const code = result.reason.slice(0, result.reason.indexOf(':'));
    counts.byReason[code] = (counts.byReason[code] ?? 0) + 1;
    dlq.push({
      schema: DLQ_SCHEMA,
      eventId,
      source: ctx.sourceName,
      cluster: r.cluster,
      topic: r.topic,
      partition: r.partition,
      offset: r.offset,
      timestamp: r.timestamp === null ? null : toIsoUtc(r.timestamp),
      ...(isDlqTimestampType(r.timestampType) ? { timestampType: r.timestampType } : {}),
      reason: result.reason,
      ruleVersion: ctx.rules.ruleVersion,
      key: base64Key(r),
      value: base64Value(r),
      headers: dlqHeaders(r.rawHeaders),
      failedAt: now().toISOString(),
    });
  }
  counts.out = records.length;
  counts.dlq = dlq.length;
  return { records, dlq, dropped: counts.dropped, counts, serialized };
}

const PARTITION_TEXT = /^\d{1,10}$/;
const OFFSET_TEXT = /^\d{1,20}$/;

function isPayload(v: unknown): v is Uint8Array | string | null {
  return v === null || typeof v === 'string' || v instanceof Uint8Array;
}

/**
 * The direct form of one consumed record, or null when its Pipe form would not pass the event check
 * as is (then the caller takes the general path, which reports exactly what enrichBatch reports).
 * Coordinates are derived exactly as buildPipeKafkaRecord + decodeKafkaEvent derive them.
 */
function directRecord(input: PipeKafkaRecordInput, clusters: Map<string, string>): WorkRecord | null {
  const { eventSource, cluster: id, topic } = input;
  if (eventSource !== KAFKA_EVENT_SOURCE.selfManaged && eventSource !== KAFKA_EVENT_SOURCE.msk) return null;
  if (typeof id !== 'string' || id === '' || typeof topic !== 'string' || topic === '') return null;
  const partitionText = String(input.partition);
  if (!PARTITION_TEXT.test(partitionText)) return null;
  const offsetNumber = Number(input.offset);
  let offset: string;
  if (Number.isSafeInteger(offsetNumber)) {
    if (offsetNumber < 0) return null;
    offset = String(offsetNumber);
  } else {
    if (typeof input.offset !== 'string' || !OFFSET_TEXT.test(input.offset)) return null;
    offset = input.offset;
  }
  const timestamp = Number(input.timestamp);
  if (!Number.isFinite(timestamp)) return null;
  const timestampType = input.timestampType ?? 'CREATE_TIME';
  if (typeof timestampType !== 'string') return null;
  if (!isPayload(input.key) || !isPayload(input.value)) return null;
  const cacheKey = `${eventSource}|${id}`;
  let cluster = clusters.get(cacheKey);
  if (cluster === undefined) {
    cluster = normalizeCluster(eventSource, id);
    clusters.set(cacheKey, cluster);
  }
  const rawHeaders = pipeHeadersOf(input.headers);
  return {
    eventSource,
    cluster,
    topic,
    partition: Number(partitionText),
    offset,
    timestamp,
    timestampType,
    key: null,
    value: null,
    headers: decodeHeaders(rawHeaders),
    rawHeaders,
    keyBytes: input.key === null ? null : pipeBytesOf(input.key),
    valueBytes: input.value === null ? null : pipeBytesOf(input.value),
  };
}

/**
 * Enriches consumed Kafka records (the poller's path): exactly what
 * `enrichBatch(inputs.map(buildPipeKafkaRecord), ctx)` returns — same records, DLQ entries, counts and
 * errors — plus the serialized bytes of each record, without the base64 round trip of the Pipe form
 * and without serializing twice. Records whose Pipe form would need the general checks send the whole
 * batch down the general path.
 */
export function enrichKafkaRecords(
  inputs: readonly PipeKafkaRecordInput[],
  ctx: EnrichContext,
): SerializedEnrichOutcome {
  const clusters = new Map<string, string>();
  const direct: WorkRecord[] = [];
  for (const input of inputs) {
    const r = directRecord(input, clusters);
    if (r === null) return enrichDecoded(decodeKafkaEvent(inputs.map(buildPipeKafkaRecord)), ctx);
    direct.push(r);
  }
  return enrichDecoded(direct, ctx);
}
