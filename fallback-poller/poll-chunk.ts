/**
 * One chunk of a partition poll (fallback-poller/poll-partition.ts): enrich it, send its poison records
 * to the DLQ while its canonical records are delivered to Kinesis, commit what Kinesis acknowledged.
 */

import type { ReaderStats } from '../core/kafka/partition-session.js';
import type { StartDecision } from '../core/kafka/start-offset.js';
import { deliverEntries, type SinkEntry } from '../core/kinesis-delivery.js';
import type { SerializedEnrichOutcome } from '../enrichment/enrich-batch.js';
import { enrichKafkaRecords, prepareKafkaRecords } from '../enrichment/enrich-kafka-records.js';
import { InvalidEventError } from '../enrichment/errors.js';
import { type PipeKafkaRecordInput, pipeInputOf } from '../enrichment/pipe-record.js';
import { FINISH_RESERVE_MS, KINESIS_MAX_ATTEMPTS } from './constants.js';
import type { PollInput, PollSettings } from './poll-partition.js';
import type { PartitionRecord, PartitionSession, PollPorts } from './ports.js';

/** Why a poll stopped reading. */
export const STOP_REASON = {
  caughtUp: 'caught-up',
  batchLimit: 'batch-limit',
  timeBudget: 'time-budget',
  kinesisFailed: 'kinesis-retries-exhausted',
  dlqFailed: 'dlq-failed',
  lockLost: 'lock-lost',
  lockRenewFailed: 'lock-renew-failed',
  offsetOutOfRange: 'offset-out-of-range',
  commitFailed: 'commit-failed',
  readerFailed: 'reader-failed',
} as const;
/** One of {@link STOP_REASON}. */
export type StopReason = (typeof STOP_REASON)[keyof typeof STOP_REASON];

/** A partition input as the state machine sends it. */
export type PartitionInput = Extract<PollInput, { kafka_partition: number }>;

/** One partition poll: its settings, ports, lock and limits (defaults applied). */
export interface PartitionJob {
  readonly settings: PollSettings;
  readonly ports: PollPorts;
  readonly input: PartitionInput;
  readonly lock: { readonly key: string; readonly owner: string; readonly ttlSeconds: number };
  readonly maxRecords: number;
  readonly chunkRecords: number;
  readonly idleWaitMs: number;
  readonly safetyMarginMs: number;
  /** When the read stops (epoch ms by the ports' clock): the execution's time budget; infinite without one. */
  readonly readUntilMs: number;
  /** Log context. */
  readonly ctx: { source: string; topic: string; partition: number; iteration?: number };
}

/** What a poll has done so far (filled in step by step). */
export interface PollProgress {
  readonly counts: {
    read: number;
    delivered: number;
    dlq: number;
    dropped: number;
    committed: number;
    failed: number;
  };
  firstCommitted: string | null;
  lastCommitted: string | null;
  committedOffset: string | null;
  lag: string | null;
  stopReason: StopReason;
  detail: string;
  readerStats: ReaderStats | null;
  /** Where the read started when that was not the committed offset (a reset), else null. */
  reset: StartDecision | null;
  /** The last chunk's commit, still running while the next chunk is enriched: true once committed. */
  committing: Promise<boolean>;
}

/** A poll that has done nothing yet. */
export function newProgress(): PollProgress {
  return {
    counts: { read: 0, delivered: 0, dlq: 0, dropped: 0, committed: 0, failed: 0 },
    firstCommitted: null,
    lastCommitted: null,
    committedOffset: null,
    lag: null,
    stopReason: STOP_REASON.caughtUp,
    detail: '',
    readerStats: null,
    reset: null,
    committing: Promise.resolve(true),
  };
}

/** The reasons that end a poll without a fault; a fault recorded first (a commit in flight) is kept. */
const LIMITS: ReadonlySet<StopReason> = new Set([
  STOP_REASON.caughtUp,
  STOP_REASON.batchLimit,
  STOP_REASON.timeBudget,
]);

/** Records why the poll stops reading (a limit never replaces a fault already recorded). */
export function stop(progress: PollProgress, reason: StopReason, detail?: string): null {
  if (LIMITS.has(reason) && !LIMITS.has(progress.stopReason)) return null;
  progress.stopReason = reason;
  if (detail !== undefined) progress.detail = detail;
  return null;
}

/**
 * One chunk: enrich (while the previous chunk's commit is in flight), poison records to the DLQ while the
 * canonical records go to the target (Kinesis or Firehose) and the lock is renewed; once the previous
 * commit succeeded, start this chunk's commit of what was acknowledged (commits stay in chunk order; the
 * poll awaits the last one). Returns false when the poll must stop (something in the chunk, or the
 * previous commit, failed).
 */
