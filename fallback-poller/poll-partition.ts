import { randomUUID } from 'node:crypto';
import { NonRetriableError } from '../core/errors.js';
import type { StartingPosition } from '../core/kafka/records.js';
import {
  defaultOffsetReset,
  OffsetOutOfRangeError,
  type OffsetResetPolicy,
} from '../core/kafka/start-offset.js';
import type { BackoffOptions } from '../core/kinesis-delivery.js';
import type { RecordFormats } from '../enrichment/formats/format.js';
import type { PartitionKeySpec } from '../enrichment/partition-key.js';
import type { CompiledRules } from '../enrichment/rules/compile.js';
import {
  CHUNK_RECORDS,
  IDLE_WAIT_MS,
  LOCK_TTL_SECONDS,
  MAX_RECORDS_PER_INVOCATION,
  POLL_STATUS,
  SAFETY_MARGIN_MS,
} from './constants.js';
import { lockKey } from './lock.js';
import {
  newProgress,
  type PartitionInput,
  type PartitionJob,
  type PollProgress,
  pollChunk,
  STOP_REASON,
  type StopReason,
  stop,
} from './poll-chunk.js';
import { commitStart, failOutOfRange, type StartReport, startReport } from './poll-start.js';
import type { PartitionRecord, PartitionSession, PollPorts } from './ports.js';

/** Input of one poll, as the state machine sends it (the original poller's shape plus an optional source). */
export type PollInput =
  | {
      readonly kafka_partition: number;
      readonly iteration?: number;
      readonly source?: string;
      /** Start of the state machine execution (ISO 8601); with `budget_seconds`, when the read must stop. */
      readonly execution_start?: string;
      /** Seconds from `execution_start` after which the read stops (the execution's time budget). */
      readonly budget_seconds?: number;
    }
  | { readonly type: 'health' }
  | { readonly type: 'describe'; readonly source?: string };

/** Settings of a source's poller (resolved from the source file by the construct). */
export interface PollSettings {
  readonly sourceName: string;
  readonly topic: string;
  readonly groupId: string;
  readonly startingPosition: StartingPosition;
  /** A committed offset outside the log: `earliest`, `latest` or `fail` (default: per starting position). */
  readonly offsetReset?: OffsetResetPolicy;
  /** `SelfManagedKafka` or `aws:kafka`, as a Pipe would report it. */
  readonly eventSource: 'SelfManagedKafka' | 'aws:kafka';
  /** Bootstrap servers (comma separated) or the MSK cluster ARN, as a Pipe would report it. */
  readonly cluster: string;
  readonly rules: CompiledRules;
  readonly partitionKey: PartitionKeySpec;
  /** How values and keys are decoded (enrichment/formats/); default JSON values, text keys. */
  readonly formats?: RecordFormats;
  readonly maxRecordsPerInvocation?: number;
  readonly chunkRecords?: number;
  readonly idleWaitMs?: number;
  readonly safetyMarginMs?: number;
  readonly lockTtlSeconds?: number;
  readonly kinesisMaxAttempts?: number;
  readonly backoff?: BackoffOptions;
}

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
  /** Where the read started when that was not the group's committed offset (fallback-poller/poll-start.ts). */
  readonly reset?: StartReport;
  /** True when the poll stopped at its record or time limit with records left: poll again without waiting. */
  readonly moreRecords: boolean;
  /** Seconds left of the execution's time budget after the poll (partition polls with a budget only). */
  readonly budgetLeftSeconds?: number;
  /** Partition ids (describe mode only). */
  readonly partitions?: number[];
  readonly durationMs: number;
  readonly execution_datetime: string;
}

/**
 * Maps what a poll achieved to the original poller's status codes: 204 nothing read, 200 all read records committed,
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

/** The input of a partition poll, checked: a non-negative partition of the source this function serves. */
function assertPartitionInput(input: PollInput, settings: PollSettings): PartitionInput {
  if (
    !('kafka_partition' in input) ||
    !Number.isInteger(input.kafka_partition) ||
    input.kafka_partition < 0
  ) {
    throw new NonRetriableError(
      `invalid poll input: expected {kafka_partition: non-negative integer, iteration?} or {type: 'health'|'describe'}, received ${JSON.stringify(input)}`,
    );
  }
  if (input.budget_seconds !== undefined && Number.isNaN(readUntilOf(input))) {
    throw new NonRetriableError(
      `invalid poll input: execution_start must be an ISO 8601 time and budget_seconds a number, received ${JSON.stringify(input)}`,
    );
  }
  if (input.source !== undefined && input.source !== settings.sourceName) {
    throw new NonRetriableError(
      `poll input names source ${input.source} but this function serves ${settings.sourceName}`,
    );
  }
  return input;
}

