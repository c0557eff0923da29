import { isUtf8 } from 'node:buffer';
import * as z from 'zod/mini';
import { InvalidEventError } from './errors.js';
import './zod.js';

/** Event source of a Kafka record as Pipes and event-source mappings name it. */
export const KAFKA_EVENT_SOURCE = { selfManaged: 'SelfManagedKafka', msk: 'aws:kafka' } as const;
/** One of the two Kafka event sources. */
export type KafkaEventSource = (typeof KAFKA_EVENT_SOURCE)[keyof typeof KAFKA_EVENT_SOURCE];

/**
 * Every `eventSource` value AWS and its tooling write for the two sources, and the source it names:
 * Pipes and Lambda event-source mappings write `SelfManagedKafka` and `aws:kafka`
 * (https://docs.aws.amazon.com/lambda/latest/dg/with-kafka.html), Powertools for AWS Lambda's
 * self-managed Kafka test events `aws:SelfManagedKafka`.
 */
const EVENT_SOURCE_VALUES: Readonly<Record<string, KafkaEventSource>> = {
  SelfManagedKafka: KAFKA_EVENT_SOURCE.selfManaged,
  'aws:SelfManagedKafka': KAFKA_EVENT_SOURCE.selfManaged,
  'aws:kafka': KAFKA_EVENT_SOURCE.msk,
};

const clusterSourceMessage = 'expected bootstrapServers (SelfManagedKafka) or eventSourceArn (aws:kafka)';
// A JSON offset beyond 2^53 has already been rounded by the Lambda runtime's JSON.parse: it is taken as
// it came (refusing it would make the Pipe retry the batch forever).
const offsetSchema = z.union([
  z.number().check(z.refine((n) => Number.isInteger(n) && n >= 0, 'expected a non-negative integer offset')),
  z.string().check(z.regex(/^0*\d{1,20}$/, 'expected a non-negative integer offset')),
]);
const partitionSchema = z.union([
  z.int().check(z.nonnegative()),
  z.string().check(z.regex(/^\d{1,10}$/, 'expected a non-negative integer partition')),
]);
const headerValueSchema = z.union([z.array(z.int().check(z.minimum(0), z.maximum(255))), z.string()]);
const eventSourceSchema = z.enum(Object.keys(EVENT_SOURCE_VALUES) as [string, ...string[]]);
const nonEmpty = z.string().check(z.minLength(1));

/**
 * A Kafka record as a Pipe or an event-source mapping delivers it (example events:
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-kafka.html and
 * https://docs.aws.amazon.com/lambda/latest/dg/with-kafka.html).
 */
export const kafkaRecordSchema = z.object({
  eventSource: z.optional(eventSourceSchema),
  bootstrapServers: z.optional(nonEmpty),
  eventSourceArn: z.optional(nonEmpty),
  eventSourceKey: z.optional(z.string()),
  topic: nonEmpty,
  partition: partitionSchema,
  offset: offsetSchema,
  timestamp: z.optional(z.number()),
  timestampType: z.optional(z.string()),
  key: z.optional(z.nullable(z.string())),
  value: z.optional(z.nullable(z.string())),
  headers: z.optional(z.array(z.record(z.string(), headerValueSchema))),
});
/** One Kafka record of the event, as received. */
export type KafkaEventRecord = z.infer<typeof kafkaRecordSchema>;

/** The Pipes enrichment event: a flat array of Kafka records, each naming its cluster. */
export const pipeEventSchema = z.array(
  kafkaRecordSchema.check(
    z.refine((r) => r.bootstrapServers !== undefined || r.eventSourceArn !== undefined, {
      message: clusterSourceMessage,
    }),
  ),
);

/** The Lambda event-source-mapping event: records grouped under "topic-partition" keys. */
export const esmEventSchema = z
  .object({
    eventSource: eventSourceSchema,
    bootstrapServers: z.optional(nonEmpty),
    eventSourceArn: z.optional(nonEmpty),
    records: z.record(z.string(), z.array(kafkaRecordSchema)),
  })
  .check(
    z.refine((e) => e.bootstrapServers !== undefined || e.eventSourceArn !== undefined, {
      message: clusterSourceMessage,
    }),
  );

