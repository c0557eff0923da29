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
import type { DlqEntry, DlqHeader } from './dlq-entry.js';
import { type DecodedKafkaRecord, decodeKafkaEvent } from './kafka-event.js';
import { type JsonObject, normalizeApicEvent } from './normalize.js';
import { choosePartitionKey, type PartitionKeySpec } from './partition-key.js';
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

type Processed =
  | { ok: true; record: CanonicalRecord; bytes: number }
  | { ok: false; dropped: true }
  | { ok: false; dropped: false; reason: string };

function decodeKey(key: string | null): { key: string | null; keyEncoding: 'utf8' | 'base64' | null } {
  if (key === null) return { key: null, keyEncoding: null };
  const bytes = decodeBase64(key);
  if (bytes === null) return { key, keyEncoding: 'base64' };
  return isUtf8(bytes)
    ? { key: bytes.toString('utf8'), keyEncoding: 'utf8' }
    : { key, keyEncoding: 'base64' };
}

function processRecord(
  r: DecodedKafkaRecord,
  eventId: string,
  ctx: EnrichContext,
  counts: EnrichCounts,
): Processed {
  if (r.value === null)
    return {
      ok: false,
      dropped: false,
      reason: `${DLQ_REASON.missingValue}: the record has no value (tombstone)`,
    };
  const bytes = decodeBase64(r.value);
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
  const { key, keyEncoding } = decodeKey(r.key);
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
  return { ok: true, record, bytes: textBytes };
}

/**
 * Enriches one batch: decodes the event, normalizes each API Connect record into a canonical record,
 * applies the rules and chooses partition keys. PURE and synchronous. Throws InvalidEventError only
 * when the event itself is malformed; bad records become DLQ entries, never exceptions, so one poison
 * record cannot stall a partition. Output stays within the enrichment response budget: records that do
 * not fit go to the DLQ with reason `batch-output-limit`.
 */
export function enrichBatch(event: unknown, ctx: EnrichContext): EnrichOutcome {
  const input = decodeKafkaEvent(event);
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
      reason: result.reason,
      ruleVersion: ctx.rules.ruleVersion,
      key: r.key,
      value: r.value,
      headers: dlqHeaders(r.rawHeaders),
      failedAt: now().toISOString(),
    });
  }
  counts.out = records.length;
  counts.dlq = dlq.length;
  return { records, dlq, dropped: counts.dropped, counts };
}
