/**
 * The local Pipe runner: runs one `engine: pipe` source with an EventBridge Pipe's semantics
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-kafka.html):
 *  - a member of the source's consumer group (kafkajs via core/kafka/group-member.ts), auto-commit off;
 *  - batches by batchSize / batchingWindowSeconds / 6 MB (devkit/local/pipe-batcher.ts);
 *  - filters on value (JSON) / key (devkit/local/filter-pattern.ts): filtered records are committed, not delivered;
 *  - the Pipe's flat-array Kafka event, built with buildPipeKafkaRecord;
 *  - the enrichment (the same function the enrichment Lambda handler calls, with a real SQS DLQ sink);
 *  - the target; any enrichment or target error retries the WHOLE batch, with backoff and without limit,
 *    and offsets are committed only after the target succeeded.
 * What AWS documents for Kafka sources
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-error-troubleshooting.html): target
 * errors are retried like internal errors, i.e. indefinitely until the record expires in the source, and a
 * failing target makes the Pipe back off; the Kafka source parameters have no DeadLetterConfig
 * (https://docs.aws.amazon.com/eventbridge/latest/pipes-reference/API_PipeSourceSelfManagedKafkaParameters.html).
 * Retrying only the failed part of a batch is documented for SQS, Kinesis and DynamoDB sources only
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-pipes-batching-concurrency.html), so the
 * whole-batch retry here, enrichment included, is an assumption (docs/local-run.md). Record expiry is not
 * modelled: a batch is retried until it succeeds or the runner stops.
 */
import type { KafkaConnection } from '../../core/kafka/client.js';
import type { GroupMember } from '../../core/kafka/group-member.js';
import { joinConsumerGroup } from '../../core/kafka/group-member.js';
import type { PartitionRecord } from '../../core/kafka/records.js';
import { buildPipeKafkaRecord, type CanonicalRecord, pipeInputOf } from '../../enrichment/index.js';
import { filterView, type PatternJson, passesFilters } from './filter-pattern.js';
import { PipeBatcher } from './pipe-batcher.js';
import type { LocalSourcePlan } from './plan.js';
import { expectedEventId } from './reconcile.js';

/** Counters of one source's engine (shared shape for both engines). */
export interface EngineStats {
  consumed: number;
  filtered: number;
  batches: number;
  /** Records sent to the enrichment DLQ (by the attempt that succeeded). */
  enrichmentDlq: number;
  ruleDropped: number;
  /** Records handed to the target (Kinesis: written; lambda: accepted by the async invoke). */
  delivered: number;
  /** Batch attempts that failed and were retried. */
  retries: number;
  lastError: string | null;
  /** Time spent in the enrichment / the target over all attempts (ms): where a batch's time goes. */
  enrichMs: number;
  targetMs: number;
  /** eventIds the rules dropped. */
  readonly ruleDroppedIds: string[];
}

/** Creates zeroed counters. */
export function emptyStats(): EngineStats {
  return {
    consumed: 0,
    filtered: 0,
    batches: 0,
    enrichmentDlq: 0,
    ruleDropped: 0,
    delivered: 0,
    retries: 0,
    lastError: null,
    enrichMs: 0,
    targetMs: 0,
    ruleDroppedIds: [],
  };
}

/** The enrichment as the runner calls it: event in, canonical records out, DLQ entries counted. */
export type EnrichFn = (event: unknown) => Promise<{ records: CanonicalRecord[]; dlqCount: number }>;

/** A Pipe target: throws when the batch was not accepted, in whole or in part (the runner then retries the batch). */
export interface PipeTarget {
  deliver(records: readonly CanonicalRecord[]): Promise<void>;
}

/** Dependencies of {@link startPipeRunner}. */
export interface PipeRunnerDeps {
  readonly plan: LocalSourcePlan;
  readonly connection: KafkaConnection;
  readonly enrich: EnrichFn;
  readonly target: PipeTarget;
  readonly stats: EngineStats;
  /** Delay before retry `attempt` (1-based); default 200 ms doubling to 5 s. */
  readonly retryDelayMs?: (attempt: number) => number;
}

/** A running Pipe runner. */
export interface PipeRunner {
  /** Records buffered and not yet committed. */
  inFlight(): number;
  /**
   * Stops. With `drain`, buffered records are processed first (bounded by the target succeeding);
   * without, the current batch is abandoned uncommitted (read again next time).
   */
  stop(opts?: { drain?: boolean }): Promise<void>;
  /** Rejects if the consumer crashed. */
  readonly crashed: Promise<never>;
}

const BUFFER_HIGH_RECORDS = 20_000;
const BUFFER_LOW_RECORDS = 5_000;

class StopRequested extends Error {}

/** The Pipe's enrichment, then its target, each timed into the stats (an empty event skips both). */
async function enrichAndDeliver(
  deps: PipeRunnerDeps,
  event: unknown[],
): Promise<{ records: CanonicalRecord[]; dlqCount: number }> {
  if (event.length === 0) return { records: [], dlqCount: 0 };
  const t0 = performance.now();
  let enriched: { records: CanonicalRecord[]; dlqCount: number };
  try {
    enriched = await deps.enrich(event);
  } finally {
    deps.stats.enrichMs += performance.now() - t0;
  }
  const t1 = performance.now();
  try {
    if (enriched.records.length > 0) await deps.target.deliver(enriched.records);
  } finally {
    deps.stats.targetMs += performance.now() - t1;
  }
  return enriched;
}

/**
 * One batch through the filters, the enrichment and the target; any error retries the WHOLE batch
 * (with backoff) until it succeeds or a stop without drain is requested.
 */