/** A Kafka record after envelope decoding: coordinates resolved, payload still base64. */
export interface DecodedKafkaRecord {
  readonly eventSource: KafkaEventSource;
  /** Normalized cluster identity (see {@link normalizeCluster}). */
  readonly cluster: string;
  readonly topic: string;
  readonly partition: number;
  /** Offset as a decimal string (offsets stay strings end to end). */
  readonly offset: string;
  /** Epoch milliseconds, or null when absent. */
  readonly timestamp: number | null;
  readonly timestampType: string | null;
  /** Key, base64 as received, or null. */
  readonly key: string | null;
  /** Value, base64 as received, or null. */
  readonly value: string | null;
  /** Headers as the canonical record carries them (see {@link decodeHeaders}). */
  readonly headers: Record<string, HeaderValue>;
  /** Names of the headers whose values are written as base64 (see {@link decodeHeaders}). */
  readonly headerEncodings: Record<string, 'base64'>;
  /** Headers exactly as received (kept for the DLQ entry). */
  readonly rawHeaders: KafkaEventRecord['headers'];
}

/**
 * The Pipe event source of a recorded cluster identity: an MSK cluster is named by its ARN, a
 * self-managed cluster by its bootstrap servers (DLQ entries keep only the identity).
 * @example eventSourceOfCluster('b1:9092') // → 'SelfManagedKafka'
 */
export function eventSourceOfCluster(cluster: string): KafkaEventSource {
  return cluster.startsWith('arn:') ? KAFKA_EVENT_SOURCE.msk : KAFKA_EVENT_SOURCE.selfManaged;
}

/**
 * Normalizes a cluster identity so both engines derive the same eventId: an MSK ARN is kept as is;
 * bootstrap servers lose any `scheme://` prefix, are lower-cased, trimmed, de-duplicated and sorted.
 *
 * @example normalizeCluster('smk://B2:9092, b1:9092') // → 'b1:9092,b2:9092'
 */