export async function pollChunk(
  job: PartitionJob,
  session: PartitionSession,
  records: PartitionRecord[],
  progress: PollProgress,
): Promise<boolean> {
  progress.counts.read += records.length;
  const outcome = await processChunk(records, job.settings, job.ports.sink.limits?.maxRecordBytes);
  progress.counts.dropped += outcome.dropped;
  const renewal = startRenewal(job);
  const [dlqFailure, delivered] = await Promise.all([
    sendPoisonRecords(job, outcome.dlq),
    deliverChunk(job, records, outcome, progress),
    renewal.result,
  ]);
  if (!(await progress.committing)) {
    // The previous chunk could not be committed (its commit said why): nothing after it is committed.
    if (dlqFailure === null) progress.counts.dlq += outcome.dlq.length;
    progress.counts.failed += records.length;
    return false;
  }
  if (dlqFailure !== null) {
    // The poison records are not safe: nothing of the chunk is committed, all of it is read again.
    stop(progress, STOP_REASON.dlqFailed, dlqFailure);
    progress.counts.failed += records.length;
    return false;
  }
  progress.counts.dlq += outcome.dlq.length;
  const acknowledged = chunkFailure(progress, records, delivered);
  progress.committing = commitAcknowledged(job, session, acknowledged, progress, renewal);
  return acknowledged.length === records.length;
}

/**
 * 1. Poison records to the DLQ, at the same time as the delivery: they count as processed only once the
 * DLQ has them (no commit before). Returns null when sent, else what failed.
 */
