import { randomUUID } from 'node:crypto';
import { NonRetriableError } from '../core/errors.js';
import type { ReaderStats } from '../core/kafka/partition-session.js';
import type { StartingPosition } from '../core/kafka/records.js';
import { type BackoffOptions, deliverEntries, type SinkEntry } from '../core/kinesis-delivery.js';
import {
  type CompiledRules,
  enrichKafkaRecords,
  InvalidEventError,
  type PartitionKeySpec,
  type PipeKafkaRecordInput,
  pipeInputOf,
  type SerializedEnrichOutcome,
} from '../enrichment/index.js';
import {
  CHUNK_RECORDS,
  IDLE_WAIT_MS,
  KINESIS_MAX_ATTEMPTS,
  LOCK_TTL_SECONDS,
  MAX_RECORDS_PER_INVOCATION,
  POLL_STATUS,
  SAFETY_MARGIN_MS,
} from './constants.js';
import { lockKey } from './lock.js';
import type { PartitionRecord, PollPorts } from './ports.js';

/** Input of one poll, as the state machine sends it (seed 000 shape plus optional source). */
export type PollInput =
  | { readonly kafka_partition: number; readonly iteration?: number; readonly source?: string }
  | { readonly type: 'health' }
  | { readonly type: 'describe'; readonly source?: string };

/** Settings of a source's poller (resolved from the source file by the construct). */
export interface PollSettings {
  readonly sourceName: string;
  readonly topic: string;
  readonly groupId: string;
  readonly startingPosition: StartingPosition;
  /** `SelfManagedKafka` or `aws:kafka`, as a Pipe would report it. */
  readonly eventSource: 'SelfManagedKafka' | 'aws:kafka';
  /** Bootstrap servers (comma separated) or the MSK cluster ARN, as a Pipe would report it. */
  readonly cluster: string;
  readonly rules: CompiledRules;
  readonly partitionKey: PartitionKeySpec;
  readonly maxRecordsPerInvocation?: number;
  readonly chunkRecords?: number;
  readonly idleWaitMs?: number;
  readonly safetyMarginMs?: number;
  readonly lockTtlSeconds?: number;
  readonly kinesisMaxAttempts?: number;
  readonly backoff?: BackoffOptions;
}

/** Why a poll stopped reading. */
export const STOP_REASON = {
  caughtUp: 'caught-up',
  batchLimit: 'batch-limit',
  timeBudget: 'time-budget',
  kinesisFailed: 'kinesis-retries-exhausted',
  dlqFailed: 'dlq-failed',
  lockLost: 'lock-lost',
  commitFailed: 'commit-failed',
  readerFailed: 'reader-failed',
} as const;
/** One of {@link STOP_REASON}. */
export type StopReason = (typeof STOP_REASON)[keyof typeof STOP_REASON];

/** Result of a poll (offsets as strings). */
export interface PollResponse {
  readonly statusCode: number;
  readonly message: string;
  readonly detail: string;
  readonly source?: string;
  readonly topic?: string;
  readonly partition?: number;
  readonly iteration?: number;
  readonly counts: {
    readonly read: number;
    readonly delivered: number;
    readonly dlq: number;
    readonly dropped: number;
    readonly committed: number;
    readonly failed: number;
  };
  /** Offset of the first record covered by this poll's commits, or null. */
  readonly firstOffsetCommitted: string | null;
  /** Offset of the last record covered by this poll's commits, or null. */
  readonly lastOffsetCommitted: string | null;
  /** The group's committed offset (next to read) after the poll, or null when it has none. */
  readonly committedOffset: string | null;
  /** Log-end offset minus committed offset after the poll, or null when unknown. */
  readonly lag: string | null;
  readonly stopReason?: StopReason;
  /** Partition ids (describe mode only). */
  readonly partitions?: number[];
  readonly durationMs: number;
  readonly execution_datetime: string;
}

/**
 * Maps what a poll achieved to seed 000's status: 204 nothing read, 200 all read records committed,
 * 206 some committed, 503 records read and none committed.
 *
 * @example pollStatus({ read: 10, committed: 4 }) // → POLL_STATUS.partiallyProcessed
 */
export function pollStatus(counts: {
  read: number;
  committed: number;
}): (typeof POLL_STATUS)[keyof typeof POLL_STATUS] {
  if (counts.read === 0) return POLL_STATUS.notFound;
  if (counts.committed >= counts.read) return POLL_STATUS.fullyProcessed;
  if (counts.committed > 0) return POLL_STATUS.partiallyProcessed;
  return POLL_STATUS.completelyFailed;
}

function isPartitionInput(input: PollInput): input is Extract<PollInput, { kafka_partition: number }> {
  return 'kafka_partition' in input;
}