/** When the read must stop (epoch ms): the execution's start plus its time budget; no budget → never. */
function readUntilOf(input: PartitionInput): number {
  if (input.budget_seconds === undefined) return Number.POSITIVE_INFINITY;
  return Date.parse(input.execution_start ?? '') + input.budget_seconds * 1000;
}

/** Seconds left of the execution's time budget (partition polls with a budget only). */
function budgetLeft(job: PartitionJob): { budgetLeftSeconds?: number } {
  if (job.readUntilMs === Number.POSITIVE_INFINITY) return {};
  return { budgetLeftSeconds: Math.floor((job.readUntilMs - job.ports.clock.nowMs()) / 1000) };
}

/** Builds a response on the not-found defaults, with the duration up to now. */
type Respond = (extra?: Partial<PollResponse>) => PollResponse;

function responder(clock: PollPorts['clock']): Respond {
  const startedMs = clock.nowMs();
  return (extra = {}) => ({
    ...POLL_STATUS.notFound,
    detail: '',
    counts: { read: 0, delivered: 0, dlq: 0, dropped: 0, committed: 0, failed: 0 },
    firstOffsetCommitted: null,
    lastOffsetCommitted: null,
    committedOffset: null,
    lag: null,
    moreRecords: false,
    durationMs: clock.nowMs() - startedMs,
    execution_datetime: new Date(startedMs).toISOString(),
    ...extra,
  });
}

function partitionJob(input: PartitionInput, settings: PollSettings, ports: PollPorts): PartitionJob {
  const partition = input.kafka_partition;
  return {
    settings,
    ports,
    input,
    lock: {
      key: lockKey(settings.topic, partition),
      owner: ports.ownerToken?.() ?? randomUUID(),
      ttlSeconds: settings.lockTtlSeconds ?? LOCK_TTL_SECONDS,
    },
    maxRecords: settings.maxRecordsPerInvocation ?? MAX_RECORDS_PER_INVOCATION,
    chunkRecords: settings.chunkRecords ?? CHUNK_RECORDS,
    idleWaitMs: settings.idleWaitMs ?? IDLE_WAIT_MS,
    safetyMarginMs: settings.safetyMarginMs ?? SAFETY_MARGIN_MS,
    readUntilMs: readUntilOf(input),
    ctx: { source: settings.sourceName, topic: settings.topic, partition, iteration: input.iteration },
  };
}

/**
 * Polls ONE partition: takes the DynamoDB lock (203 when another reader holds it), reads from the
 * group's committed offset until the batch limit, the time budget (the Lambda's, and the execution's when
 * the input names one) or the end of the partition,
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
  const respond = responder(ports.clock);
  if ('type' in input && input.type === 'health') {
    return respond({ ...POLL_STATUS.health, detail: 'health check; kafka not contacted' });
  }
  if ('type' in input && input.type === 'describe') return describePartitions(settings, ports, respond);

  const job = partitionJob(assertPartitionInput(input, settings), settings, ports);
  const acquired = await ports.lock.acquire({ ...job.lock, nowMs: ports.clock.nowMs() });
  if (!acquired) return lockedResponse(job, respond);
  const progress = newProgress();
  try {
    await readPartition(job, progress);
  } catch (error) {
    if (!(error instanceof OffsetOutOfRangeError)) throw error;
    failOutOfRange(job, progress, error);
  } finally {
    await releaseLock(job);
  }
  return finishPoll(job, progress, respond);
}

/** `{type: 'describe'}`: the topic's partitions (for `partitions: auto`). */
async function describePartitions(settings: PollSettings, ports: PollPorts, respond: Respond) {
  const partitions = await ports.reader.describe(settings.topic);
  return respond({
    ...POLL_STATUS.fullyProcessed,
    message: 'partitions described',
    detail: `${partitions.length} partitions`,
    source: settings.sourceName,
    topic: settings.topic,
    partitions,
  });
}

/** 203: another reader holds the partition's lock. */
function lockedResponse(job: PartitionJob, respond: Respond): PollResponse {
  job.ports.logger.info('partition locked by another reader', job.ctx);
  return respond({
    ...POLL_STATUS.anotherReader,
    detail: `lock ${job.lock.key} is held by another reader`,
    source: job.settings.sourceName,
    topic: job.settings.topic,
    partition: job.input.kafka_partition,
    iteration: job.input.iteration,
    ...budgetLeft(job),
  });
}

