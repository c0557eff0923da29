/**
 * `kafka-pipes dlq inspect | replay` for the two DLQs of a source:
 *
 * - the ENRICHMENT DLQ: one `enrichment-dlq/v1` DlqEntry per bad record (raw key/value kept);
 * - the SINK (target) DLQ of FIRE_AND_FORGET sources: Lambda async failures. With an on-failure destination
 *   the body is an invocation record `{requestContext, requestPayload, responsePayload}`; with a classic
 *   DeadLetterConfig the body is the original event and the error is in message attributes. Both are read.
 *
 * inspect never consumes: messages are received (which hides them), summarized and then made visible again
 * with ChangeMessageVisibility 0. Replay deletes a message only after its delivery succeeded. Enrichment
 * entries whose value was truncated to fit SQS are replayed with `--from-kafka`: the record is re-read at
 * the entry's offset (no consumer group, nothing committed) and checked against the entry's sha-256.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ListQueuesCommand,
  ListQueueTagsCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { type KafkaConnection, type PartitionRecord, readRecordsAt } from '../../core/kafka-client.js';
import { createKinesisSink, type SinkPort } from '../../core/kinesis-delivery.js';
import {
  buildPipeKafkaRecord,
  type CompiledRules,
  createSqsDlqSink,
  DLQ_KEY_HEADERS_REMOVED_NOTE,
  DLQ_SCHEMA,
  type DlqEntry,
  enrichBatch,
  KAFKA_EVENT_SOURCE,
  type PartitionKeySpec,
  parsePartitionKeySpec,
  pipeInputOf,
  reasonCode,
} from '../../enrichment/index.js';
import { SOURCE_TAG_KEY, type SourceConfig, streamPhysicalName } from '../../pipes/source-schema.js';
import { deliverBatch } from '../../targets/deliver-batch.js';
import { type CheckFlags, planCheck } from '../check/engine.js';
import { compileRulesFile } from '../rules/preview.js';
import type { CliAwsClients } from '../shared/aws.js';
import { EXIT_CODES, type ExitCode, type Output, startProgress, usageError } from '../shared/output.js';
import { resolveSource } from '../shared/sources.js';

/** The two DLQs of a source. */
export const DLQ_KINDS = { enrichment: 'enrichment', sink: 'sink' } as const;
/** Which DLQ: enrichment or sink. */
export type DlqKind = (typeof DLQ_KINDS)[keyof typeof DLQ_KINDS];

/** Tag the stack puts on every resource of a source (pipes/kafka-pipe.construct.ts). */
export const SOURCE_TAG = SOURCE_TAG_KEY;
/** Construct ids in the CDK-generated queue names: a Pipe's enrichment DLQ, a poller's, a Pipe's target DLQ. */
const QUEUE_NAME_MARKS: Readonly<Record<DlqKind, readonly string[]>> = {
  enrichment: ['EnrichmentDlq', 'PollerDlq'],
  sink: ['TargetDlq'],
};
/** How long received messages stay hidden while we work on them. */
export const DLQ_VISIBILITY_SECONDS = 120;
const SQS_BATCH = 10;
/** Topic-partitions re-read from Kafka at once by `--from-kafka` (each read is bounded by 30 s). */
const REREAD_PARALLEL_PARTITIONS = 4;
/** Extra hidden time of received messages when replay first re-reads truncated entries from Kafka. */
const REREAD_VISIBILITY_MARGIN_SECONDS = 600;

/** A message as the CLI sees it, parsed. */
export type ParsedDlqMessage =
  | { readonly kind: 'enrichment'; readonly entry: DlqEntry }
  | {
      readonly kind: 'sink';
      /** The original invocation payload (the canonical records the sink got). */
      readonly payload: unknown;
      readonly reason: string;
      readonly records: readonly { topic: string; partition: number; offset: string; eventId?: string }[];
    }
  | { readonly kind: 'unknown'; readonly reason: string };

/** A received SQS message and its parsed content. */
export interface DlqMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  readonly parsed: ParsedDlqMessage;
}

function sinkRecords(
  payload: unknown,
): { topic: string; partition: number; offset: string; eventId?: string }[] {
  if (!Array.isArray(payload)) return [];
  return payload.flatMap((r) => {
    const k = (r as { kafka?: { topic?: unknown; partition?: unknown; offset?: unknown } })?.kafka;
    if (!k || typeof k.topic !== 'string' || typeof k.partition !== 'number') return [];
    const eventId = (r as { eventId?: unknown }).eventId;
    return [
      {
        topic: k.topic,
        partition: k.partition,
        offset: String(k.offset),
        ...(typeof eventId === 'string' ? { eventId } : {}),
      },
    ];
  });
}

/**
 * Parses one DLQ message body (and attributes, for classic Lambda DLQs).
 * @example parseDlqMessage('{"schema":"enrichment-dlq/v1",…}', {})
 */
