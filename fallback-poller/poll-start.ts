/**
 * The start of a partition poll (fallback-poller/poll-partition.ts), as a Kafka consumer starts
 * (core/kafka/start-offset.ts): a start other than the committed offset — no commit yet, or a commit outside
 * the log — is logged, counted and committed before anything is read, so the next poll continues from it
 * even when this one reads nothing. A commit outside the log under the `fail` policy ends the poll (503).
 */
import { RetriableError } from '../core/errors.js';
import { type OffsetOutOfRangeError, START_REASON, type StartDecision } from '../core/kafka/start-offset.js';
import { type PartitionJob, type PollProgress, STOP_REASON, stop } from './poll-chunk.js';
import type { PartitionSession } from './ports.js';

/** What the response says about a start that was not the committed offset. */
export interface StartReport {
  readonly reason: NonNullable<StartDecision['reset']>['reason'];
  readonly policy: NonNullable<StartDecision['reset']>['policy'];
  /** The group's committed offset before the poll (null: none). */
  readonly from: string | null;
  /** The offset the read started at (committed before reading), or the committed one under `fail`. */
  readonly to: string;
  readonly logStart: string;
  readonly logEnd: string;
  /** Offsets deleted by retention before they were read. */
  readonly lostToRetention: string;
}

/** The response field of a reset start. */
export function startReport(decision: StartDecision | null): StartReport | undefined {
  if (!decision?.reset) return undefined;
  const { reason, policy, lostToRetention } = decision.reset;
  return {
    reason,
    policy,
    from: decision.committed,
    to: decision.offset,
    logStart: decision.logStart,
    logEnd: decision.logEnd,
    lostToRetention,
  };
}

/** True for a committed offset outside the log (as opposed to a partition without a commit). */
export function isOutOfRange(report: StartReport | undefined): boolean {
  return report !== undefined && report.reason !== START_REASON.noCommittedOffset;
}

/**
 * Commits the session's start offset when it is not the group's committed offset, after a conditional lock
 * renewal (a reader that lost its lock commits nothing). Faults here are thrown: nothing was read yet.
 */
export async function commitStart(
  job: PartitionJob,
  session: PartitionSession,
  progress: PollProgress,
): Promise<void> {
  const decision = session.start;
  progress.committedOffset = session.committedOffset;
  if (!decision.reset) return;
  progress.reset = decision;
  logStart(job, decision);
  const renewed = await job.ports.lock.renew({ ...job.lock, nowMs: job.ports.clock.nowMs() });
  if (!renewed) {
    throw new RetriableError(
      `lock ${job.lock.key} was taken over before the start offset ${decision.offset} was committed`,
    );
  }
  await session.commit(decision.offset);
  progress.committedOffset = decision.offset;
}

/** The `fail` policy met a commit outside the log: nothing is read, the poll answers 503. */
export function failOutOfRange(
  job: PartitionJob,
  progress: PollProgress,
  error: OffsetOutOfRangeError,
): void {
  progress.reset = error.decision;
  progress.committedOffset = error.decision.committed;
  logStart(job, error.decision);
  stop(progress, STOP_REASON.offsetOutOfRange, error.message);
}

/** INFO for a first start; WARN for a commit outside the log; ERROR with the offset range for records lost. */
function logStart(job: PartitionJob, decision: StartDecision): void {
  const report = startReport(decision);
  if (!report) return;
  const { logger } = job.ports;
  const context = { ...job.ctx, ...report };
  if (report.reason === START_REASON.noCommittedOffset) {
    logger.info('no committed offset: starting at the starting position and committing it', context);
    return;
  }
  logger.warn('committed offset out of range: offset reset', context);
  if (report.reason === START_REASON.belowLogStart && report.from !== null) {
    const lastLost = (BigInt(report.logStart) - 1n).toString();
    logger.error('records lost to retention', {
      ...context,
      lostOffsets: `${report.from}-${lastLost}`,
      lostCount: report.lostToRetention,
    });
  }
}