/** Reads chunk after chunk from the group's committed offset; closes the session in any case. */
async function readPartition(job: PartitionJob, progress: PollProgress): Promise<void> {
  const session = await job.ports.reader.open({
    topic: job.settings.topic,
    partition: job.input.kafka_partition,
    groupId: job.settings.groupId,
    startingPosition: job.settings.startingPosition,
    offsetReset: job.settings.offsetReset ?? defaultOffsetReset(job.settings.startingPosition),
    readLimit: job.maxRecords,
  });
  try {
    await commitStart(job, session, progress);
    job.ports.logger.debug('partition opened', {
      ...job.ctx,
      offset: session.startOffset,
      high: session.highWatermark(),
    });
    for (let records = await nextChunk(job, session, progress); records !== null; ) {
      if (!(await pollChunk(job, session, records, progress))) break;
      records = await nextChunk(job, session, progress);
    }
    await progress.committing;
    progress.lag = lagAfter(session, progress.committedOffset);
  } finally {
    // The last chunk's commit ends before the session (and then the lock) does; it never rejects.
    await progress.committing;
    progress.readerStats = session.stats();
    await session.close();
  }
}

/**
 * The next chunk of records, or null once the poll must stop: batch limit, time budget, caught up, or
 * the reader failed after records flowed (before any, the reader's error is thrown).
 */
async function nextChunk(
  job: PartitionJob,
  session: PartitionSession,
  progress: PollProgress,
): Promise<PartitionRecord[] | null> {
  const { read } = progress.counts;
  if (read >= job.maxRecords) return stop(progress, STOP_REASON.batchLimit);
  if (job.ports.remainingTimeMs() < job.safetyMarginMs || job.ports.clock.nowMs() >= job.readUntilMs) {
    return stop(progress, STOP_REASON.timeBudget);
  }
  let records: PartitionRecord[];
  try {
    records = await session.poll(Math.min(job.chunkRecords, job.maxRecords - read), job.idleWaitMs);
  } catch (error) {
    if (read === 0) throw error;
    return stop(progress, STOP_REASON.readerFailed, (error as Error).message);
  }
  return records.length === 0 ? stop(progress, STOP_REASON.caughtUp) : records;
}

/** Log-end offset minus the committed offset (the low watermark when the group has none). */
function lagAfter(session: PartitionSession, committedOffset: string | null): string {
  const high = BigInt(session.highWatermark());
  const position = committedOffset !== null ? BigInt(committedOffset) : BigInt(session.lowWatermark);
  return (high > position ? high - position : 0n).toString();
}

/** The poll stopped at its record or time limit and the partition still has records after the commit. */
function moreRecordsLeft(stopReason: StopReason, lag: string | null): boolean {
  const limited = stopReason === STOP_REASON.batchLimit || stopReason === STOP_REASON.timeBudget;
  return limited && lag !== null && lag !== '0';
}

/** Releases the lock if still ours; a failed release is logged (the lock expires anyway). */
async function releaseLock(job: PartitionJob): Promise<void> {
  const { key, owner } = job.lock;
  await job.ports.lock.release({ key, owner }).catch((error: unknown) => {
    job.ports.logger.warn('lock release failed', { ...job.ctx, error: (error as Error).message });
  });
}

/** The response of a partition poll, logged as `poll finished` (error level unless 200/204). */
function finishPoll(job: PartitionJob, progress: PollProgress, respond: Respond): PollResponse {
  const { counts, stopReason, lag } = progress;
  const status =
    stopReason === STOP_REASON.offsetOutOfRange ? POLL_STATUS.completelyFailed : pollStatus(counts);
  const reset = startReport(progress.reset);
  const response = respond({
    ...status,
    detail: progress.detail || `stopped: ${stopReason}`,
    source: job.settings.sourceName,
    topic: job.settings.topic,
    partition: job.input.kafka_partition,
    iteration: job.input.iteration,
    counts,
    firstOffsetCommitted: progress.firstCommitted,
    lastOffsetCommitted: progress.lastCommitted,
    committedOffset: progress.committedOffset,
    lag,
    stopReason,
    moreRecords: moreRecordsLeft(stopReason, lag),
    ...budgetLeft(job),
    ...(reset ? { reset } : {}),
  });
  const level = status.statusCode === 200 || status.statusCode === 204 ? 'info' : 'error';
  job.ports.logger[level]('poll finished', {
    ...job.ctx,
    statusCode: response.statusCode,
    stopReason,
    detail: response.detail,
    counts,
    lag,
    fetches: progress.readerStats,
  });
  return response;
}