async function sendPoisonRecords(job: PartitionJob, dlq: readonly unknown[]): Promise<string | null> {
  if (dlq.length === 0) return null;
  try {
    await withinDeadline(
      job.ports.dlq.send(dlq),
      job.ports.remainingTimeMs() - FINISH_RESERVE_MS,
      'DLQ send',
    );
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * Rejects when `work` has not settled within `ms` (the poll's time budget); the call itself ends later by its
 * client's own timeouts (aws-clients.ts), and a late success only duplicates DLQ entries.
 */
async function withinDeadline<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: delivery deadline reached`)), Math.max(0, ms));
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** What the delivery of a chunk achieved: the records before the first unacknowledged one, and why. */
interface ChunkDelivery {
  readonly acknowledged: PartitionRecord[];
  readonly failure: string | null;
}

/**
 * 2. Canonical records to the target (Kinesis or Firehose) with per-entry retries. Returns the records before the first one
 * with an unacknowledged entry (all of them when every entry was acknowledged).
 */
async function deliverChunk(
  job: PartitionJob,
  records: PartitionRecord[],
  outcome: ChunkOutcome,
  progress: PollProgress,
): Promise<ChunkDelivery> {
  const delivery = await deliverEntries(outcome.entries, job.ports.sink, {
    maxAttempts: job.settings.kinesisMaxAttempts ?? KINESIS_MAX_ATTEMPTS,
    backoff: job.settings.backoff,
    sleep: job.ports.clock.sleep,
    random: job.ports.random,
    // A hung Kinesis endpoint must not hold the poll past the Lambda timeout: what is left ends the poll.
    timeLeftMs: () => job.ports.remainingTimeMs() - FINISH_RESERVE_MS,
  });
  progress.counts.delivered += delivery.acknowledged;
  const firstFailed = delivery.failed.reduce<bigint | null>((min, i) => {
    const o = BigInt(outcome.offsets[i] as string);
    return min === null || o < min ? o : min;
  }, null);
  if (firstFailed === null) return { acknowledged: records, failure: null };
  return {
    acknowledged: records.filter((r) => BigInt(r.offset) < firstFailed),
    failure: `${delivery.failed.length} entries still failing after retries: ${delivery.lastError ?? 'unknown'}`,
  };
}

/** Records a delivery failure (stop reason, failed count); returns the records that may be committed. */
function chunkFailure(
  progress: PollProgress,
  records: PartitionRecord[],
  { acknowledged, failure }: ChunkDelivery,
): PartitionRecord[] {
  if (failure === null) return acknowledged;
  stop(progress, STOP_REASON.kinesisFailed, failure);
  progress.counts.failed += records.length - acknowledged.length;
  return acknowledged;
}

/** A lock renewal sent at `at` (by the ports' clock): true renewed, false lost, an Error when the table failed. */
interface Renewal {
  readonly at: number;
  readonly result: Promise<boolean | Error>;
}

/** Renews the lock now (it runs while the chunk is delivered); never rejects. */
function startRenewal(job: PartitionJob): Renewal {
  const at = job.ports.clock.nowMs();
  const result = job.ports.lock.renew({ ...job.lock, nowMs: at }).catch((error: unknown) => error as Error);
  return { at, result };
}

/**
 * The renewal a commit relies on: the one sent with the chunk while it is younger than half the lock's
 * lifetime (the lock is ours for at least as long again), else a new one sent now.
 */
function renewalForCommit(job: PartitionJob, renewal: Renewal): Promise<boolean | Error> {
  const age = job.ports.clock.nowMs() - renewal.at;
  return age <= (job.lock.ttlSeconds * 1000) / 2 ? renewal.result : startRenewal(job).result;
}

/**
 * 3. Commit up to (not including) the first record with an unacknowledged entry, after a conditional
 * lock renewal: a reader that lost its lock never commits. Returns false when it could not commit.
 */
async function commitAcknowledged(
  job: PartitionJob,
  session: PartitionSession,
  acknowledged: PartitionRecord[],
  progress: PollProgress,
  renewal: Renewal,
): Promise<boolean> {
  const last = acknowledged.at(-1);
  if (!last) return true;
  const renewed = await renewalForCommit(job, renewal);
  if (renewed instanceof Error) {
    // The lock table failed: ownership is unproven, so nothing is committed; the records are read again.
    stop(progress, STOP_REASON.lockRenewFailed, `lock renew before commit failed: ${renewed.message}`);
    progress.counts.failed += acknowledged.length;
    return false;
  }
  if (!renewed) {
    job.ports.logger.warn('lock lost before commit', { ...job.ctx, offset: last.offset });
    stop(
      progress,
      STOP_REASON.lockLost,
      `lock ${job.lock.key} was taken over; offsets from ${acknowledged[0]?.offset} not committed (they will be read again)`,
    );
    progress.counts.failed += acknowledged.length;
    return false;
  }
  const next = (BigInt(last.offset) + 1n).toString();
  try {
    await session.commit(next);
  } catch (error) {
    stop(progress, STOP_REASON.commitFailed, (error as Error).message);
    progress.counts.failed += acknowledged.length;
    return false;
  }
  progress.counts.committed += acknowledged.length;
  progress.firstCommitted ??= acknowledged[0]?.offset ?? null;
  progress.lastCommitted = last.offset;
  progress.committedOffset = next;
  return true;
}

/**
 * Records enriched between two yields to the event loop. Enrichment is synchronous CPU work; yielding
 * every few milliseconds lets the reader's background fetch loops handle a fetch response that arrived
 * meanwhile and send the next Fetch at once, so the broker keeps streaming while records are enriched.
 * With one fetch in flight, 25 records (≈ 1.5 ms of enrichment) drained ≈ 8% faster than 100 in the
 * poller bench; larger chunks changed nothing measurable.
 */
const ENRICH_SLICE_RECORDS = 25;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** What the enrichment made of one chunk. */
interface ChunkOutcome {
  /** Kinesis entries, with the Kafka offset of each in `offsets`. */
  readonly entries: SinkEntry[];
  readonly offsets: string[];
  /** DLQ entries of the poison records. */
  readonly dlq: unknown[];
  /** Records the rules dropped. */
  readonly dropped: number;
}

/**
 * Enrichment of one chunk: delivery entries (with the Kafka offset of each), DLQ entries, dropped count.
 * A record over `maxRecordBytes` (the delivery port's record limit) goes to the DLQ as `oversize-record`.
 */
async function processChunk(
  records: readonly PartitionRecord[],
  settings: PollSettings,
  maxRecordBytes: number | undefined,
): Promise<ChunkOutcome> {
  const ctx = {
    rules: settings.rules,
    sourceName: settings.sourceName,
    partitionKey: settings.partitionKey,
    ...(settings.formats ? { formats: settings.formats } : {}),
    // The 6 MB budget models the Pipe's synchronous enrichment response; the poller has no such
    // response (it writes batch calls within the port's limits itself), so records are never DLQ'd for it.
    outputLimitBytes: Number.MAX_SAFE_INTEGER,
    ...(maxRecordBytes !== undefined
      ? { target: { maxRecords: Number.MAX_SAFE_INTEGER, maxRecordBytes } }
      : {}),
  };
  const entries: SinkEntry[] = [];
  const offsets: string[] = [];
  const dlq: unknown[] = [];
  let dropped = 0;
  // Records are enriched independently of each other (no output budget here), so slices give exactly
  // the records, DLQ entries and order one enrichment of the whole chunk gives.
  // The Pipe form of these records is what enrichBatch would get (buildPipeKafkaRecord); the direct
  // path skips its base64 round trip and keeps the serialized bytes the enrichment produced.
  const inputs: PipeKafkaRecordInput[] = records.map((r) => pipeInputOf(r, settings));
  await prepareKafkaRecords(inputs, ctx);
  for (let start = 0; start < inputs.length; start += ENRICH_SLICE_RECORDS) {
    if (start > 0) await yieldToEventLoop();
    let outcome: SerializedEnrichOutcome;
    try {
      outcome = enrichKafkaRecords(inputs.slice(start, start + ENRICH_SLICE_RECORDS), ctx);
    } catch (error) {
      // A malformed event is reported for the whole chunk, with the record indexes of the whole chunk.
      if (error instanceof InvalidEventError) enrichKafkaRecords(inputs, ctx);
      throw error;
    }
    outcome.records.forEach((c, i) => {
      entries.push({
        partitionKey: c.partitionKey,
        data: Buffer.from(outcome.serialized[i] as string, 'utf8'),
      });
      offsets.push(c.kafka.offset);
    });
    dlq.push(...outcome.dlq);
    dropped += outcome.dropped;
  }
  return { entries, offsets, dlq, dropped };
}
