/**
 * Reconciliation of a local run (pure): what was produced against what reached each source's Kinesis
 * stream, its DLQs and its filters; latency percentiles; and the engine-parity check that both engines
 * wrote the same canonical bytes for the same Kafka records.
 */
import { eventIdOf, normalizeCluster } from '../../enrichment/index.js';

/** A produced record as the reconciliation needs it (no payload). */
export interface ProducedRef {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** Kafka record timestamp (CreateTime set at produce), epoch ms. */
  readonly timestampMs: number;
  readonly kind: string;
  /** Names of the pipe sources whose filters drop this record. */
  readonly filteredBy: readonly string[];
}

/** What a source is, for reconciliation. */
export interface SourceIdentity {
  readonly name: string;
  readonly topic: string;
  readonly eventSource: 'SelfManagedKafka' | 'aws:kafka';
  readonly cluster: string;
}

/** What was observed for a source. */
export interface SourceObservation {
  /** eventIds read back from the source's stream (records whose `source` is this source), with repeats. */
  readonly delivered: readonly string[];
  /** eventIds in the enrichment DLQ. */
  readonly enrichmentDlq: readonly string[];
  /** eventIds inside target-DLQ invocation records. */
  readonly targetDlq: readonly string[];
  /** eventIds the rules dropped (when known individually). */
  readonly ruleDroppedIds: readonly string[];
  /** Records the rules dropped according to the engine's counters. */
  readonly ruleDroppedCount: number;
}

/** The reconciliation of one source. */
export interface SourceReconciliation {
  readonly source: string;
  readonly produced: number;
  readonly filtered: number;
  readonly delivered: number;
  readonly enrichmentDlq: number;
  readonly targetDlq: number;
  readonly ruleDropped: number;
  /** Expected eventIds found nowhere (must be 0). */
  readonly missing: number;
  /** eventIds written to the stream more than once (extra copies). */
  readonly duplicates: number;
  /** eventIds seen for this source that were not produced by this run. */
  readonly unexpected: number;
  /** Records that filters should have dropped but that were delivered. */
  readonly deliveredDespiteFilter: number;
  /** Up to 5 missing eventIds, for investigation. */
  readonly missingSample: readonly string[];
}

/** The eventId a source's engine gives a produced record. */
export function expectedEventId(
  source: SourceIdentity,
  r: Pick<ProducedRef, 'topic' | 'partition' | 'offset'>,
): string {
  return eventIdOf(normalizeCluster(source.eventSource, source.cluster), r.topic, r.partition, r.offset);
}

/**
 * Reconciles one source: every produced record of its topic must be filtered, delivered, in a DLQ or
 * dropped by a rule. Duplicates count extra stream copies of an eventId.
 */
export function reconcileSource(
  source: SourceIdentity,
  produced: readonly ProducedRef[],
  seen: SourceObservation,
): SourceReconciliation {
  const delivered = new Map<string, number>();
  for (const id of seen.delivered) delivered.set(id, (delivered.get(id) ?? 0) + 1);
  const dlq = new Set(seen.enrichmentDlq);
  const targetDlq = new Set(seen.targetDlq);
  const dropped = new Set(seen.ruleDroppedIds);
  const expected = new Set<string>();
  const missing: string[] = [];
  let filtered = 0;
  let count = 0;
  let deliveredDespiteFilter = 0;
  let unaccountedDrops = Math.max(0, seen.ruleDroppedCount - dropped.size);
  for (const r of produced) {
    if (r.topic !== source.topic) continue;
    count++;
    const id = expectedEventId(source, r);
    expected.add(id);
    if (r.filteredBy.includes(source.name)) {
      filtered++;
      if (delivered.has(id)) deliveredDespiteFilter++;
      continue;
    }
    if (delivered.has(id) || dlq.has(id) || targetDlq.has(id) || dropped.has(id)) continue;
    if (unaccountedDrops > 0) {
      unaccountedDrops--;
      continue;
    }
    missing.push(id);
  }
  let duplicates = 0;
  let unexpected = 0;
  for (const [id, n] of delivered) {
    if (n > 1) duplicates += n - 1;
    if (!expected.has(id)) unexpected++;
  }
  return {
    source: source.name,
    produced: count,
    filtered,
    delivered: delivered.size,
    enrichmentDlq: dlq.size,
    targetDlq: targetDlq.size,
    ruleDropped: seen.ruleDroppedCount,
    missing: missing.length,
    duplicates,
    unexpected,
    deliveredDespiteFilter,
    missingSample: missing.slice(0, 5),
  };
}