export function parseDlqMessage(
  body: string,
  attributes: Message['MessageAttributes'] = {},
): ParsedDlqMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { kind: 'unknown', reason: 'unparseable: the body is not JSON' };
  }
  const obj = json as Record<string, unknown>;
  if (obj && typeof obj === 'object' && obj.schema === DLQ_SCHEMA)
    return { kind: 'enrichment', entry: obj as unknown as DlqEntry };
  if (obj && typeof obj === 'object' && 'requestContext' in obj && 'requestPayload' in obj) {
    const ctx = obj.requestContext as { condition?: string; approximateInvokeCount?: number };
    const resp = obj.responsePayload as { errorType?: string; errorMessage?: string } | null;
    const reason = resp?.errorType
      ? `${resp.errorType}: ${resp.errorMessage ?? ''}`.trim()
      : `${ctx?.condition ?? 'failed'}${ctx?.approximateInvokeCount ? ` after ${ctx.approximateInvokeCount} attempt(s)` : ''}`;
    return { kind: 'sink', payload: obj.requestPayload, reason, records: sinkRecords(obj.requestPayload) };
  }
  if (Array.isArray(json)) {
    const code = attributes?.ErrorCode?.StringValue;
    const message = attributes?.ErrorMessage?.StringValue;
    const reason = code || message ? `${code ?? 'error'}: ${message ?? ''}`.trim() : 'lambda async failure';
    return { kind: 'sink', payload: json, reason, records: sinkRecords(json) };
  }
  return {
    kind: 'unknown',
    reason: 'unrecognized: neither an enrichment DLQ entry nor a Lambda async failure',
  };
}

/** Reason code used for grouping: the text before the first colon. */
export function reasonOf(p: ParsedDlqMessage): string {
  if (p.kind === 'enrichment') return reasonCode(p.entry);
  const i = p.reason.indexOf(':');
  return i < 0 ? p.reason : p.reason.slice(0, i);
}

/** Receives up to `max` messages, hiding them for `visibilitySeconds`. Stops when the queue is drained. */
export async function receiveMessages(
  sqs: SQSClient,
  queueUrl: string,
  max: number,
  visibilitySeconds: number = DLQ_VISIBILITY_SECONDS,
  onReceived: (n: number) => void = () => {},
): Promise<DlqMessage[]> {
  const out: DlqMessage[] = [];
  let empty = 0;
  while (out.length < max && empty < 2) {
    const res = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: Math.min(SQS_BATCH, max - out.length),
        VisibilityTimeout: visibilitySeconds,
        WaitTimeSeconds: empty === 0 ? 0 : 1,
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = res.Messages ?? [];
    if (messages.length === 0) {
      empty++;
      continue;
    }
    empty = 0;
    onReceived(messages.length);
    for (const m of messages) {
      out.push({
        messageId: m.MessageId ?? '',
        receiptHandle: m.ReceiptHandle ?? '',
        body: m.Body ?? '',
        parsed: parseDlqMessage(m.Body ?? '', m.MessageAttributes),
      });
    }
  }
  return out;
}

/** Makes messages visible again (ChangeMessageVisibility 0): they stay in the queue untouched. */
export async function releaseMessages(
  sqs: SQSClient,
  queueUrl: string,
  messages: readonly DlqMessage[],
): Promise<void> {
  for (let i = 0; i < messages.length; i += SQS_BATCH) {
    const batch = messages.slice(i, i + SQS_BATCH);
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: queueUrl,
        Entries: batch.map((m, j) => ({
          Id: String(j),
          ReceiptHandle: m.receiptHandle,
          VisibilityTimeout: 0,
        })),
      }),
    );
  }
}

/** Offset range of one topic-partition. */
export interface PartitionSummary {
  readonly topic: string;
  readonly partition: number;
  readonly count: number;
  readonly minOffset: string;
  readonly maxOffset: string;
}

/** What `dlq inspect` reports. */
export interface DlqSummary {
  readonly queueUrl: string;
  /** Messages looked at. */
  readonly total: number;
  readonly byKind: Record<string, number>;
  readonly byReason: Record<string, number>;
  readonly partitions: readonly PartitionSummary[];
  readonly ruleVersions: Record<string, number>;
  /** Entries whose value was cut to fit SQS (cannot be replayed from the DLQ alone). */
  readonly truncated: number;
  /** Kafka records inside the messages (1 per enrichment entry; n per sink batch). */
  readonly records: number;
  readonly oldestFailedAt: string | null;
  readonly newestFailedAt: string | null;
  /** One example reason text per reason code. */
  readonly examples: Record<string, string>;
}

