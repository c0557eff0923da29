import { type EnrichContext, enrichRecords, type SerializedEnrichOutcome } from './enrich-batch.js';
import { DEFAULT_FORMATS } from './formats/registry.js';
import {
  decodeHeaders,
  decodeKafkaEvent,
  KAFKA_EVENT_SOURCE,
  normalizeCluster,
  offsetText,
} from './kafka-event.js';
import {
  buildPipeKafkaRecord,
  type PipeKafkaRecordInput,
  pipeBytesOf,
  pipeHeadersOf,
} from './pipe-record.js';
import type { WorkRecord } from './work-record.js';

const PARTITION_TEXT = /^\d{1,10}$/;
const OFFSET_TEXT = /^0*\d{1,20}$/;

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
    offset = offsetText(input.offset);
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
  const { headers, headerEncodings } = decodeHeaders(rawHeaders);
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
    headers,
    headerEncodings,
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
    if (r === null) return enrichRecords(decodeKafkaEvent(inputs.map(buildPipeKafkaRecord)), ctx);
    direct.push(r);
  }
  return enrichRecords(direct, ctx);
}

/**
 * Awaits the value and key formats' batch preparation (formats/format.ts `prepare`) for consumed records, as
 * prepareFormats does for a Pipe event: the poller calls it before enrichKafkaRecords. Resolves at once
 * for formats without one (JSON).
 */
export async function prepareKafkaRecords(
  inputs: readonly PipeKafkaRecordInput[],
  ctx: EnrichContext,
): Promise<void> {
  const { value, key } = ctx.formats ?? DEFAULT_FORMATS;
  if (value.prepare !== undefined) {
    await value.prepare(inputs.flatMap((i) => (i.value === null ? [] : [pipeBytesOf(i.value)])));
  }
  if (key.prepare !== undefined) {
    await key.prepare(inputs.flatMap((i) => (i.key === null ? [] : [pipeBytesOf(i.key)])));
  }
}
