import type { PartitionSession } from '../core/kafka/partition-session.js';
import type { StartingPosition } from '../core/kafka/records.js';
import type { OffsetResetPolicy } from '../core/kafka/start-offset.js';
import type { SinkPort } from '../core/kinesis-delivery.js';
import type { LockPort } from './lock.js';

export type { PartitionSession } from '../core/kafka/partition-session.js';
export type { PartitionRecord } from '../core/kafka/records.js';
export type { SinkEntryResult, SinkPort } from '../core/kinesis-delivery.js';
export type { LockPort } from './lock.js';

/** Opens single-partition reads and lists partitions (adapter: core/kafka/partition-session.ts, core/kafka/admin-probe.ts). */
export interface ReaderPort {
  open(request: {
    topic: string;
    partition: number;
    groupId: string;
    startingPosition: StartingPosition;
    offsetReset: OffsetResetPolicy;
    /** The most records the poll takes (its record cap): the reader reads ahead no further. */
    readLimit?: number;
  }): Promise<PartitionSession>;
  describe(topic: string): Promise<number[]>;
}

/** Enrichment DLQ port (enrichment/createSqsDlqSink fits it). */
export interface DlqPort {
  send(entries: readonly unknown[]): Promise<void>;
}

/** Time source; `sleep` is used for backoff. */
export interface ClockPort {
  nowMs(): number;
  sleep(ms: number): Promise<void>;
}

/** Structured logger (Powertools Logger fits it). Never given payloads or secrets. */
export interface LoggerPort {
  debug(message: string, context?: Record<string, unknown>): void;
  info(message: string, context?: Record<string, unknown>): void;
  warn(message: string, context?: Record<string, unknown>): void;
  error(message: string, context?: Record<string, unknown>): void;
}

/** Everything {@link pollPartition} talks to. */
export interface PollPorts {
  readonly reader: ReaderPort;
  readonly lock: LockPort;
  readonly sink: SinkPort;
  readonly dlq: DlqPort;
  readonly clock: ClockPort;
  readonly logger: LoggerPort;
  /** Milliseconds left in the Lambda invocation (context.getRemainingTimeInMillis). */
  readonly remainingTimeMs: () => number;
  /** Random in [0, 1) for backoff jitter (default Math.random). */
  readonly random?: () => number;
  /** Owner token generator (default randomUUID). */
  readonly ownerToken?: () => string;
}