/** Summarizes messages by reason, topic/partition and offset range (pure). */
export function summarize(queueUrl: string, messages: readonly DlqMessage[]): DlqSummary {
  const byKind: Record<string, number> = {};
  const byReason: Record<string, number> = {};
  const examples: Record<string, string> = {};
  const ruleVersions: Record<string, number> = {};
  const parts = new Map<
    string,
    { topic: string; partition: number; count: number; min: bigint; max: bigint }
  >();
  let truncated = 0;
  let records = 0;
  let oldest: string | null = null;
  let newest: string | null = null;
  const addOffset = (topic: string, partition: number, offset: string) => {
    records++;
    let o: bigint;
    try {
      o = BigInt(offset);
    } catch {
      return;
    }
    const key = `${topic}\u0000${partition}`;
    const p = parts.get(key);
    if (!p) parts.set(key, { topic, partition, count: 1, min: o, max: o });
    else {
      p.count++;
      if (o < p.min) p.min = o;
      if (o > p.max) p.max = o;
    }
  };
  for (const m of messages) {
    const p = m.parsed;
    byKind[p.kind] = (byKind[p.kind] ?? 0) + 1;
    const code = reasonOf(p);
    byReason[code] = (byReason[code] ?? 0) + 1;
    examples[code] ??= p.kind === 'enrichment' ? p.entry.reason : p.reason;
    if (p.kind === 'enrichment') {
      const e = p.entry;
      addOffset(e.topic, e.partition, e.offset);
      ruleVersions[e.ruleVersion] = (ruleVersions[e.ruleVersion] ?? 0) + 1;
      if (e.valueTruncated) truncated++;
      if (!oldest || e.failedAt < oldest) oldest = e.failedAt;
      if (!newest || e.failedAt > newest) newest = e.failedAt;
    } else if (p.kind === 'sink') {
      for (const r of p.records) addOffset(r.topic, r.partition, r.offset);
    }
  }
  const partitions = [...parts.values()]
    .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
    .map((p) => ({
      topic: p.topic,
      partition: p.partition,
      count: p.count,
      minOffset: p.min.toString(),
      maxOffset: p.max.toString(),
    }));
  return {
    queueUrl,
    total: messages.length,
    byKind,
    byReason,
    partitions,
    ruleVersions,
    truncated,
    records,
    oldestFailedAt: oldest,
    newestFailedAt: newest,
    examples,
  };
}

/**
 * Finds a source's DLQ by the `kafka-pipes:source` tag the stack puts on it (queue names are generated).
 * @throws UsageError when no queue carries the tag.
 */
export async function findSourceQueue(sqs: SQSClient, sourceName: string, kind: DlqKind): Promise<string> {
  const urls: string[] = [];
  let token: string | undefined;
  do {
    const res = await sqs.send(
      new ListQueuesCommand({ MaxResults: 1000, ...(token ? { NextToken: token } : {}) }),
    );
    urls.push(...(res.QueueUrls ?? []));
    token = res.NextToken;
  } while (token);
  const named = (u: string) =>
    QUEUE_NAME_MARKS[kind].some((m) => u.slice(u.lastIndexOf('/') + 1).includes(m));
  for (const url of urls.filter(named)) {
    const tags = await sqs.send(new ListQueueTagsCommand({ QueueUrl: url }));
    if (tags.Tags?.[SOURCE_TAG] === sourceName) return url;
  }
  throw usageError(
    '<queue>',
    'queue',
    `no ${kind} DLQ tagged ${SOURCE_TAG}=${sourceName} in this account/region`,
    'deploy the source first, check --region, or pass the queue URL instead of the source name',
  );
}

// ---------------------------------------------------------------------------------------------------------
// Replay

/** What happened to one message during a replay. */
export const REPLAY_OUTCOMES = {
  /** Delivered and deleted. */
  delivered: 'delivered',
  /** The current rules drop the record: deleted, nothing delivered. */
  dropped: 'dropped',
  /** Still failing with the current rules: the updated entry (new reason) replaced the old message. */
  requeued: 'requeued',
  /** Delivery or requeue failed: the message stays in the DLQ untouched. */
  failed: 'failed',
  /**
   * Cannot be replayed (unknown body; truncated value without --from-kafka, or whose record is no longer
   * in Kafka or differs from the entry): left in place.
   */
  skipped: 'skipped',
  /** --dry-run: what would be done. */
  wouldDeliver: 'would-deliver',
  wouldDrop: 'would-drop',
  wouldRequeue: 'would-requeue',
} as const;
/** One of {@link REPLAY_OUTCOMES}. */
export type ReplayOutcome = (typeof REPLAY_OUTCOMES)[keyof typeof REPLAY_OUTCOMES];

/** Where replayed records go. */
export type ReplayTarget =
  | { readonly type: 'kinesis'; readonly streamName: string; readonly port: SinkPort }
  | { readonly type: 'lambda'; readonly functionName: string; readonly lambda: LambdaClient };

/**
 * Reads Kafka records by coordinates, without a consumer group and without committing (the port of
 * `--from-kafka`; {@link kafkaRecordReader} builds the real one).
 */
export interface KafkaRecordReader {
  /** The records found at `offsets`, keyed by offset; offsets without a record are absent. */
  readRecordsAt(
    topic: string,
    partition: number,
    offsets: readonly string[],
  ): Promise<Map<string, PartitionRecord>>;
}

/** A {@link KafkaRecordReader} over a Kafka connection (core/kafka-client.ts readRecordsAt). */
export function kafkaRecordReader(conn: KafkaConnection): KafkaRecordReader {
  return { readRecordsAt: (topic, partition, offsets) => readRecordsAt(conn, topic, partition, offsets) };
}

