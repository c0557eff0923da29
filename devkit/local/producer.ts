/**
 * The producer of a local run: writes each topic's record source (devkit/local/records.ts) at a steady rate to
 * explicit partitions (round robin, or in the proportions of `partitionWeights`), stamps each record's CreateTime at send, and keeps a payload-free
 * reference of every record (topic, partition, offset, timestamp, kind, which pipe filters drop it) for
 * the reconciliation.
 */
import type { LongLivedProducer, PartitionedMessage } from '../testbed/kafka.js';
import { filterView, type PatternJson, passesFilters } from './filter-pattern.js';
import type { ProducedRef } from './reconcile.js';
import { createRecordSource, type LocalRecord } from './records.js';
import type { ValueEncoder } from './registry-values.js';

/** A pipe source's filters, to precompute which records it drops. */
export interface FilterOwner {
  readonly name: string;
  readonly filters: readonly Record<string, PatternJson>[] | undefined;
}

/** Settings of {@link startProducer}. */
export interface ProducerSettings {
  readonly producer: LongLivedProducer;
  /** Topic → partitions. */
  readonly topics: ReadonlyMap<string, number>;
  /** Records per topic (when `durationSeconds` is null). */
  readonly records: number;
  readonly durationSeconds: number | null;
  readonly ratePerSecond: number;
  readonly seed: string;
  readonly poisonShare: number;
  /** Relative share of records per partition (index = partition); null = round robin. */
  readonly partitionWeights?: readonly number[] | null;
  /** Pipe sources by topic. */
  readonly filtersByTopic: ReadonlyMap<string, readonly FilterOwner[]>;
  /** How the events of registry-framed topics are written (others: JSON). */
  readonly encoders?: ReadonlyMap<string, ValueEncoder>;
}

/** A running producer. */
export interface ProducerRun {
  readonly produced: ProducedRef[];
  /** Produced per topic. */
  readonly byTopic: Map<string, number>;
  /** Resolves when every topic has produced its share (or the duration elapsed, or stop()). */
  readonly done: Promise<void>;
  stop(): void;
  readonly startedAtMs: number;
  finishedAtMs: number | null;
}

const TICK_MS = 100;
const MAX_SEND_RECORDS = 500;

/** Starts producing to every topic in parallel. */
export function startProducer(s: ProducerSettings): ProducerRun {
  const produced: ProducedRef[] = [];
  const byTopic = new Map<string, number>();
  let stopped = false;
  const startedAtMs = Date.now();
  const run: ProducerRun = {
    produced,
    byTopic,
    startedAtMs,
    finishedAtMs: null,
    stop: () => {
      stopped = true;
    },
    done: Promise.resolve(),
  };

  async function produceTopic(topic: string, partitions: number): Promise<void> {
    const cycle = partitionCycle(s.partitionWeights ?? null, partitions, topic);
    const encoder = s.encoders?.get(topic);
    const source = createRecordSource({
      seed: s.seed,
      topic,
      poisonShare: s.poisonShare,
      ...(encoder ? { encoder } : {}),
    });
    const owners = s.filtersByTopic.get(topic) ?? [];
    const endAt =
      s.durationSeconds === null ? Number.POSITIVE_INFINITY : startedAtMs + s.durationSeconds * 1000;
    let sent = 0;
    for (;;) {
      const now = Date.now();
      if (stopped || now >= endAt || (s.durationSeconds === null && sent >= s.records)) return;
      const due = Math.floor(((now - startedAtMs) / 1000) * s.ratePerSecond) + 1;
      const cap = s.durationSeconds === null ? s.records : Number.POSITIVE_INFINITY;
      const n = Math.min(MAX_SEND_RECORDS, Math.min(due, cap) - sent);
      if (n <= 0) {
        await new Promise((r) => setTimeout(r, TICK_MS));
        continue;
      }
      const batch: LocalRecord[] = Array.from({ length: n }, () => source.next());
      const timestamp = String(Date.now());
      const messages: PartitionedMessage[] = batch.map((r) => ({
        key: r.key,
        value: r.value,
        headers: r.headers,
        partition: cycle[r.seq % cycle.length] as number,
        timestamp,
      }));
      const where = await s.producer.send(topic, messages);
      batch.forEach((r, i) => {
        const w = where[i] as { partition: number; offset: string };
        const view = owners.length > 0 ? filterView(r.key, r.value) : {};
        produced.push({
          topic,
          partition: w.partition,
          offset: w.offset,
          timestampMs: Number(timestamp),
          kind: r.kind,
          filteredBy: owners.filter((o) => !passesFilters(o.filters, view)).map((o) => o.name),
        });
      });
      sent += n;
      byTopic.set(topic, sent);
    }
  }

  (run as { done: Promise<void> }).done = Promise.all([...s.topics].map(([t, p]) => produceTopic(t, p))).then(
    () => {
      run.finishedAtMs = Date.now();
    },
  );
  return run;
}

/**
 * The partitions records go to, in order, one cycle long: each partition as often as its weight, spread
 * evenly (smooth weighted round robin); without weights every partition once.
 *
 * @example partitionCycle([2, 1], 2, 't') // [0, 1, 0]
 */
export function partitionCycle(
  weights: readonly number[] | null,
  partitions: number,
  topic: string,
): number[] {
  if (weights === null) return Array.from({ length: partitions }, (_, i) => i);
  const w = Array.from({ length: partitions }, (_, i) => weights[i] ?? 0);
  const total = w.reduce((a, b) => a + b, 0);
  if (total === 0) {
    throw new Error(`--partition-weights gives no weight to any of the ${partitions} partitions of ${topic}`);
  }
  const current = w.map(() => 0);
  return Array.from({ length: total }, () => {
    w.forEach((weight, i) => {
      current[i] = (current[i] as number) + weight;
    });
    const pick = current.indexOf(Math.max(...current));
    current[pick] = (current[pick] as number) - total;
    return pick;
  });
}