async function deliverWithRetries(
  deps: PipeRunnerDeps,
  batch: PartitionRecord[],
  ctl: { retryDelay: (attempt: number) => number; stopNow: () => boolean },
): Promise<void> {
  const { plan, stats } = deps;
  const filters = plan.source.filters as Record<string, PatternJson>[] | undefined;
  const passing = batch.filter((r) => passesFilters(filters, filterView(r.key, r.value)));
  const event = passing.map((r) => buildPipeKafkaRecord(pipeInputOf(r, plan)));
  for (let attempt = 1; ; attempt++) {
    try {
      const { records: out, dlqCount } = await enrichAndDeliver(deps, event);
      countBatch(stats, plan, { batch, passing, out, dlqCount });
      return;
    } catch (error) {
      stats.retries++;
      stats.lastError = `${(error as Error).name}: ${(error as Error).message}`;
      if (ctl.stopNow()) throw new StopRequested();
      await new Promise((r) => setTimeout(r, ctl.retryDelay(attempt)));
      if (ctl.stopNow()) throw new StopRequested();
    }
  }
}

/** Counts what became of a batch: filtered, in the DLQ, delivered, dropped by a rule (with their ids). */
function countBatch(
  stats: EngineStats,
  plan: PipeRunnerDeps['plan'],
  b: { batch: PartitionRecord[]; passing: PartitionRecord[]; out: CanonicalRecord[]; dlqCount: number },
): void {
  stats.filtered += b.batch.length - b.passing.length;
  stats.enrichmentDlq += b.dlqCount;
  stats.delivered += b.out.length;
  const dropped = b.passing.length - b.out.length - b.dlqCount;
  if (dropped > 0) {
    stats.ruleDropped += dropped;
    const kept = new Set(b.out.map((r) => r.eventId));
    // Without per-record DLQ ids here, drops are identified only when there were no DLQ entries.
    if (b.dlqCount === 0) {
      for (const r of b.passing) {
        const id = expectedEventId(
          { name: plan.source.name, topic: r.topic, eventSource: plan.eventSource, cluster: plan.cluster },
          r,
        );
        if (!kept.has(id)) stats.ruleDroppedIds.push(id);
      }
    }
  }
  stats.batches++;
}

/** Commits the offsets after the batch, per partition (10 attempts with the runner's backoff). */
async function commitBatch(
  member: GroupMember,
  batch: PartitionRecord[],
  retryDelay: (attempt: number) => number,
): Promise<void> {
  const next = new Map<number, bigint>();
  for (const r of batch) {
    const n = BigInt(r.offset) + 1n;
    if ((next.get(r.partition) ?? -1n) < n) next.set(r.partition, n);
  }
  for (let attempt = 1; ; attempt++) {
    try {
      await member.commit([...next].map(([partition, offset]) => ({ partition, offset: offset.toString() })));
      return;
    } catch (error) {
      if (attempt >= 10) throw error;
      await new Promise((r) => setTimeout(r, retryDelay(attempt)));
    }
  }
}

/** Starts the Pipe runner of one source; resolves once its consumer joined the group. */
export async function startPipeRunner(deps: PipeRunnerDeps): Promise<PipeRunner> {
  const { plan, stats } = deps;
  const source = plan.source;
  const batcher = new PipeBatcher<PartitionRecord>(
    { batchSize: source.batchSize, batchingWindowSeconds: source.batchingWindowSeconds },
    (r) => Math.ceil(((r.value?.length ?? 0) + (r.key?.length ?? 0)) * 1.34) + 200,
  );
  const retryDelay = deps.retryDelayMs ?? ((a: number) => Math.min(5_000, 200 * 2 ** (a - 1)));
  let paused = false;
  const state: { stopping: { drain: boolean } | null } = { stopping: null };
  let inBatch = 0;
  let wake: () => void = () => undefined;

  const member: GroupMember = await joinConsumerGroup(deps.connection, {
    groupId: source.consumerGroupId,
    topic: source.topic,
    startingPosition: source.startingPosition,
    onRecords(records) {
      const now = Date.now();
      for (const r of records) batcher.add(r, now);
      stats.consumed += records.length;
      if (!paused && batcher.size > BUFFER_HIGH_RECORDS) {
        paused = true;
        member.pause();
      }
      wake();
    },
  });

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(t);
        resolve();
      };
    });

  const processBatch = async (batch: PartitionRecord[]): Promise<void> => {
    const stopNow = () => state.stopping !== null && !state.stopping.drain;
    await deliverWithRetries(deps, batch, { retryDelay, stopNow });
    await commitBatch(member, batch, retryDelay);
  };

  const loop = (async () => {
    for (;;) {
      if (state.stopping && (!state.stopping.drain || batcher.size === 0)) return;
      const now = Date.now();
      const batch = batcher.take(now, state.stopping?.drain === true);
      if (!batch) {
        const deadline = batcher.deadlineMs();
        await sleep(deadline === null ? 250 : Math.max(1, Math.min(250, deadline - now)));
        continue;
      }
      inBatch = batch.length;
      try {
        await processBatch(batch);
      } catch (error) {
        if (error instanceof StopRequested) return;
        throw error;
      } finally {
        inBatch = 0;
      }
      if (paused && batcher.size < BUFFER_LOW_RECORDS) {
        paused = false;
        member.resume();
      }
    }
  })();

  return {
    inFlight: () => batcher.size + inBatch,
    async stop(opts = {}) {
      state.stopping = { drain: opts.drain === true };
      wake();
      await loop.catch(() => undefined);
      await member.stop();
    },
    crashed: Promise.race([member.crashed, loop.then(() => new Promise<never>(() => undefined))]),
  };
}