/** Everything a replay needs. */
export interface ReplayOptions {
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly target: ReplayTarget;
  /** For enrichment DLQ entries: the CURRENT rules and partition key (the source name comes from each entry). */
  readonly enrich?: { readonly rules: CompiledRules; readonly partitionKey: PartitionKeySpec };
  /**
   * Re-reads entries whose value was truncated in the DLQ from Kafka (`--from-kafka`). Without it such
   * entries are skipped.
   */
  readonly kafka?: KafkaRecordReader;
  readonly dryRun: boolean;
  readonly max: number;
  /** Messages per second (undefined = as fast as possible). */
  readonly ratePerSecond?: number;
  readonly onMessage?: (m: DlqMessage, outcome: ReplayOutcome, detail: string) => void;
  readonly now?: () => Date;
}

/** Summary of a replay. */
export interface ReplaySummary {
  readonly queueUrl: string;
  readonly dryRun: boolean;
  readonly messages: number;
  readonly outcomes: Record<string, number>;
  /** Records written to the target. */
  readonly recordsDelivered: number;
  /** Entries with a truncated value whose record was re-read from Kafka and matched the entry. */
  readonly readFromKafka: number;
  /** One line per message not delivered: messageId, outcome, detail. */
  readonly problems: readonly { messageId: string; outcome: ReplayOutcome; detail: string }[];
}

/**
 * Rebuilds the Pipe record of an enrichment DLQ entry (raw key, value and headers as received), so the
 * current rules see exactly what the Pipe delivered and the eventId stays the same.
 */
export function pipeRecordFromEntry(e: DlqEntry) {
  const record = buildPipeKafkaRecord({
    eventSource: e.cluster.startsWith('arn:') ? KAFKA_EVENT_SOURCE.msk : KAFKA_EVENT_SOURCE.selfManaged,
    cluster: e.cluster,
    topic: e.topic,
    partition: e.partition,
    offset: e.offset,
    timestamp: e.timestamp === null ? 0 : Date.parse(e.timestamp),
    ...(e.timestampType ? { timestampType: e.timestampType } : {}),
    key: e.key === null ? null : Buffer.from(e.key, 'base64'),
    value: e.value === null ? null : Buffer.from(e.value, 'base64'),
    headers: e.headers.map((h) => ({ key: h.name, value: Buffer.from(h.value, 'base64') })),
  });
  if (e.timestamp === null) delete (record as { timestamp?: number }).timestamp;
  return record;
}

/**
 * Rebuilds the Pipe record of an enrichment DLQ entry from the Kafka record at its coordinates (for
 * entries whose value was truncated in the DLQ): key, value, headers, timestamp and timestamp type come
 * from Kafka, the cluster from the entry, so the eventId stays the same.
 */
export function pipeRecordFromKafka(e: DlqEntry, r: PartitionRecord) {
  return buildPipeKafkaRecord(
    pipeInputOf(r, {
      eventSource: e.cluster.startsWith('arn:') ? KAFKA_EVENT_SOURCE.msk : KAFKA_EVENT_SOURCE.selfManaged,
      cluster: e.cluster,
    }),
  );
}

/** What re-reading a truncated entry from Kafka gave: the record, nothing (gone), or an error text. */
type Reread = { readonly record: PartitionRecord | null } | { readonly error: string };

/**
 * Reads the records of every truncated enrichment entry among `messages` from Kafka, one
 * readRecordsAt call per topic-partition (not one connection per entry), a few partitions at once.
 * Keyed by messageId.
 */