/** Latency percentiles in ms. */
export interface LatencySummary {
  readonly count: number;
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

/**
 * Nearest-rank percentiles of `samples` (ms).
 * @example latencySummary([1, 2, 3, 4]) // { count: 4, p50: 2, p95: 4, p99: 4, max: 4 }
 */
export function latencySummary(samples: readonly number[]): LatencySummary {
  if (samples.length === 0) return { count: 0, p50: null, p95: null, p99: null, max: null };
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] as number;
  return {
    count: sorted.length,
    p50: at(50),
    p95: at(95),
    p99: at(99),
    max: sorted[sorted.length - 1] as number,
  };
}

/** Fields removed before comparing two engines' records: they name the source or derive from its cluster. */
export const PARITY_REMOVED_FIELDS = ['eventId', 'source', 'kafka.cluster'] as const;

/** Result of comparing a pipe source and a poller source over the same Kafka records. */
export interface ParityResult {
  readonly pipeSource: string;
  readonly pollerSource: string;
  readonly topic: string;
  /** Fields removed before the byte comparison. */
  readonly removedFields: readonly string[];
  /** Records present in both streams (same topic, partition, offset). */
  readonly compared: number;
  readonly identical: number;
  readonly different: number;
  /** Coordinates and first differing text offset of the first difference, if any. */
  readonly firstDifference: string | null;
}

function strip(json: string, fields: readonly string[]): string {
  const o = JSON.parse(json) as Record<string, unknown>;
  for (const f of fields) {
    const path = f.split('.');
    let cur: Record<string, unknown> | undefined = o;
    for (const seg of path.slice(0, -1)) cur = cur?.[seg] as Record<string, unknown> | undefined;
    if (cur) delete cur[path[path.length - 1] as string];
  }
  return JSON.stringify(o);
}

/**
 * Compares the canonical bytes two engines wrote for the same Kafka records. Records are matched by
 * `kafka.topic/partition/offset`; `removedFields` (eventId, source, kafka.cluster, plus partitionKey or
 * ruleVersion only when the two sources configure them differently) are deleted and the remaining
 * JSON texts must be byte-identical.
 */
export function compareEngines(
  pipe: { name: string; records: readonly string[] },
  poller: { name: string; records: readonly string[] },
  topic: string,
  removedFields: readonly string[],
): ParityResult {
  const coords = (json: string) => {
    const k = (JSON.parse(json) as { kafka: { topic: string; partition: number; offset: string } }).kafka;
    return `${k.topic}/${k.partition}/${k.offset}`;
  };
  const pollerBy = new Map<string, string>();
  for (const r of poller.records) pollerBy.set(coords(r), r);
  let compared = 0;
  let identical = 0;
  let firstDifference: string | null = null;
  for (const r of pipe.records) {
    const c = coords(r);
    const other = pollerBy.get(c);
    if (other === undefined) continue;
    compared++;
    const a = strip(r, removedFields);
    const b = strip(other, removedFields);
    if (a === b) {
      identical++;
    } else if (firstDifference === null) {
      let i = 0;
      while (i < a.length && a[i] === b[i]) i++;
      firstDifference = `${c} at char ${i}: pipe …${a.slice(Math.max(0, i - 20), i + 40)}… poller …${b.slice(Math.max(0, i - 20), i + 40)}…`;
    }
  }
  return {
    pipeSource: pipe.name,
    pollerSource: poller.name,
    topic,
    removedFields,
    compared,
    identical,
    different: compared - identical,
    firstDifference,
  };
}
