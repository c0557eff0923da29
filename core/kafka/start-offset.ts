/**
 * Where a read of one partition starts, decided as a Kafka consumer decides it (pure): from the group's
 * committed offset when it lies inside the log, else by a reset policy — `auto.offset.reset` in the Java
 * consumer (https://kafka.apache.org/documentation/#consumerconfigs_auto.offset.reset). Unlike the Java
 * consumer, nothing here is silent: every decision other than "resume at the committed offset" is named, so
 * the caller commits the new position at once and logs, counts and alarms on it.
 */
import { NonRetriableError } from '../errors.js';
import type { StartingPosition } from './records.js';

/** What to do with a committed offset outside the log: `earliest` = log start, `latest` = log end, `fail`. */
export const OFFSET_RESET_POLICIES = ['earliest', 'latest', 'fail'] as const;
/** One of {@link OFFSET_RESET_POLICIES}. */
export type OffsetResetPolicy = (typeof OFFSET_RESET_POLICIES)[number];

/** The reset policy a source gets when it names none: `earliest` for TRIM_HORIZON, `latest` for LATEST. */
export function defaultOffsetReset(position: StartingPosition): OffsetResetPolicy {
  return position === 'TRIM_HORIZON' ? 'earliest' : 'latest';
}

/** Why a read does not start at the committed offset. */
export const START_REASON = {
  /** The group has no committed offset for the partition (a new group, or a partition added later). */
  noCommittedOffset: 'no-committed-offset',
  /** The committed offset is below the log start: records were deleted (retention) before they were read. */
  belowLogStart: 'below-log-start',
  /** The committed offset is above the log end: the topic was recreated or its log truncated. */
  aboveLogEnd: 'above-log-end',
} as const;
/** One of {@link START_REASON}. */
export type StartReason = (typeof START_REASON)[keyof typeof START_REASON];

/** Where a read starts and why. Offsets are decimal strings. */
export interface StartDecision {
  /** First offset to read. */
  readonly offset: string;
  /** The group's committed offset, or null when it has none. */
  readonly committed: string | null;
  /** Log start (low watermark) and log end (high watermark) when the read opened. */
  readonly logStart: string;
  readonly logEnd: string;
  /** Absent: resume at the committed offset. Present: `offset` must be committed before anything is read. */
  readonly reset?: {
    readonly reason: StartReason;
    /** The policy applied: the starting position for a partition without a commit, else the reset policy. */
    readonly policy: StartingPosition | OffsetResetPolicy;
    /** Offsets deleted before they were read (committed … logStart − 1): only for `below-log-start`. */
    readonly lostToRetention: string;
  };
}

/** A committed offset outside the log with the `fail` policy: the read does not start. */
export class OffsetOutOfRangeError extends NonRetriableError {
  constructor(
    message: string,
    readonly decision: StartDecision & { readonly reset: NonNullable<StartDecision['reset']> },
  ) {
    // The name stays NonRetriableError: the state machine's Catch matches error names.
    super(message);
  }
}

/**
 * Decides where to start. Throws {@link OffsetOutOfRangeError} for an out-of-range commit under `fail`.
 *
 * @example decideStart({ committed: '300', low: 0n, high: 100n, position: 'TRIM_HORIZON', reset: 'earliest' })
 * // → { offset: '0', committed: '300', logStart: '0', logEnd: '100', reset: { reason: 'above-log-end', … } }
 */
export function decideStart(input: {
  readonly committed: string | null;
  readonly low: bigint;
  readonly high: bigint;
  readonly position: StartingPosition;
  readonly reset: OffsetResetPolicy;
  /** Names the partition in the error (`topic/partition`). */
  readonly label?: string;
}): StartDecision {
  const { committed, low, high } = input;
  const base = { committed, logStart: low.toString(), logEnd: high.toString() };
  if (committed === null) {
    const offset = input.position === 'TRIM_HORIZON' ? low : high;
    return {
      ...base,
      offset: offset.toString(),
      reset: { reason: START_REASON.noCommittedOffset, policy: input.position, lostToRetention: '0' },
    };
  }
  const c = BigInt(committed);
  if (c >= low && c <= high) return { ...base, offset: committed };
  const reason = c < low ? START_REASON.belowLogStart : START_REASON.aboveLogEnd;
  const lostToRetention = c < low ? (low - c).toString() : '0';
  const reset = { reason, policy: input.reset, lostToRetention };
  if (input.reset === 'fail') {
    const decision = { ...base, offset: committed, reset };
    throw new OffsetOutOfRangeError(
      `committed offset ${committed} of ${input.label ?? 'the partition'} is outside the log [${low}, ${high}] ` +
        `(${reason}) and the offset reset policy is fail; reset the group's offset ` +
        `(kafka-consumer-groups --reset-offsets) or set poller.offsetReset to earliest or latest`,
      decision,
    );
  }
  return { ...base, offset: (input.reset === 'earliest' ? low : high).toString(), reset };
}