/**
 * Polls ONE partition: takes the DynamoDB lock (203 when another reader holds it), reads from the
 * group's committed offset until the batch limit, the time budget or the end of the partition,
 * normalizes each chunk with `enrichBatch` (bad records → DLQ), writes to Kinesis with retries and
 * commits the offset after every record up to it is acknowledged — only while the lock is still ours
 * (the commit is preceded by a conditional lock renewal). Releases the lock in `finally`.
 *
 * Throws RetriableError / NonRetriableError when nothing could be read (Kafka unreachable, bad config),
 * so Step Functions Retry/Catch see it; once records flowed, faults end the poll with 206/503.
 */
export async function pollPartition(
  input: PollInput,
  settings: PollSettings,
  ports: PollPorts,
): Promise<PollResponse> {
  const startedMs = ports.clock.nowMs();
  const base = (extra: Partial<PollResponse> = {}): PollResponse => ({
    ...POLL_STATUS.notFound,
    detail: '',
    counts: { read: 0, delivered: 0, dlq: 0, dropped: 0, committed: 0, failed: 0 },
    firstOffsetCommitted: null,
    lastOffsetCommitted: null,
    committedOffset: null,
    lag: null,
    durationMs: ports.clock.nowMs() - startedMs,
    execution_datetime: new Date(startedMs).toISOString(),
    ...extra,
  });

  if ('type' in input && input.type === 'health') {
    return base({ ...POLL_STATUS.health, detail: 'health check; kafka not contacted' });
  }
  if ('type' in input && input.type === 'describe') {
    const partitions = await ports.reader.describe(settings.topic);
    return base({
      ...POLL_STATUS.fullyProcessed,
      message: 'partitions described',
      detail: `${partitions.length} partitions`,
      source: settings.sourceName,
      topic: settings.topic,
      partitions,
    });
  }
  if (!isPartitionInput(input) || !Number.isInteger(input.kafka_partition) || input.kafka_partition < 0) {
    throw new NonRetriableError(
      `invalid poll input: expected {kafka_partition: non-negative integer, iteration?} or {type: 'health'|'describe'}, received ${JSON.stringify(input)}`,
    );
  }
  if (input.source !== undefined && input.source !== settings.sourceName) {
    throw new NonRetriableError(
      `poll input names source ${input.source} but this function serves ${settings.sourceName}`,
    );
  }

  const partition = input.kafka_partition;
  const { topic } = settings;
  const ctx = { source: settings.sourceName, topic, partition, iteration: input.iteration };
  const ttlSeconds = settings.lockTtlSeconds ?? LOCK_TTL_SECONDS;
  const maxRecords = settings.maxRecordsPerInvocation ?? MAX_RECORDS_PER_INVOCATION;
  const chunkRecords = settings.chunkRecords ?? CHUNK_RECORDS;
  const idleWaitMs = settings.idleWaitMs ?? IDLE_WAIT_MS;
  const safetyMarginMs = settings.safetyMarginMs ?? SAFETY_MARGIN_MS;
  const key = lockKey(topic, partition);
  const owner = ports.ownerToken?.() ?? randomUUID();

  const acquired = await ports.lock.acquire({ key, owner, nowMs: ports.clock.nowMs(), ttlSeconds });
  if (!acquired) {
    ports.logger.info('partition locked by another reader', ctx);
    return base({
      ...POLL_STATUS.anotherReader,
      detail: `lock ${key} is held by another reader`,
      source: settings.sourceName,
      topic,
      partition,
      iteration: input.iteration,
    });
  }

  const counts = { read: 0, delivered: 0, dlq: 0, dropped: 0, committed: 0, failed: 0 };
  let firstCommitted: string | null = null;
  let lastCommitted: string | null = null;
  let committedOffset: string | null = null;
  let lag: string | null = null;
  let stopReason: StopReason = STOP_REASON.caughtUp;
  let detail = '';
  let readerStats: ReaderStats | null = null;
  try {
    const session = await ports.reader.open({
      topic,
      partition,
      groupId: settings.groupId,
      startingPosition: settings.startingPosition,
    });
    committedOffset = session.committedOffset;
    try {
      ports.logger.debug('partition opened', {
        ...ctx,
        offset: session.startOffset,
        high: session.highWatermark(),
      });
      for (;;) {
        if (counts.read >= maxRecords) {
          stopReason = STOP_REASON.batchLimit;
          break;
        }
        if (ports.remainingTimeMs() < safetyMarginMs) {
          stopReason = STOP_REASON.timeBudget;
          break;
        }
        let records: PartitionRecord[];
        try {
          records = await session.poll(Math.min(chunkRecords, maxRecords - counts.read), idleWaitMs);
        } catch (error) {
          if (counts.read === 0) throw error;
          stopReason = STOP_REASON.readerFailed;
          detail = (error as Error).message;
          break;
        }
        if (records.length === 0) {
          stopReason = STOP_REASON.caughtUp;
          break;
        }
        counts.read += records.length;
        const outcome = await processChunk(records, settings);
        counts.dropped += outcome.dropped;

        // 1. Poison records to the DLQ first: they count as processed only once the DLQ has them.
        if (outcome.dlq.length > 0) {
          try {
            await ports.dlq.send(outcome.dlq);
            counts.dlq += outcome.dlq.length;
          } catch (error) {
            stopReason = STOP_REASON.dlqFailed;
            detail = (error as Error).message;
            counts.failed += records.length;
            break;
          }
        }
        // 2. Canonical records to Kinesis with per-entry retries.
        const delivery = await deliverEntries(outcome.entries, ports.sink, {
          maxAttempts: settings.kinesisMaxAttempts ?? KINESIS_MAX_ATTEMPTS,
          backoff: settings.backoff,
          sleep: ports.clock.sleep,
          random: ports.random,
        });
        counts.delivered += delivery.acknowledged;
        // 3. Commit up to (not including) the first record with an unacknowledged entry.
        const firstFailedOffset = delivery.failed.reduce<bigint | null>((min, i) => {
          const o = BigInt(outcome.offsets[i] as string);
          return min === null || o < min ? o : min;
        }, null);
        const commitUpTo = records.filter(
          (r) => firstFailedOffset === null || BigInt(r.offset) < firstFailedOffset,
        );
        if (firstFailedOffset !== null) {
          stopReason = STOP_REASON.kinesisFailed;
          detail = `${delivery.failed.length} entries still failing after retries: ${delivery.lastError ?? 'unknown'}`;
          counts.failed += records.length - commitUpTo.length;
        }
        const lastRecord = commitUpTo.at(-1);
        if (lastRecord) {
          const renewed = await ports.lock.renew({ key, owner, nowMs: ports.clock.nowMs(), ttlSeconds });
          if (!renewed) {
            ports.logger.warn('lock lost before commit', { ...ctx, offset: lastRecord.offset });
            stopReason = STOP_REASON.lockLost;
            detail = `lock ${key} was taken over; offsets from ${commitUpTo[0]?.offset} not committed (they will be read again)`;
            counts.failed += commitUpTo.length;
            break;
          }
          const next = (BigInt(lastRecord.offset) + 1n).toString();
          try {
            await session.commit(next);
          } catch (error) {
            stopReason = STOP_REASON.commitFailed;
            detail = (error as Error).message;
            counts.failed += commitUpTo.length;
            break;
          }
          counts.committed += commitUpTo.length;
          firstCommitted ??= commitUpTo[0]?.offset ?? null;
          lastCommitted = lastRecord.offset;
          committedOffset = next;
        }
        if (firstFailedOffset !== null) break;
      }
      const high = BigInt(session.highWatermark());
      const position = committedOffset !== null ? BigInt(committedOffset) : BigInt(session.lowWatermark);
      lag = (high > position ? high - position : 0n).toString();
    } finally {
      readerStats = session.stats();
      await session.close();
    }
  } finally {
    await ports.lock.release({ key, owner }).catch((error: unknown) => {
      ports.logger.warn('lock release failed', { ...ctx, error: (error as Error).message });
    });
  }

  const status = pollStatus(counts);
  const response = base({
    ...status,
    detail: detail || `stopped: ${stopReason}`,
    source: settings.sourceName,
    topic,
    partition,
    iteration: input.iteration,
    counts,
    firstOffsetCommitted: firstCommitted,
    lastOffsetCommitted: lastCommitted,
    committedOffset,
    lag,
    stopReason,
  });
  const level = status.statusCode === 200 || status.statusCode === 204 ? 'info' : 'error';
  ports.logger[level]('poll finished', {
    ...ctx,
    statusCode: response.statusCode,
    stopReason,
    counts,
    lag,
    fetches: readerStats,
  });
  return response;
}

/**
 * Records enriched between two yields to the event loop. Enrichment is synchronous CPU work; yielding
 * every few milliseconds lets the reader's background fetch loops handle a fetch response that arrived
 * meanwhile and send the next Fetch at once, so the broker keeps streaming while records are enriched.
 * With one fetch in flight, 25 records (≈ 1.5 ms of enrichment) drained ≈ 8% faster than 100 in the
 * poller bench; larger chunks or committing in the background changed nothing measurable.
 */
const ENRICH_SLICE_RECORDS = 25;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Enrichment of one chunk: Kinesis entries (with the Kafka offset of each), DLQ entries, dropped count. */
async function processChunk(
  records: readonly PartitionRecord[],
  settings: PollSettings,
): Promise<{ entries: SinkEntry[]; offsets: string[]; dlq: unknown[]; dropped: number }> {
  const ctx = {
    rules: settings.rules,
    sourceName: settings.sourceName,
    partitionKey: settings.partitionKey,
    // The 6 MB budget models the Pipe's synchronous enrichment response; the poller has no such
    // response (it writes PutRecords calls of ≤ 5 MiB itself), so records are never DLQ'd for it.
    outputLimitBytes: Number.MAX_SAFE_INTEGER,
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
