import type { PartitionSession } from '../../../core/kafka/partition-session.js';
import type { PartitionRecord } from '../../../core/kafka/records.js';
import { decideStart } from '../../../core/kafka/start-offset.js';
import { createMemoryLock } from '../../../fallback-poller/lock.js';
import type { PollPorts, ReaderPort, SinkEntryResult } from '../../../fallback-poller/ports.js';

/**
 * An in-memory partition log with a committed offset, behind the ReaderPort interface. `state.low` is the
 * log start (records below it were deleted by retention); the start is decided as the real reader decides it.
 */
export function fakeLog(values: (string | null)[], topic = 'apic', partition = 0) {
  const log: PartitionRecord[] = values.map((v, i) => ({
    topic,
    partition,
    offset: String(i),
    timestamp: String(1_700_000_000_000 + i),
    timestampType: 'CREATE_TIME',
    key: Buffer.from(`key-${i % 4}`),
    value: v === null ? null : Buffer.from(v),
    headers: [],
  }));
  const state = { committed: null as string | null, commits: [] as string[], failCommit: false, low: 0 };
  const reader: ReaderPort = {
    async describe() {
      return [0, 1, 2];
    },
    async open(request): Promise<PartitionSession> {
      const start = decideStart({
        committed: state.committed,
        low: BigInt(state.low),
        high: BigInt(log.length),
        position: request.startingPosition,
        reset: request.offsetReset,
      });
      let next = Number(start.offset);
      return {
        committedOffset: state.committed,
        start,
        startOffset: start.offset,
        lowWatermark: String(state.low),
        highWatermark: () => String(log.length),
        nextOffset: () => String(next),
        stats: () => ({
          fetches: 0,
          readAheads: 0,
          overlapRecords: 0,
          gaps: 0,
          peakBufferedBytes: 0,
          receivedRecords: 0,
        }),
        async poll(max) {
          const out = log.slice(next, next + max);
          next += out.length;
          return out;
        },
        async commit(offset) {
          if (state.failCommit) throw new Error('broker down');
          state.committed = offset;
          state.commits.push(offset);
        },
        async close() {},
      };
    },
  };
  return { reader, state, log };
}

/** Ports with a memory lock, a recording sink and DLQ, a fake clock. */
export function fakePorts(reader: ReaderPort, overrides: Partial<PollPorts> = {}) {
  const delivered: { partitionKey: string; data: string }[] = [];
  const dlq: unknown[] = [];
  let now = 1_700_000_000_000;
  const lock = createMemoryLock();
  const ports: PollPorts = {
    reader,
    lock,
    sink: {
      async putRecords(entries): Promise<SinkEntryResult[]> {
        for (const e of entries)
          delivered.push({ partitionKey: e.partitionKey, data: Buffer.from(e.data).toString() });
        return entries.map(() => ({}));
      },
    },
    dlq: {
      async send(entries) {
        dlq.push(...entries);
      },
    },
    clock: {
      nowMs: () => now,
      sleep: async (ms) => {
        now += ms;
      },
    },
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    remainingTimeMs: () => 60_000,
    random: () => 0.5,
    ownerToken: () => 'owner-1',
    ...overrides,
  };
  return { ports, delivered, dlq, lock, advance: (ms: number) => (now += ms) };
}