async function rereadTruncated(
  kafka: KafkaRecordReader,
  messages: readonly DlqMessage[],
): Promise<Map<string, Reread>> {
  const groups = new Map<string, { topic: string; partition: number; entries: DlqMessage[] }>();
  for (const m of messages) {
    if (m.parsed.kind !== 'enrichment' || !m.parsed.entry.valueTruncated) continue;
    const { topic, partition } = m.parsed.entry;
    const key = `${topic}\u0000${partition}`;
    let g = groups.get(key);
    if (!g) {
      g = { topic, partition, entries: [] };
      groups.set(key, g);
    }
    g.entries.push(m);
  }
  const out = new Map<string, Reread>();
  const offsetOf = (m: DlqMessage) => (m.parsed.kind === 'enrichment' ? m.parsed.entry.offset : '');
  const pending = [...groups.values()];
  const worker = async () => {
    for (let g = pending.shift(); g; g = pending.shift()) {
      const { topic, partition, entries } = g;
      try {
        const found = await kafka.readRecordsAt(topic, partition, entries.map(offsetOf));
        for (const m of entries) out.set(m.messageId, { record: found.get(offsetOf(m)) ?? null });
      } catch (e) {
        const error = `cannot re-read ${topic}-${partition} from Kafka: ${(e as Error).message}`;
        for (const m of entries) out.set(m.messageId, { error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(REREAD_PARALLEL_PARTITIONS, pending.length) }, worker));
  return out;
}

/**
 * Checks that the Kafka record at an entry's coordinates is the record the entry was made from: same
 * coordinates, value sha-256 and size, and key (unless the DLQ sink removed the key to fit SQS).
 * Returns what differs, or null when it is the same record.
 */
export function recordMismatch(e: DlqEntry, r: PartitionRecord): string | null {
  if (r.topic !== e.topic || r.partition !== e.partition || r.offset !== e.offset) return 'coordinates';
  const value = r.value ?? Buffer.alloc(0);
  if (e.valueSha256 !== undefined && createHash('sha256').update(value).digest('hex') !== e.valueSha256)
    return 'value sha-256';
  if (e.valueBytes !== undefined && value.length !== e.valueBytes) return 'value size';
  const keyRemoved = e.reason.endsWith(DLQ_KEY_HEADERS_REMOVED_NOTE);
  if (!keyRemoved && (r.key === null ? null : r.key.toString('base64')) !== e.key) return 'key';
  return null;
}

async function deliver(target: ReplayTarget, records: readonly unknown[]): Promise<number> {
  if (records.length === 0) return 0;
  if (target.type === 'kinesis') return (await deliverBatch(records, target.port)).delivered;
  const res = await target.lambda.send(
    new InvokeCommand({
      FunctionName: target.functionName,
      InvocationType: 'RequestResponse',
      Payload: Buffer.from(JSON.stringify(records)),
    }),
  );
  if (res.FunctionError) {
    const text = res.Payload ? Buffer.from(res.Payload).toString('utf8') : '';
    throw new Error(`sink function failed (${res.FunctionError}): ${text.slice(0, 300)}`);
  }
  return records.length;
}

async function deleteMessage(sqs: SQSClient, queueUrl: string, m: DlqMessage): Promise<void> {
  await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.receiptHandle }));
}

/**
 * Replays up to `max` messages. Per message: enrichment entries are re-enriched with the current rules and
 * delivered; sink batches are delivered as they are. A message is deleted only after delivery succeeded;
 * an entry that still fails is replaced by the updated entry (new reason) — send first, then delete; when
 * anything fails the message stays in place (made visible again). Replayed records keep their eventId.
 */
export async function replayDlq(o: ReplayOptions): Promise<ReplaySummary> {
  // Keep the messages hidden for the whole run (a slow --rate must not let them reappear mid-replay).
  const visibility = Math.min(
    43_200,
    Math.max(DLQ_VISIBILITY_SECONDS, Math.ceil(o.max / (o.ratePerSecond ?? 1_000)) + 60) +
      (o.kafka ? REREAD_VISIBILITY_MARGIN_SECONDS : 0),
  );
  const messages = await receiveMessages(o.sqs, o.queueUrl, o.max, visibility);
  const reread = o.kafka ? await rereadTruncated(o.kafka, messages) : new Map<string, Reread>();
  const outcomes: Record<string, number> = {};
  const problems: { messageId: string; outcome: ReplayOutcome; detail: string }[] = [];
  const leave: DlqMessage[] = [];
  let recordsDelivered = 0;
  let readFromKafka = 0;
  const intervalMs = o.ratePerSecond ? 1000 / o.ratePerSecond : 0;
  const sink = createSqsDlqSink(o.sqs, o.queueUrl);
  let next = Date.now();
  for (const m of messages) {
    if (intervalMs > 0) {
      const wait = next - Date.now();
      if (wait > 0) await sleep(wait);
      next = Math.max(next, Date.now()) + intervalMs;
    }
    let outcome: ReplayOutcome;
    let detail = '';
    try {
      const fromKafka = reread.get(m.messageId);
      ({ outcome, detail } = await replayOne(o, m, sink, fromKafka));
      if (fromKafka && 'record' in fromKafka && outcome !== 'skipped') readFromKafka++;
      if (outcome === 'delivered') recordsDelivered += Number(detail.split(' ')[0]) || 0;
    } catch (e) {
      outcome = REPLAY_OUTCOMES.failed;
      detail = (e as Error).message;
    }
    if (outcome !== 'delivered' && outcome !== 'dropped' && outcome !== 'requeued') leave.push(m);
    if (outcome !== 'delivered' && outcome !== 'would-deliver')
      problems.push({ messageId: m.messageId, outcome, detail });
    outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    o.onMessage?.(m, outcome, detail);
  }
  await releaseMessages(o.sqs, o.queueUrl, leave);
  return {
    queueUrl: o.queueUrl,
    dryRun: o.dryRun,
    messages: messages.length,
    outcomes,
    recordsDelivered,
    readFromKafka,
    problems,
  };
}

