import * as z from 'zod/mini';
import { InvalidEventError } from './errors.js';
import './zod.js';

/** Event source of a Kafka record as Pipes and event-source mappings name it. */
export const KAFKA_EVENT_SOURCE = { selfManaged: 'SelfManagedKafka', msk: 'aws:kafka' } as const;
/** One of the two Kafka event sources. */
export type KafkaEventSource = (typeof KAFKA_EVENT_SOURCE)[keyof typeof KAFKA_EVENT_SOURCE];

const clusterSourceMessage = 'expected bootstrapServers (SelfManagedKafka) or eventSourceArn (aws:kafka)';
const offsetSchema = z.union([
  z.int().check(z.nonnegative()),
  z.string().check(z.regex(/^\d{1,20}$/, 'expected a non-negative integer offset')),
]);
const partitionSchema = z.union([
  z.int().check(z.nonnegative()),
  z.string().check(z.regex(/^\d{1,10}$/, 'expected a non-negative integer partition')),
]);
const headerValueSchema = z.union([z.array(z.int().check(z.minimum(0), z.maximum(255))), z.string()]);
const eventSourceSchema = z.enum(['SelfManagedKafka', 'aws:kafka']);
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
  /** Headers decoded to strings; repeated names are joined with ",". */
  readonly headers: Record<string, string>;
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
        .replace(/^[a-z][a-z0-9+.-]*:\/\//i, '')
        .toLowerCase(),
    )
    .filter((s) => s !== '');
  return [...new Set(servers)].sort().join(',');
}

/** Headers decoded to strings (repeated names joined with ","), as {@link decodeKafkaEvent} gives them. */
export function decodeHeaders(headers: KafkaEventRecord['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  for (const entry of headers) {
    for (const name of Object.keys(entry)) {
      const raw = entry[name];
      const text = typeof raw === 'string' ? raw : Buffer.from(raw as number[]).toString('utf8');
      const prev = Object.hasOwn(out, name) ? out[name] : undefined;
      Object.defineProperty(out, name, {
        value: prev === undefined ? text : `${prev},${text}`,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return out;
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
  return {
    eventSource,
    cluster,
    topic: r.topic,
    partition: Number(r.partition),
    offset: String(r.offset),
    timestamp: r.timestamp ?? null,
    timestampType: r.timestampType ?? null,
    key: r.key ?? null,
    value: r.value ?? null,
    headers: decodeHeaders(r.headers),
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
      const eventSource =
        r.eventSource ?? (r.eventSourceArn !== undefined ? 'aws:kafka' : 'SelfManagedKafka');
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
    const id =
      e.eventSource === 'aws:kafka'
        ? (e.eventSourceArn ?? e.bootstrapServers)
        : (e.bootstrapServers ?? e.eventSourceArn);
    const cluster = normalizeCluster(e.eventSource, id as string);
    const out: DecodedKafkaRecord[] = [];
    for (const group of Object.values(e.records)) {
      for (const r of group) out.push(toDecoded(r, e.eventSource, cluster));
    }
    return out;
  }
  const kind = event === null ? 'null' : Array.isArray(event) ? 'array' : typeof event;
  throw new InvalidEventError(
    `Invalid Kafka event: expected a Pipes array of Kafka records or an event-source-mapping object with "records", received ${kind}`,
  );
}