export function normalizeCluster(eventSource: KafkaEventSource, id: string): string {
  if (eventSource === KAFKA_EVENT_SOURCE.msk || id.startsWith('arn:')) return id;
  const servers = id
    .split(',')
    .map((s) =>
      s
        .trim()
        .replace(/^[a-z][a-z0-9+._-]*:\/\//i, '')
        .toLowerCase(),
    )
    .filter((s) => s !== '');
  return [...new Set(servers)].sort().join(',');
}

/** A header of the canonical record: its value, or its values in wire order when the name repeats. */
export type HeaderValue = string | string[];

/** Headers as the canonical record carries them. */
export interface DecodedHeaders {
  readonly headers: Record<string, HeaderValue>;
  readonly headerEncodings: Record<string, 'base64'>;
}

/** Stores an own property, even one named "__proto__" (a plain store would set the prototype). */
function putOwn<T>(target: Record<string, T>, name: string, value: T): void {
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
}

/**
 * Headers as the canonical record carries them, as {@link decodeKafkaEvent} gives them: name → UTF-8
 * text, or the list of texts in wire order when the name repeats. A name with any value that is not
 * valid UTF-8 has all its values written as base64 and is listed in `headerEncodings` (like
 * `keyEncoding` for the key), so no byte is replaced.
 */
export function decodeHeaders(headers: KafkaEventRecord['headers']): DecodedHeaders {
  const out: DecodedHeaders = { headers: {}, headerEncodings: {} };
  if (!headers || headers.length === 0) return out;
  const values = new Map<string, Buffer[]>();
  for (const entry of headers) {
    for (const name of Object.keys(entry)) {
      const raw = entry[name];
      const bytes = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : Buffer.from(raw as number[]);
      const list = values.get(name);
      if (list === undefined) values.set(name, [bytes]);
      else list.push(bytes);
    }
  }
  for (const [name, list] of values) {
    const text = list.every((b) => isUtf8(b));
    if (!text) putOwn(out.headerEncodings, name, 'base64');
    const texts = list.map((b) => b.toString(text ? 'utf8' : 'base64'));
    putOwn(out.headers, name, texts.length === 1 ? (texts[0] as string) : texts);
  }
  return out;
}

/** An offset as the canonical decimal text: no leading zeros, no exponent (`"015"` and 15 → `"15"`). */
export function offsetText(offset: number | string): string {
  if (typeof offset === 'number')
    return Number.isSafeInteger(offset) ? String(offset) : BigInt(offset).toString();
  return offset.length > 1 && offset.startsWith('0') ? offset.replace(/^0+(?=\d)/, '') : offset;
}

/** The event source an `eventSource` value names (absent: from the cluster field the record carries). */
function eventSourceOf(value: string | undefined, arn: string | undefined): KafkaEventSource {
  if (value !== undefined) return EVENT_SOURCE_VALUES[value] as KafkaEventSource;
  return arn !== undefined ? KAFKA_EVENT_SOURCE.msk : KAFKA_EVENT_SOURCE.selfManaged;
}

/** Cluster identities normalized within one event (every record of a batch names the same cluster). */
type ClusterCache = Map<string, string>;

function clusterOf(cache: ClusterCache, eventSource: KafkaEventSource, id: string): string {
  const cacheKey = `${eventSource}|${id}`;
  let cluster = cache.get(cacheKey);
  if (cluster === undefined) {
    cluster = normalizeCluster(eventSource, id);
    cache.set(cacheKey, cluster);
  }
  return cluster;
}

function toDecoded(r: KafkaEventRecord, eventSource: KafkaEventSource, cluster: string): DecodedKafkaRecord {
  const { headers, headerEncodings } = decodeHeaders(r.headers);
  return {
    eventSource,
    cluster,
    topic: r.topic,
    partition: Number(r.partition),
    offset: offsetText(r.offset),
    timestamp: r.timestamp ?? null,
    timestampType: r.timestampType ?? null,
    key: r.key ?? null,
    value: r.value ?? null,
    headers,
    headerEncodings,
    rawHeaders: r.headers,
  };
}

const MAX_REPORTED_ISSUES = 5;

function describeIssues(error: {
  issues: readonly { path: readonly PropertyKey[]; message: string }[];
}): string {
  const shown = error.issues.slice(0, MAX_REPORTED_ISSUES).map((i) => {
    const path = i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
    return `${path === '' ? '(root)' : path}: ${i.message}`;
  });
  const more =
    error.issues.length > MAX_REPORTED_ISSUES
      ? `; and ${error.issues.length - MAX_REPORTED_ISSUES} more`
      : '';
  return shown.join('; ') + more;
}

/**
 * Validates the enrichment event and flattens it into decoded records, in delivery order.
 * Accepts the Pipes flat array and the event-source-mapping `{records: {"topic-partition": [...]}}` shape.
 * Throws {@link InvalidEventError} (before any record is processed) when the event itself is malformed.
 */
export function decodeKafkaEvent(event: unknown): DecodedKafkaRecord[] {
  if (Array.isArray(event)) {
    const parsed = pipeEventSchema.safeParse(event);
    if (!parsed.success) {
      throw new InvalidEventError(`Invalid Pipes Kafka event: ${describeIssues(parsed.error)}`);
    }
    // The checked event itself, not zod's copy: a copy loses a header named "__proto__" (a plain
    // store sets the prototype).
    const records = event as KafkaEventRecord[];
    const clusters: ClusterCache = new Map();
    return records.map((r) => {
      const eventSource = eventSourceOf(r.eventSource, r.eventSourceArn);
      const id =
        eventSource === 'aws:kafka'
          ? (r.eventSourceArn ?? r.bootstrapServers)
          : (r.bootstrapServers ?? r.eventSourceArn);
      return toDecoded(r, eventSource, clusterOf(clusters, eventSource, id as string));
    });
  }
  if (event !== null && typeof event === 'object' && 'records' in event) {
    const parsed = esmEventSchema.safeParse(event);
    if (!parsed.success) {
      throw new InvalidEventError(
        `Invalid event-source-mapping Kafka event: ${describeIssues(parsed.error)}`,
      );
    }
    // The checked event itself, not zod's copy (see the Pipes branch above).
    const e = event as typeof parsed.data;
    const eventSource = eventSourceOf(e.eventSource, e.eventSourceArn);
    const id =
      eventSource === 'aws:kafka'
        ? (e.eventSourceArn ?? e.bootstrapServers)
        : (e.bootstrapServers ?? e.eventSourceArn);
    const cluster = normalizeCluster(eventSource, id as string);
    const out: DecodedKafkaRecord[] = [];
    for (const group of Object.values(e.records)) {
      for (const r of group) out.push(toDecoded(r, eventSource, cluster));
    }
    return out;
  }
  const kind = event === null ? 'null' : Array.isArray(event) ? 'array' : typeof event;
  throw new InvalidEventError(
    `Invalid Kafka event: expected a Pipes array of Kafka records or an event-source-mapping object with "records", received ${kind}`,
  );
}