async function replayOne(
  o: ReplayOptions,
  m: DlqMessage,
  sink: ReturnType<typeof createSqsDlqSink>,
  fromKafka: Reread | undefined,
): Promise<{ outcome: ReplayOutcome; detail: string }> {
  const p = m.parsed;
  if (p.kind === 'unknown') return { outcome: 'skipped', detail: p.reason };
  if (p.kind === 'sink') {
    const records = Array.isArray(p.payload) ? p.payload : [];
    if (records.length === 0) return { outcome: 'skipped', detail: 'the payload is not an array of records' };
    if (o.dryRun) return { outcome: 'would-deliver', detail: `${records.length} record(s)` };
    const n = await deliver(o.target, records);
    await deleteMessage(o.sqs, o.queueUrl, m);
    return { outcome: 'delivered', detail: `${n} record(s)` };
  }
  const e = p.entry;
  const where = `${e.topic}-${e.partition}@${e.offset}`;
  let pipeRecord: ReturnType<typeof pipeRecordFromEntry>;
  if (e.valueTruncated) {
    if (!fromKafka) {
      return {
        outcome: 'skipped',
        detail: `value truncated in the DLQ (${e.valueBytes ?? '?'} bytes): pass --from-kafka to re-read ${where} from Kafka`,
      };
    }
    if ('error' in fromKafka) throw new Error(fromKafka.error);
    if (!fromKafka.record)
      return { outcome: 'skipped', detail: `record ${where} is no longer in Kafka (retention)` };
    const differs = recordMismatch(e, fromKafka.record);
    if (differs) {
      return {
        outcome: 'skipped',
        detail: `record ${where} in Kafka differs from the DLQ entry (${differs}): the topic may have been recreated; replay it by hand`,
      };
    }
    pipeRecord = pipeRecordFromKafka(e, fromKafka.record);
  } else {
    pipeRecord = pipeRecordFromEntry(e);
  }
  if (!o.enrich) throw new Error('enrichment DLQ entries need the rules (--source or --rules)');
  const outcome = enrichBatch([pipeRecord], {
    ...o.enrich,
    sourceName: e.source,
    ...(o.now ? { now: o.now } : {}),
  });
  const record = outcome.records[0];
  const failed = outcome.dlq[0];
  if (record) {
    if (record.eventId !== e.eventId)
      throw new Error(`eventId changed on replay (${e.eventId} → ${record.eventId})`);
    const detail = `1 record ${where}${e.valueTruncated ? ' (re-read from Kafka)' : ''}`;
    if (o.dryRun) return { outcome: 'would-deliver', detail };
    await deliver(o.target, [record]);
    await deleteMessage(o.sqs, o.queueUrl, m);
    return { outcome: 'delivered', detail };
  }
  if (failed) {
    if (o.dryRun) return { outcome: 'would-requeue', detail: failed.reason };
    await sink.send([failed]);
    await deleteMessage(o.sqs, o.queueUrl, m);
    return { outcome: 'requeued', detail: failed.reason };
  }
  if (o.dryRun) return { outcome: 'would-drop', detail: 'the current rules drop it' };
  await deleteMessage(o.sqs, o.queueUrl, m);
  return { outcome: 'dropped', detail: 'the current rules drop it' };
}

// ---------------------------------------------------------------------------------------------------------
// Commands

/** Flags shared by inspect and replay. */
export interface DlqFlags {
  readonly queue?: string;
  readonly max?: string;
  readonly sourcesDir?: string;
}

/** Flags of replay. */
export interface DlqReplayFlags extends DlqFlags, Omit<CheckFlags, 'tls' | 'timeout' | 'sourcesDir'> {
  /** Re-read entries whose value was truncated in the DLQ from Kafka. */
  readonly fromKafka?: boolean;
  /** The source the queue belongs to, when a queue URL is given (rules, stream, Kafka connection). */
  readonly source?: string;
  readonly dryRun?: boolean;
  readonly rate?: string;
  readonly rules?: string;
  readonly partitionKey?: string;
  readonly stream?: string;
  readonly env?: string;
  readonly function?: string;
  readonly to?: string;
  readonly hmacKey?: string;
}

const DEFAULT_INSPECT_MAX = 1000;

function parseMax(value: string | undefined, def: number): number {
  const n = value === undefined ? def : Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 100_000) {
    throw usageError(
      '--max',
      'max',
      `must be a whole number from 1 to 100000, received ${value}`,
      'pass e.g. --max 100',
    );
  }
  return n;
}

function parseKind(value: string | undefined): DlqKind {
  const kind = value ?? 'enrichment';
  if (kind !== 'enrichment' && kind !== 'sink') {
    throw usageError(
      '--queue',
      'queue',
      `must be enrichment or sink, received ${kind}`,
      'pass --queue enrichment (bad records) or --queue sink (failed target deliveries)',
    );
  }
  return kind;
}

