/**
 * Reading as a MEMBER of a consumer group (a kafkajs consumer), unlike the partition reader:
 * - joinConsumerGroup: the local Pipe runner of `npm start` (devkit/local/pipe-runner.ts), which, like a
 *   Pipe, is a member of the source's consumer group and commits only what it delivered;
 * - consumeMessages: a bounded read of a topic with a throwaway group (`kafka-pipes rules preview
 *   --from-topic`, the tests).
 */
import type { Consumer } from 'kafkajs';
import { RetriableError } from '../errors.js';
import { createKafka, type KafkaConnection } from './client.js';
import { type PartitionRecord, type StartingPosition, toPartitionRecord } from './records.js';

/**
 * Session and retry settings of both members: a fresh broker answers NOT_COORDINATOR while it creates
 * __consumer_offsets, so group requests retry for a while.
 */
const MEMBER_SETTINGS = {
  sessionTimeout: 10_000,
  heartbeatInterval: 1_000,
  retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 2_000 },
} as const;

/** Options of {@link joinConsumerGroup}. */
export interface GroupMemberOptions {
  /** The consumer group (the source's consumerGroupId). */
  readonly groupId: string;
  readonly topic: string;
  /** Where the group starts when it has no committed offset. */
  readonly startingPosition: StartingPosition;
  /**
   * Receives the records of one fetched partition batch, in offset order, with the partition's high
   * watermark. Called synchronously from the fetch loop: must not throw and must not block (buffer).
   */
  readonly onRecords: (records: PartitionRecord[], highWatermark: string) => void;
  /** Bytes per partition per fetch (default 1 MiB). */
  readonly maxBytesPerPartition?: number;
}

/** A running consumer-group member, see {@link joinConsumerGroup}. */
export interface GroupMember {
  /** Stops fetching (records already handed out stay with the caller). */
  pause(): void;
  /** Resumes fetching. */
  resume(): void;
  /** Commits `offset` (the NEXT offset to read) per partition to the group. Throws RetriableError. */
  commit(offsets: readonly { readonly partition: number; readonly offset: string }[]): Promise<void>;
  /** Leaves the group and disconnects; uncommitted records are read again by the next member. */
  stop(): Promise<void>;
  /** Rejects when the consumer crashes for good (never resolves). */
  readonly crashed: Promise<never>;
}

/**
 * Joins `groupId` as a member (kafkajs consumer, auto-commit OFF) and streams fetched records to
 * `onRecords`. Offsets are committed only through {@link GroupMember.commit}. Resolves once the member
 * joined the group and its first fetch returned, so the starting position (LATEST) is fixed before the
 * caller produces anything.
 */
export async function joinConsumerGroup(
  conn: KafkaConnection,
  opts: GroupMemberOptions,
): Promise<GroupMember> {
  const consumer = createKafka({ ...conn, retries: conn.retries ?? 8 }).consumer({
    groupId: opts.groupId,
    ...MEMBER_SETTINGS,
    maxWaitTimeInMs: 250,
    maxBytesPerPartition: opts.maxBytesPerPartition ?? 1024 * 1024,
  });
  const { ready, crashed } = watchMember(consumer);
  await consumer.connect();
  await consumer.subscribe({ topic: opts.topic, fromBeginning: opts.startingPosition === 'TRIM_HORIZON' });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: true,
    eachBatch: async ({ batch }) => {
      if (batch.messages.length === 0) return;
      opts.onRecords(
        batch.messages.map((m) => toPartitionRecord(batch.topic, batch.partition, m)),
        batch.highWatermark,
      );
    },
  });
  await Promise.race([ready, crashed]);
  return {
    pause: () => consumer.pause([{ topic: opts.topic }]),
    resume: () => consumer.resume([{ topic: opts.topic }]),
    commit: (offsets) => commitAsMember(consumer, opts, offsets),
    stop: () => consumer.disconnect().catch(() => undefined),
    crashed,
  };
}

/**
 * `ready` resolves at the first fetch after the member joined its group; `crashed` rejects when the
 * consumer crashes without restarting (it is marked handled: callers race it).
 */
function watchMember(consumer: Consumer): { ready: Promise<void>; crashed: Promise<never> } {
  let joined = false;
  const ready = new Promise<void>((resolve) => {
    consumer.on(consumer.events.GROUP_JOIN, () => {
      joined = true;
    });
    consumer.on(consumer.events.FETCH, () => {
      if (joined) resolve();
    });
  });
  const crashed = new Promise<never>((_, reject) => {
    consumer.on(consumer.events.CRASH, (e) => {
      if (!e.payload.restart) reject(e.payload.error);
    });
  });
  crashed.catch(() => undefined);
  return { ready, crashed };
}

async function commitAsMember(
  consumer: Consumer,
  opts: GroupMemberOptions,
  offsets: readonly { readonly partition: number; readonly offset: string }[],
): Promise<void> {
  if (offsets.length === 0) return;
  try {
    await consumer.commitOffsets(
      offsets.map((o) => ({ topic: opts.topic, partition: o.partition, offset: o.offset })),
    );
  } catch (error) {
    throw new RetriableError(
      `could not commit offsets of group ${opts.groupId}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

/** A consumed record (key/value as Buffers, offsets as strings). */
export interface ConsumedMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly timestamp: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** The first value of each header. */
  readonly headers: Readonly<Record<string, Buffer | undefined>>;
}

/**
 * Consumes `topic` from the beginning with a fresh throwaway group until `count` messages arrived or
 * `timeoutMs` passed (default 30 s), then disconnects. Resolves with what arrived (possibly fewer than `count`);
 * rejects with the kafkajs error when the consumer crashes (e.g. authentication failure).
 */
export async function consumeMessages(
  conn: KafkaConnection,
  topic: string,
  opts: { count: number; timeoutMs?: number; groupId?: string },
): Promise<ConsumedMessage[]> {
  const consumer = createKafka(conn).consumer({
    groupId: opts.groupId ?? `consume-${Date.now()}-${Math.random().toString(36).slice(2, 10)}`,
    ...MEMBER_SETTINGS,
  });
  const received: ConsumedMessage[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, opts.timeoutMs ?? 30_000);
      const done = (err?: unknown) => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve();
      };
      consumer.on(consumer.events.CRASH, (e) => done(e.payload.error));
      (async () => {
        await consumer.connect();
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({
          autoCommit: false,
          eachMessage: async ({ topic: t, partition, message }) => {
            received.push({
              topic: t,
              partition,
              offset: message.offset,
              timestamp: message.timestamp,
              key: message.key,
              value: message.value,
              headers: firstHeaderValues(message.headers),
            });
            if (received.length >= opts.count) done();
          },
        });
      })().catch(done);
    });
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
  return received;
}

function firstHeaderValues(
  headers: Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>> | undefined,
): Record<string, Buffer | undefined> {
  return Object.fromEntries(
    Object.entries(headers ?? {}).map(([k, v]) => {
      const first = Array.isArray(v) ? v[0] : v;
      return [k, first === undefined ? undefined : Buffer.from(first)];
    }),
  );
}
