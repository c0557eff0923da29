/**
 * The messages of a source's two DLQs, parsed and summarized (pure: no SQS here, cli/dlq/queue.ts
 * receives them):
 *
 * - the ENRICHMENT DLQ: one `enrichment-dlq/v1` DlqEntry per bad record (raw key/value kept);
 * - the SINK (target) DLQ of FIRE_AND_FORGET sources: Lambda async failures. With an on-failure destination
 *   the body is an invocation record `{requestContext, requestPayload, responsePayload}`; with a classic
 *   DeadLetterConfig the body is the original event and the error is in message attributes. Both are read.
 */
import type { Message } from '@aws-sdk/client-sqs';
import { DLQ_SCHEMA, type DlqEntry, reasonCode } from '../../enrichment/index.js';

/** The two DLQs of a source. */
export const DLQ_KINDS = { enrichment: 'enrichment', sink: 'sink' } as const;
/** Which DLQ: enrichment or sink. */
export type DlqKind = (typeof DLQ_KINDS)[keyof typeof DLQ_KINDS];

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

/** Adds one to `counts[key]`. */
function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

/** Offset ranges per topic-partition; offsets compared as big integers. */
class PartitionRanges {
  private readonly parts = new Map<
    string,
    { topic: string; partition: number; count: number; min: bigint; max: bigint }
  >();
  /** Records seen (offsets that are not integers count here but in no range). */
  records = 0;

  add(topic: string, partition: number, offset: string): void {
    this.records++;
    let o: bigint;
    try {
      o = BigInt(offset);
    } catch {
      return;
    }
    const key = `${topic}\u0000${partition}`;
    const p = this.parts.get(key);
    if (!p) this.parts.set(key, { topic, partition, count: 1, min: o, max: o });
    else {
      p.count++;
      if (o < p.min) p.min = o;
      if (o > p.max) p.max = o;
    }
  }

  summaries(): PartitionSummary[] {
    return [...this.parts.values()]
      .sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition)
      .map((p) => ({
        topic: p.topic,
        partition: p.partition,
        count: p.count,
        minOffset: p.min.toString(),
        maxOffset: p.max.toString(),
      }));
  }
}

/** Summarizes messages by reason, topic/partition and offset range (pure). */
export function summarize(queueUrl: string, messages: readonly DlqMessage[]): DlqSummary {
  const s = {
    byKind: {} as Record<string, number>,
    byReason: {} as Record<string, number>,
    examples: {} as Record<string, string>,
    ruleVersions: {} as Record<string, number>,
    truncated: 0,
    oldest: null as string | null,
    newest: null as string | null,
  };
  const ranges = new PartitionRanges();
  for (const { parsed: p } of messages) {
    bump(s.byKind, p.kind);
    const code = reasonOf(p);
    bump(s.byReason, code);
    s.examples[code] ??= p.kind === 'enrichment' ? p.entry.reason : p.reason;
    if (p.kind === 'sink') for (const r of p.records) ranges.add(r.topic, r.partition, r.offset);
    if (p.kind !== 'enrichment') continue;
    const e = p.entry;
    ranges.add(e.topic, e.partition, e.offset);
    bump(s.ruleVersions, e.ruleVersion);
    if (e.valueTruncated) s.truncated++;
    if (!s.oldest || e.failedAt < s.oldest) s.oldest = e.failedAt;
    if (!s.newest || e.failedAt > s.newest) s.newest = e.failedAt;
  }
  return {
    queueUrl,
    total: messages.length,
    byKind: s.byKind,
    byReason: s.byReason,
    partitions: ranges.summaries(),
    ruleVersions: s.ruleVersions,
    truncated: s.truncated,
    records: ranges.records,
    oldestFailedAt: s.oldest,
    newestFailedAt: s.newest,
    examples: s.examples,
  };
}
