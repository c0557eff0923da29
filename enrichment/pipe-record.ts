import type { KafkaEventRecord, KafkaEventSource } from './kafka-event.js';

/** Header values as kafkajs delivers them. */
export type KafkaHeaderInput =
  | Record<string, Uint8Array | string | readonly (Uint8Array | string)[] | undefined>
  | readonly { readonly key: string; readonly value: Uint8Array | string | null }[];

/** Input of {@link buildPipeKafkaRecord}: one Kafka record as a consumer (the poller) sees it. */
export interface PipeKafkaRecordInput {
  readonly eventSource: KafkaEventSource;
  /** Bootstrap servers (comma-separated, SelfManagedKafka) or the MSK cluster ARN (aws:kafka). */
  readonly cluster: string;
  readonly topic: string;
  readonly partition: number;
  /** Offset as a decimal string (kafkajs gives strings). */
  readonly offset: string;
  /** Epoch milliseconds (number or decimal string as kafkajs gives it). */
  readonly timestamp: number | string;
  /** Default CREATE_TIME. */
  readonly timestampType?: string;
  readonly key: Uint8Array | string | null;
  readonly value: Uint8Array | string | null;
  readonly headers?: KafkaHeaderInput;
}

/** A record as the Kafka readers of core/kafka/ hand it out (structurally: no import of kafkajs). */
export interface ReadKafkaRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly timestamp: string;
  readonly timestampType: string;
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  readonly headers: readonly { readonly name: string; readonly value: Uint8Array }[];
}

/**
 * The Pipe record input of a record read from Kafka, for the cluster it was read from: what the poller,
 * the local Pipe runner and `dlq replay --from-kafka` feed the enrichment, so all three build it alike.
 */
export function pipeInputOf(
  r: ReadKafkaRecord,
  at: { readonly eventSource: KafkaEventSource; readonly cluster: string },
): PipeKafkaRecordInput {
  return {
    eventSource: at.eventSource,
    cluster: at.cluster,
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    timestamp: Number(r.timestamp),
    timestampType: r.timestampType,
    key: r.key,
    value: r.value,
    headers: r.headers.map((h) => ({ key: h.name, value: h.value })),
  };
}

function toBytes(v: Uint8Array | string): Buffer {
  return typeof v === 'string' ? Buffer.from(v, 'utf8') : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/**
 * Headers as a Pipe delivers them (`[{name: [bytes]}]`, wire order, one entry per value), from the
 * headers a consumer sees. Shared by {@link buildPipeKafkaRecord} and the poller's direct path.
 */
export function pipeHeadersOf(h: KafkaHeaderInput | undefined): Record<string, number[]>[] {
  const headers: Record<string, number[]>[] = [];
  if (Array.isArray(h)) {
    for (const { key, value } of h as readonly { key: string; value: Uint8Array | string | null }[]) {
      headers.push({ [key]: value === null ? [] : [...toBytes(value)] });
    }
  } else if (h !== undefined) {
    for (const [name, value] of Object.entries(h as Record<string, unknown>)) {
      if (value === undefined) continue;
      const values = Array.isArray(value) ? value : [value];
      for (const v of values as (Uint8Array | string)[]) headers.push({ [name]: [...toBytes(v)] });
    }
  }
  return headers;
}

/** Key or value bytes exactly as {@link buildPipeKafkaRecord} base64-encodes them. */
export function pipeBytesOf(v: Uint8Array | string): Buffer {
  return toBytes(v);
}

/**
 * Builds one element of the Pipes enrichment event (the example event of
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-kafka.html) from a consumed Kafka record, so the
 * poller and the local Pipe runner feed enrichBatch exactly what a Pipe would: base64 key and value,
 * headers as `[{name: [bytes]}]`, partition as a string, offset as a number (a decimal string beyond
 * Number.MAX_SAFE_INTEGER, which enrichBatch also accepts).
 *
 * @example buildPipeKafkaRecord({eventSource: 'SelfManagedKafka', cluster: 'b1:9092', topic: 't', partition: 0,
 *   offset: '5', timestamp: '1700000000000', key: null, value: Buffer.from('{}')})
 */
export function buildPipeKafkaRecord(input: PipeKafkaRecordInput): KafkaEventRecord {
  const headers = pipeHeadersOf(input.headers);
  const offsetNumber = Number(input.offset);
  const clusterField =
    input.eventSource === 'aws:kafka'
      ? { eventSourceArn: input.cluster }
      : { bootstrapServers: input.cluster };
  return {
    eventSource: input.eventSource,
    ...clusterField,
    eventSourceKey: `${input.topic}-${input.partition}`,
    topic: input.topic,
    partition: String(input.partition),
    offset: Number.isSafeInteger(offsetNumber) ? offsetNumber : input.offset,
    timestamp: Number(input.timestamp),
    timestampType: input.timestampType ?? 'CREATE_TIME',
    key: input.key === null ? null : toBytes(input.key).toString('base64'),
    value: input.value === null ? null : toBytes(input.value).toString('base64'),
    headers,
  };
}