/** Resolves `<source|queue-url>` to a queue URL (and the source when a name was given). */
async function resolveQueue(
  ref: string,
  flags: DlqFlags,
  sqs: SQSClient,
): Promise<{ queueUrl: string; source?: SourceConfig; kind: DlqKind }> {
  const kind = parseKind(flags.queue);
  if (/^https?:\/\//.test(ref)) return { queueUrl: ref, kind };
  const { source } = resolveSource(ref, flags.sourcesDir);
  if (kind === 'sink' && source.target.type !== 'lambda') {
    throw usageError(
      '--queue',
      'target.type',
      `source ${source.name} writes to Kinesis directly and has no sink DLQ`,
      'use --queue enrichment',
    );
  }
  return { queueUrl: await findSourceQueue(sqs, source.name, kind), source, kind };
}

async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<{ visible: number; inFlight: number }> {
  const res = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    visible: Number(res.Attributes?.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(res.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}

/** `dlq inspect`: counts and summary without consuming. Exit 0. */
export async function dlqInspectCommand(
  ref: string,
  flags: DlqFlags,
  out: Output,
  aws: CliAwsClients,
): Promise<ExitCode> {
  const { queueUrl } = await resolveQueue(ref, flags, aws.sqs);
  const depth = await queueDepth(aws.sqs, queueUrl);
  const max = parseMax(flags.max, DEFAULT_INSPECT_MAX);
  const progress = startProgress(out, 'reading', Math.min(max, depth.visible));
  const messages = await receiveMessages(aws.sqs, queueUrl, max, DLQ_VISIBILITY_SECONDS, (n) =>
    progress.tick(n),
  );
  progress.stop();
  try {
    const s = summarize(queueUrl, messages);
    if (out.json) {
      out.result({ ...s, approximate: depth });
      return EXIT_CODES.ok;
    }
    const c = out.color;
    out.line(`${c.bold('dlq')} ${queueUrl}`);
    out.line(
      `  ${depth.visible} visible, ${depth.inFlight} in flight; looked at ${s.total} message(s) holding ${s.records} record(s)`,
    );
    if (s.total === 0) return EXIT_CODES.ok;
    out.line(c.bold('by reason'));
    for (const [code, n] of Object.entries(s.byReason).sort((a, b) => b[1] - a[1])) {
      out.line(`  ${String(n).padStart(6)}  ${code}  ${c.dim(`e.g. ${s.examples[code] ?? ''}`)}`);
    }
    out.line(c.bold('by topic/partition'));
    for (const p of s.partitions) {
      out.line(`  ${p.topic}-${p.partition}: ${p.count} record(s), offsets ${p.minOffset}..${p.maxOffset}`);
    }
    if (Object.keys(s.ruleVersions).length > 0) {
      out.line(
        `${c.bold('rule versions')} ${Object.entries(s.ruleVersions)
          .map(([v, n]) => `${v} (${n})`)
          .join(', ')}`,
      );
    }
    if (s.oldestFailedAt) out.line(`${c.bold('failed between')} ${s.oldestFailedAt} and ${s.newestFailedAt}`);
    if (s.truncated > 0)
      out.line(
        c.yellow(
          `${s.truncated} entr${s.truncated === 1 ? 'y has' : 'ies have'} a truncated value: dlq replay --from-kafka re-reads ${s.truncated === 1 ? 'it' : 'them'} from Kafka while retention keeps ${s.truncated === 1 ? 'it' : 'them'}`,
        ),
      );
    out.line(`next: kafka-pipes dlq replay ${ref} --queue ${parseKind(flags.queue)} --dry-run`);
    return EXIT_CODES.ok;
  } finally {
    await releaseMessages(aws.sqs, queueUrl, messages);
  }
}

/**
 * The Kafka reader of `--from-kafka`: connects with the source's own settings, built as `check` builds
 * them (brokers, TLS material, SASL secret, or the local material flags).
 */
async function fromKafkaReader(
  sourceRef: string | undefined,
  source: SourceConfig | undefined,
  flags: DlqReplayFlags,
  aws: CliAwsClients,
): Promise<KafkaRecordReader> {
  if (!sourceRef || !source) {
    throw usageError(
      '--from-kafka',
      'source',
      're-reading records from Kafka needs the source to connect to, and a queue URL names none',
      'pass the source name instead of the queue URL, or add --source <name>',
    );
  }
  if (source.auth.type === 'iam') {
    throw usageError(
      '--from-kafka',
      'auth.type',
      `source ${source.name} uses IAM authentication, which this CLI cannot use (kafkajs has no AWS_MSK_IAM mechanism)`,
      'replay without --from-kafka, and re-read the truncated records with a client that supports IAM',
    );
  }
  const plan = await planCheck(sourceRef, { ...flags, tls: 'auto' }, aws);
  return kafkaRecordReader({
    brokers: plan.brokers,
    clientId: 'kafka-pipes-dlq-replay',
    ...(plan.tls ? { tls: plan.tls } : {}),
    ...(plan.sasl ? { sasl: plan.sasl } : {}),
  });
}

/** `dlq replay`: exit 0 when every message was handled, 1 when some stay in the DLQ. */
export async function dlqReplayCommand(
  ref: string,
  flags: DlqReplayFlags,
  out: Output,
  aws: CliAwsClients,
): Promise<ExitCode> {
  const resolved = await resolveQueue(ref, flags, aws.sqs);
  const { queueUrl, kind } = resolved;
  const sourceRef = resolved.source ? ref : flags.source;
  const source =
    resolved.source ?? (flags.source ? resolveSource(flags.source, flags.sourcesDir).source : undefined);
  const max = parseMax(flags.max, 100);
  let rate: number | undefined;
  if (flags.rate !== undefined) {
    rate = Number(String(flags.rate).replace(/\/s$/, ''));
    if (!Number.isFinite(rate) || rate <= 0 || rate > 10_000) {
      throw usageError(
        '--rate',
        'rate',
        `must be a number of messages per second > 0, received ${flags.rate}`,
        'pass e.g. --rate 50',
      );
    }
  }
  const to = flags.to ?? (flags.function ? 'lambda' : 'kinesis');
  let target: ReplayTarget;
  if (to === 'lambda') {
    if (!flags.function)
      throw usageError(
        '--function',
        'function',
        '--to lambda needs the sink function',
        'pass --function <name or ARN> of the sink Lambda',
      );
    target = { type: 'lambda', functionName: flags.function, lambda: aws.lambda };
  } else if (to === 'kinesis') {
    const streamName =
      flags.stream ?? (source && flags.env ? streamPhysicalName(source, flags.env) : undefined);
    if (!streamName) {
      throw usageError(
        '--stream',
        'stream',
        'the target stream is not known',
        'pass --stream <name>, or a source name (with a queue URL: --source <name>) and --env <environment> (stream <streamName or name-events>-<env>)',
      );
    }
    target = { type: 'kinesis', streamName, port: createKinesisSink(aws.kinesis, streamName) };
  } else {
    throw usageError(
      '--to',
      'to',
      `must be kinesis or lambda, received ${to}`,
      'pass --to kinesis (write the stream) or --to lambda (re-invoke the sink)',
    );
  }
  let enrich: ReplayOptions['enrich'];
  if (kind === 'enrichment' || flags.rules) {
    const rulesFile = flags.rules ?? source?.rules;
    if (rulesFile) {
      const keyText = flags.partitionKey ?? source?.target.partitionKey ?? 'record-key';
      const partitionKey = parsePartitionKeySpec(keyText);
      if (!partitionKey)
        throw usageError(
          '--partition-key',
          'partitionKey',
          `"${keyText}" is not a partition key`,
          'use record-key, topic-partition or field:<path>',
        );
      enrich = { rules: await compileRulesFile(rulesFile, flags.hmacKey, aws), partitionKey };
    }
  }
  if (kind === 'enrichment' && !enrich) {
    throw usageError(
      '--rules',
      'rules',
      'replaying the enrichment DLQ re-runs the current rules, and none are known for a queue URL',
      'pass --rules <file> (and --partition-key), or the source name instead of the queue URL (or --source <name>)',
    );
  }
  const kafka = flags.fromKafka ? await fromKafkaReader(sourceRef, source, flags, aws) : undefined;
  const depth = await queueDepth(aws.sqs, queueUrl);
  const progress = startProgress(out, flags.dryRun ? 'dry run' : 'replay', Math.min(max, depth.visible));
  const summary = await replayDlq({
    sqs: aws.sqs,
    queueUrl,
    target,
    ...(enrich ? { enrich } : {}),
    ...(kafka ? { kafka } : {}),
    dryRun: flags.dryRun === true,
    max,
    ...(rate ? { ratePerSecond: rate } : {}),
    onMessage: () => progress.tick(),
  });
  progress.stop();
  const untouched = summary.problems.filter((p) => p.outcome === 'failed' || p.outcome === 'skipped').length;
  const requeued = summary.outcomes.requeued ?? 0;
  const left = untouched + requeued;
  if (out.json) {
    out.result({
      ...summary,
      target: target.type === 'kinesis' ? { stream: target.streamName } : { function: target.functionName },
      left,
    });
  } else {
    const c = out.color;
    out.line(
      `${c.bold(flags.dryRun ? 'dry run' : 'replay')} ${queueUrl} → ${target.type === 'kinesis' ? `stream ${target.streamName}` : `function ${target.functionName}`}`,
    );
    out.line(
      `  ${summary.messages} message(s): ${
        Object.entries(summary.outcomes)
          .map(([k, n]) => `${k} ${n}`)
          .join(', ') || 'none'
      }`,
    );
    if (!flags.dryRun)
      out.line(
        `  ${summary.recordsDelivered} record(s) delivered (eventIds unchanged: downstream can drop duplicates)`,
      );
    if (kafka) out.line(`  ${summary.readFromKafka} truncated entr(ies) re-read from Kafka`);
    for (const p of summary.problems.slice(0, 20))
      out.line(`  ${c.yellow(p.outcome)} ${p.messageId}: ${p.detail}`);
    if (summary.problems.length > 20)
      out.line(c.dim(`  … ${summary.problems.length - 20} more (--json for all)`));
    if (left > 0) {
      out.line(
        c.yellow(
          `${left} message(s) remain in the DLQ (${untouched} untouched, ${requeued} with a new reason)`,
        ),
      );
    }
  }
  return left > 0 ? EXIT_CODES.failed : EXIT_CODES.ok;
}
