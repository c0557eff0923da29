import { describe, expect, it } from 'vitest';
import { RetriableError } from '../../../core/errors.js';
import {
  buildPipeKafkaRecord,
  compileRules,
  DEFAULT_RULES,
  enrichBatch,
  serializeCanonical,
} from '../../../enrichment/index.js';
import { POLL_STATUS } from '../../../fallback-poller/constants.js';
import { type PollSettings, pollPartition, pollStatus } from '../../../fallback-poller/poll-partition.js';
import type { ReaderPort, SinkPort } from '../../../fallback-poller/ports.js';
import { fakeLog, fakePorts } from './fake-ports.js';
import apicEvent from './fixtures/apic-event.json' with { type: 'json' };
import statusCases from './fixtures/status-cases.json' with { type: 'json' };

const rules = compileRules(DEFAULT_RULES);
const settings: PollSettings = {
  sourceName: 'apic-onprem',
  topic: 'apic',
  groupId: 'kafka-pipes-apic-onprem',
  startingPosition: 'TRIM_HORIZON',
  eventSource: 'SelfManagedKafka',
  cluster: 'broker-1:9093',
  rules,
  partitionKey: { type: 'record-key' },
  chunkRecords: 50,
  idleWaitMs: 0,
};

function events(count: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    JSON.stringify({ ...apicEvent, transaction_id: `transaction${i}` }),
  );
}

describe('pollStatus', () => {
  it.each(statusCases)('$name → $statusCode', ({ read, committed, statusCode, message }) => {
    expect(pollStatus({ read, committed })).toEqual({ statusCode, message });
  });
});

describe('pollPartition', () => {
  it('answers a health check without touching kafka or the lock', async () => {
    const { ports, lock } = fakePorts({
      describe: async () => {
        throw new Error('no kafka');
      },
      open: async () => {
        throw new Error('no kafka');
      },
    });
    const res = await pollPartition({ type: 'health' }, settings, ports);
    expect(res.statusCode).toBe(200);
    expect(res.message).toBe('healthy');
    expect(lock.table.size).toBe(0);
  });

  it('describes partitions for partitions: auto', async () => {
    const { reader } = fakeLog([]);
    const { ports } = fakePorts(reader);
    const res = await pollPartition({ type: 'describe' }, settings, ports);
    expect(res.partitions).toEqual([0, 1, 2]);
  });

  it('drains, delivers exactly what enrichBatch produces, commits after the last record and releases the lock', async () => {
    // Arrange
    const values = events(120);
    const { reader, state, log } = fakeLog(values);
    const { ports, delivered, lock } = fakePorts(reader);
    // Act
    const res = await pollPartition({ kafka_partition: 0, iteration: 1 }, settings, ports);
    // Assert
    const expected = enrichBatch(
      log.map((r) =>
        buildPipeKafkaRecord({
          eventSource: 'SelfManagedKafka',
          cluster: 'broker-1:9093',
          ...r,
          headers: [],
        }),
      ),
      { rules, sourceName: 'apic-onprem', partitionKey: { type: 'record-key' } },
    ).records.map((c) => ({ partitionKey: c.partitionKey, data: serializeCanonical(c) }));
    expect(delivered).toEqual(expected);
    expect(res).toMatchObject({
      ...POLL_STATUS.fullyProcessed,
      counts: { read: 120, delivered: 120, dlq: 0, dropped: 0, committed: 120, failed: 0 },
      firstOffsetCommitted: '0',
      lastOffsetCommitted: '119',
      committedOffset: '120',
      lag: '0',
      stopReason: 'caught-up',
      partition: 0,
      iteration: 1,
    });
    // The group had no commit: its start offset is committed first (a Kafka consumer's position), then each chunk.
    expect(state.commits).toEqual(['0', '50', '100', '120']);
    expect(lock.table.size).toBe(0);
  });

  it('sends poison records to the DLQ and still commits past them', async () => {
    const values = [...events(3), 'not json', null, ...events(2)];
    const { reader, state } = fakeLog(values);
    const { ports, delivered, dlq } = fakePorts(reader);
    const res = await pollPartition({ kafka_partition: 0 }, settings, ports);
    expect(res.counts).toEqual({ read: 7, delivered: 5, dlq: 2, dropped: 0, committed: 7, failed: 0 });
    expect(delivered).toHaveLength(5);
    expect((dlq as { offset: string }[]).map((d) => d.offset)).toEqual(['3', '4']);
    expect(state.committed).toBe('7');
  });

  it('sends the poison records to the DLQ while PutRecords runs, and commits only once both answered', async () => {
    // Arrange: the DLQ answers only after PutRecords has started (sent one after the other, the poll would hang).
    const { reader, state } = fakeLog([...events(3), 'not json', ...events(2)]);
    const events_: string[] = [];
    let putStarted!: () => void;
    const putStart = new Promise<void>((resolve) => (putStarted = resolve));
    const { ports } = fakePorts(reader, {
      dlq: {
        async send() {
          events_.push('dlq sent');
          await putStart;
          events_.push('dlq answered');
        },
      },
      sink: {
        async putRecords(entries) {
          events_.push('put sent');
          putStarted();
          await new Promise((resolve) => setTimeout(resolve, 20));
          events_.push(`put answered (commits so far: ${state.commits.length})`);
          return entries.map(() => ({}));
        },
      },
    });
    state.committed = '0';

    // Act
    const res = await pollPartition({ kafka_partition: 0 }, settings, ports);

    // Assert
    expect(res.counts).toEqual({ read: 6, delivered: 5, dlq: 1, dropped: 0, committed: 6, failed: 0 });
    expect(events_).toEqual(['dlq sent', 'put sent', 'dlq answered', 'put answered (commits so far: 0)']);
    expect(state.commits).toEqual(['6']);
  });

  it('a DLQ failure while PutRecords succeeds commits nothing of the chunk (its records are read again)', async () => {
    const { reader, state } = fakeLog([...events(3), 'not json']);
    state.committed = '0';
    const { ports, delivered } = fakePorts(reader, {
      dlq: {
        async send() {
          throw new Error('SQS unavailable');
        },
      },
    });
    const res = await pollPartition({ kafka_partition: 0 }, settings, ports);
    expect(res).toMatchObject({
      ...POLL_STATUS.completelyFailed,
      stopReason: 'dlq-failed',
      detail: 'SQS unavailable',
      counts: { read: 4, delivered: 3, dlq: 0, committed: 0, failed: 4 },
    });
    expect(delivered).toHaveLength(3);
    expect(state.commits).toEqual([]);
  });

  it('a chunk enriched in slices gives exactly what one enrichBatch over the chunk gives', async () => {
    // Arrange: 260 records in one chunk (more than one enrichment slice), poison ones spread across.
    const values = events(260).map((v, i) => (i % 37 === 5 ? 'not json' : i % 53 === 7 ? null : v));
    const { reader, state, log } = fakeLog(values);
    const { ports, delivered, dlq } = fakePorts(reader);
    const withoutTime = (entries: unknown[]) =>
      entries.map((e) => ({ ...(e as Record<string, unknown>), failedAt: null }));

    // Act
    const res = await pollPartition({ kafka_partition: 0 }, { ...settings, chunkRecords: 300 }, ports);

    // Assert
    const expected = enrichBatch(
      log.map((r) =>
        buildPipeKafkaRecord({
          eventSource: 'SelfManagedKafka',
          cluster: 'broker-1:9093',
          ...r,
          headers: [],
        }),
      ),
      { rules, sourceName: 'apic-onprem', partitionKey: { type: 'record-key' } },
    );
    expect(delivered).toEqual(
      expected.records.map((c) => ({ partitionKey: c.partitionKey, data: serializeCanonical(c) })),
    );
    expect(withoutTime(dlq)).toEqual(withoutTime(expected.dlq));
    expect(res.counts).toEqual({
      read: 260,
      delivered: expected.records.length,
      dlq: expected.dlq.length,
      dropped: 0,
      committed: 260,
      failed: 0,
    });
    expect(state.commits).toEqual(['0', '260']);
  });

  it('answers 204 when nothing is there, committing the start offset of a group that had none', async () => {
    const { reader, state } = fakeLog([]);
    const { ports } = fakePorts(reader);
    const res = await pollPartition({ kafka_partition: 0 }, settings, ports);
    expect(res).toMatchObject({
      ...POLL_STATUS.notFound,
      counts: { read: 0 },
      committedOffset: '0',
      reset: { reason: 'no-committed-offset', policy: 'TRIM_HORIZON', from: null, to: '0' },
    });
    expect(state.commits).toEqual(['0']);
  });

  it('answers 203 when another reader holds the lock, and takes it over once expired', async () => {
    const { reader } = fakeLog(events(5));
    const { ports, lock, advance } = fakePorts(reader);
    lock.table.set('apic_0', { owner: 'crashed', expiresAt: ports.clock.nowMs() + 1_000 });
    const first = await pollPartition({ kafka_partition: 0 }, settings, ports);
    advance(1_001);
    const second = await pollPartition({ kafka_partition: 0 }, settings, ports);
    expect(first).toMatchObject({
      ...POLL_STATUS.anotherReader,
      detail: 'lock apic_0 is held by another reader',
    });
    expect(second).toMatchObject({ ...POLL_STATUS.fullyProcessed, counts: { committed: 5 } });
  });

  it('stops at the batch limit (original design: 300) and leaves the rest for the next poll', async () => {
    const { reader, state } = fakeLog(events(700));
    const { ports } = fakePorts(reader);
    const res = await pollPartition(
      { kafka_partition: 0 },
      { ...settings, maxRecordsPerInvocation: 300 },
      ports,
    );
    expect(res).toMatchObject({
      statusCode: 200,
      stopReason: 'batch-limit',
      lastOffsetCommitted: '299',
      lag: '400',
      moreRecords: true,
    });
    expect(state.committed).toBe('300');
  });

  it("stops at the execution's time budget, says records are left and how much budget is left", async () => {
    // Each chunk read takes 2 s; the execution (budget 50 s) started 45 s ago: chunks at 0, 2 and 4 s, stop at 6 s.
    const { reader: base, state } = fakeLog(events(200));
    const clock = { advance: (_ms: number) => 0 };
    const reader: ReaderPort = {
      ...base,
      async open(request) {
        const session = await base.open(request);
        return {
          ...session,
          poll: (max, wait) => {
            clock.advance(2_000);
            return session.poll(max, wait);
          },
        };
      },
    };
    const { ports, advance } = fakePorts(reader);
    clock.advance = advance;
    const start = new Date(ports.clock.nowMs() - 45_000).toISOString();
    const res = await pollPartition(
      { kafka_partition: 0, iteration: 3, execution_start: start, budget_seconds: 50 },
      settings,
      ports,
    );
    expect(res).toMatchObject({
      statusCode: 200,
      stopReason: 'time-budget',
      counts: { read: 150, committed: 150 },
      lag: '50',
      moreRecords: true,
      budgetLeftSeconds: -1,
    });
    expect(state.committed).toBe('150');
  });

  it('answers a drained or locked partition with no records left and the budget left', async () => {
    const { reader } = fakeLog(events(20));
    const { ports, lock } = fakePorts(reader);
    const start = new Date(ports.clock.nowMs() - 10_000).toISOString();
    const input = { kafka_partition: 0, execution_start: start, budget_seconds: 50 };
    const drained = await pollPartition(input, settings, ports);
    expect(drained).toMatchObject({ statusCode: 200, moreRecords: false, budgetLeftSeconds: 40 });
    await lock.acquire({ key: 'apic_0', owner: 'other', ttlSeconds: 120, nowMs: ports.clock.nowMs() });
    const locked = await pollPartition(input, settings, ports);
    expect(locked).toMatchObject({ statusCode: 203, moreRecords: false, budgetLeftSeconds: 40 });
  });

  it('refuses a budget without a readable execution start', async () => {
    const { reader } = fakeLog(events(1));
    const { ports } = fakePorts(reader);
    await expect(
      pollPartition(
        { kafka_partition: 0, execution_start: 'yesterday', budget_seconds: 50 },
        settings,
        ports,
      ),
    ).rejects.toThrow(/execution_start must be an ISO 8601 time/);
  });

  it('stops when the remaining time drops below the safety margin', async () => {
    // Each chunk read takes 4 s of a Lambda with 16 s left: 16, 12, then 8 s (< 10 s margin) at the third.
    const { reader: base } = fakeLog(events(200));
    let elapsed = 0;
    const reader: ReaderPort = {
      ...base,
      async open(request) {
        const session = await base.open(request);
        return {
          ...session,
          poll: (max, wait) => {
            elapsed += 4_000;
            return session.poll(max, wait);
          },
        };
      },
    };
    const { ports } = fakePorts(reader, { remainingTimeMs: () => 16_000 - elapsed });
    const res = await pollPartition({ kafka_partition: 0 }, { ...settings, safetyMarginMs: 10_000 }, ports);
    expect(res).toMatchObject({
      statusCode: 200,
      stopReason: 'time-budget',
      counts: { read: 100, committed: 100 },
    });
  });

  it('commits only up to the first record Kinesis never acknowledged (206)', async () => {
    const { reader, state } = fakeLog(events(100));
    const sink: SinkPort = {
      async putRecords(entries) {
        return entries.map((e) => {
          const offset = (JSON.parse(Buffer.from(e.data).toString()) as { kafka: { offset: string } }).kafka
            .offset;
          return offset === '73' ? { errorCode: 'InternalFailure' } : {};
        });
      },
    };
    const { ports } = fakePorts(reader, { sink });
    const res = await pollPartition({ kafka_partition: 0 }, { ...settings, kinesisMaxAttempts: 3 }, ports);
    expect(res).toMatchObject({
      ...POLL_STATUS.partiallyProcessed,
      stopReason: 'kinesis-retries-exhausted',
      detail: '1 entries still failing after retries: InternalFailure',
      counts: { read: 100, delivered: 99, committed: 73, failed: 27 },
      lastOffsetCommitted: '72',
    });
    expect(state.committed).toBe('73');
  });

  it('answers 503 when records were read and nothing could be committed', async () => {
    const { reader, state } = fakeLog(events(10));
    state.committed = '0';
    state.failCommit = true;
    const { ports } = fakePorts(reader);
    const res = await pollPartition({ kafka_partition: 0 }, settings, ports);
    expect(res).toMatchObject({
      ...POLL_STATUS.completelyFailed,
      stopReason: 'commit-failed',
      detail: 'broker down',
    });
  });

  it('enriches and delivers the next chunk while the previous commit is in flight; commits stay in order', async () => {
    // Arrange: 120 records in chunks of 50; each commit answers only after the next chunk was delivered
    const { reader, state } = fakeLog(events(120));
    state.committed = '0';
    const order: string[] = [];
    const slowCommits: ReaderPort = {
      ...reader,
      async open(request) {
        const session = await reader.open(request);
        return {
          ...session,
          async commit(offset) {
            order.push(`commit ${offset} sent`);
            await new Promise((resolve) => setTimeout(resolve, 20));
            await session.commit(offset);
            order.push(`commit ${offset} done`);
          },
        };
      },
    };
    const { ports } = fakePorts(slowCommits, {
      sink: {
        async putRecords(entries) {
          order.push(`put ${entries.length}`);
          return entries.map(() => ({}));
        },
      },
    });
    // Act
    const res = await pollPartition({ kafka_partition: 0 }, settings, ports);
    // Assert
    expect(order).toEqual([
      'put 50',
      'commit 50 sent',
      'put 50',
      'commit 50 done',
      'commit 100 sent',
      'put 20',
      'commit 100 done',
      'commit 120 sent',
      'commit 120 done',
    ]);
    expect(state.commits).toEqual(['50', '100', '120']);
    expect(res).toMatchObject({ statusCode: 200, committedOffset: '120', lag: '0', stopReason: 'caught-up' });
  });

  it('a commit that fails while the next chunk is delivered stops the poll: that chunk is counted failed, not committed', async () => {
    // Arrange: the first commit fails; the second chunk is already on its way
    const { reader, state } = fakeLog(events(120));
    state.committed = '0';
    const failFirst: ReaderPort = {
      ...reader,
      async open(request) {
        const session = await reader.open(request);
        return {
          ...session,
          async commit() {
            await new Promise((resolve) => setTimeout(resolve, 10));
            throw new Error('coordinator moved');
          },
        };
      },
    };
    const { ports, delivered } = fakePorts(failFirst);
    // Act
    const res = await pollPartition({ kafka_partition: 0 }, settings, ports);
    // Assert: two chunks read and delivered, none committed, the commit failure is the stop reason
    expect(delivered).toHaveLength(100);
    expect(state.commits).toEqual([]);
    expect(res).toMatchObject({
      ...POLL_STATUS.completelyFailed,
      stopReason: 'commit-failed',
      counts: { read: 100, delivered: 100, committed: 0, failed: 100 },
      committedOffset: '0',
    });
  });

  it('does not commit once the lock was taken over', async () => {
    const { reader, state } = fakeLog(events(10));
    state.committed = '0';
    const { ports, lock } = fakePorts(reader);
    const original = lock.renew.bind(lock);
    lock.renew = async (r) => {
      lock.table.set(r.key, { owner: 'thief', expiresAt: r.nowMs + 60_000 });
      return original(r);
    };
    const res = await pollPartition({ kafka_partition: 0 }, settings, ports);
    expect(res).toMatchObject({ statusCode: 503, stopReason: 'lock-lost' });
    expect(state.committed).toBe('0');
    expect(state.commits).toEqual([]);
    expect(lock.table.get('apic_0')?.owner).toBe('thief');
  });

  it('renews the lock while PutRecords runs, and commits only once both answered', async () => {
    const { reader, state } = fakeLog(events(10));
    state.committed = '0';
    const order: string[] = [];
    let putStarted!: () => void;
    const putStart = new Promise<void>((resolve) => (putStarted = resolve));
    const { ports, lock } = fakePorts(reader, {
      sink: {
        async putRecords(entries) {
          order.push('put sent');
          putStarted();
          await new Promise((resolve) => setTimeout(resolve, 20));
          order.push(`put answered (commits: ${state.commits.length})`);
          return entries.map(() => ({}));
        },
      },
    });
    const original = lock.renew.bind(lock);
    lock.renew = async (r) => {
      order.push('renew sent');
      await putStart;
      return original(r);
    };
    const res = await pollPartition({ kafka_partition: 0 }, settings, ports);
    expect(res.counts).toMatchObject({ read: 10, delivered: 10, committed: 10 });
    expect(order).toEqual(['renew sent', 'put sent', 'put answered (commits: 0)']);
    expect(state.commits).toEqual(['10']);
  });

  it('renews again before the commit when the delivery outlasted half the lock lifetime (taken over meanwhile: no commit)', async () => {
    const { reader, state } = fakeLog(events(10));
    state.committed = '0';
    const { ports, lock, advance } = fakePorts(reader, {
      sink: {
        async putRecords(entries) {
          // A slow delivery: 40 s of a 60 s lock pass, and another reader takes the lock over.
          advance(40_000);
          lock.table.set('apic_0', { owner: 'thief', expiresAt: Number.MAX_SAFE_INTEGER });
          return entries.map(() => ({}));
        },
      },
    });
    const res = await pollPartition({ kafka_partition: 0 }, { ...settings, lockTtlSeconds: 60 }, ports);
    expect(res).toMatchObject({ statusCode: 503, stopReason: 'lock-lost' });
    expect(state.commits).toEqual([]);
  });

  it('LATEST: the first poll commits the log end, so records produced after it are read by the next poll', async () => {
    // Arrange: 30 records exist before the first poll; 20 more arrive after it.
    const { reader, state, log } = fakeLog(events(50));
    const before = log.splice(30);
    const { ports, delivered } = fakePorts(reader);
    const latest = { ...settings, startingPosition: 'LATEST' as const };

    // Act
    const first = await pollPartition({ kafka_partition: 0 }, latest, ports);
    log.push(...before);
    const second = await pollPartition({ kafka_partition: 0 }, latest, ports);

    // Assert
    expect(first).toMatchObject({
      ...POLL_STATUS.notFound,
      committedOffset: '30',
      lag: '0',
      reset: { reason: 'no-committed-offset', policy: 'LATEST', from: null, to: '30' },
    });
    expect(second).toMatchObject({ ...POLL_STATUS.fullyProcessed, counts: { read: 20, committed: 20 } });
    expect(second.reset).toBeUndefined();
    expect(delivered).toHaveLength(20);
    expect(state.commits).toEqual(['30', '50']);
  });

  it('a commit above the log end (topic recreated) resets to the log start by default, with a WARN log and the reset in the response', async () => {
    // Arrange
    const { reader, state } = fakeLog(events(100));
    state.committed = '300';
    const warnings: unknown[] = [];
    const { ports } = fakePorts(reader, {
      logger: { debug() {}, info() {}, error() {}, warn: (m, c) => warnings.push({ m, ...c }) },
    });

    // Act
    const res = await pollPartition({ kafka_partition: 0 }, settings, ports);

    // Assert
    expect(res).toMatchObject({
      ...POLL_STATUS.fullyProcessed,
      counts: { read: 100, committed: 100 },
      committedOffset: '100',
      reset: {
        reason: 'above-log-end',
        policy: 'earliest',
        from: '300',
        to: '0',
        logStart: '0',
        logEnd: '100',
      },
    });
    expect(state.commits).toEqual(['0', '50', '100']);
    expect(warnings).toContainEqual(
      expect.objectContaining({ m: 'committed offset out of range: offset reset', from: '300', to: '0' }),
    );
  });

  it('offsetReset fail: a commit outside the log answers 503 and reads and commits nothing', async () => {
    // Arrange
    const { reader, state } = fakeLog(events(100));
    state.committed = '300';
    const { ports, lock } = fakePorts(reader);

    // Act
    const res = await pollPartition({ kafka_partition: 0 }, { ...settings, offsetReset: 'fail' }, ports);

    // Assert
    expect(res).toMatchObject({
      ...POLL_STATUS.completelyFailed,
      stopReason: 'offset-out-of-range',
      counts: { read: 0, committed: 0 },
      committedOffset: '300',
      reset: { reason: 'above-log-end', policy: 'fail', from: '300', to: '300' },
    });
    expect(res.detail).toContain('the offset reset policy is fail');
    expect(state.commits).toEqual([]);
    expect(lock.table.size).toBe(0);
  });

  it('records deleted by retention before they were read: counted, logged as ERROR with the offset range, then read from the log start', async () => {
    // Arrange: committed 10, retention deleted offsets 10..59.
    const { reader, state } = fakeLog(events(100));
    state.committed = '10';
    state.low = 60;
    const errors: Record<string, unknown>[] = [];
    const { ports } = fakePorts(reader, {
      logger: { debug() {}, info() {}, warn() {}, error: (m, c) => errors.push({ m, ...c }) },
    });

    // Act
    const res = await pollPartition({ kafka_partition: 0 }, settings, ports);

    // Assert
    expect(res).toMatchObject({
      ...POLL_STATUS.fullyProcessed,
      counts: { read: 40, committed: 40 },
      reset: { reason: 'below-log-start', from: '10', to: '60', lostToRetention: '50' },
    });
    expect(errors).toContainEqual(
      expect.objectContaining({ m: 'records lost to retention', lostOffsets: '10-59', lostCount: '50' }),
    );
    expect(state.commits).toEqual(['60', '100']);
  });

  it('a lock table failure on the renew before a commit ends the poll with 503 (not a throw), commits nothing and still releases', async () => {
    // Arrange
    const { reader, state } = fakeLog(events(10));
    state.committed = '0';
    const errors: Record<string, unknown>[] = [];
    const { ports, lock } = fakePorts(reader, {
      logger: { debug() {}, info() {}, warn() {}, error: (m, c) => errors.push({ m, ...c }) },
    });
    const released: string[] = [];
    lock.renew = async () => {
      throw new Error('lock table renew failed: ProvisionedThroughputExceededException');
    };
    const release = lock.release.bind(lock);
    lock.release = async (r) => {
      released.push(r.key);
      return release(r);
    };

    // Act
    const res = await pollPartition({ kafka_partition: 0 }, settings, ports);

    // Assert
    expect(res).toMatchObject({
      ...POLL_STATUS.completelyFailed,
      stopReason: 'lock-renew-failed',
      counts: { read: 10, committed: 0, failed: 10 },
    });
    expect(res.detail).toContain('ProvisionedThroughputExceededException');
    expect(state.commits).toEqual([]);
    expect(released).toEqual(['apic_0']);
    expect(lock.table.size).toBe(0);
    expect(errors).toContainEqual(
      expect.objectContaining({ m: 'poll finished', statusCode: 503, detail: res.detail }),
    );
  });

  it('a Kinesis call that never answers is aborted when only the finish reserve is left (503 before the Lambda timeout)', async () => {
    // Arrange: a sink that answers only to its abort signal; 6.4 s left = 0.4 s for the delivery.
    const { reader, state } = fakeLog(events(10));
    state.committed = '0';
    const sink: SinkPort = {
      putRecords: (_entries, options) =>
        new Promise((_resolve, reject) => {
          options?.abortSignal?.addEventListener('abort', () => reject(new RetriableError('aborted')));
        }),
    };
    const started = Date.now();
    const { ports, lock } = fakePorts(reader, {
      sink,
      remainingTimeMs: () => 6_400 - (Date.now() - started),
    });

    // Act
    const res = await pollPartition({ kafka_partition: 0 }, { ...settings, safetyMarginMs: 0 }, ports);

    // Assert
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(res).toMatchObject({
      ...POLL_STATUS.completelyFailed,
      stopReason: 'kinesis-retries-exhausted',
      counts: { read: 10, committed: 0 },
    });
    expect(res.detail).toContain('delivery deadline');
    expect(state.commits).toEqual([]);
    expect(lock.table.size).toBe(0);
  });

  it('a DLQ send that never answers ends the poll at the same deadline (503 dlq-failed)', async () => {
    // Arrange: a poison record in the chunk; the DLQ never answers; 6.3 s left = 0.3 s for the delivery.
    const { reader, state } = fakeLog(['not json', ...events(3)]);
    state.committed = '0';
    const started = Date.now();
    const { ports } = fakePorts(reader, {
      dlq: { send: () => new Promise(() => undefined) },
      remainingTimeMs: () => 6_300 - (Date.now() - started),
    });

    // Act
    const res = await pollPartition({ kafka_partition: 0 }, { ...settings, safetyMarginMs: 0 }, ports);

    // Assert
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(res).toMatchObject({
      ...POLL_STATUS.completelyFailed,
      stopReason: 'dlq-failed',
      detail: 'DLQ send: delivery deadline reached',
      counts: { read: 4, committed: 0 },
    });
    expect(state.commits).toEqual([]);
  });

  it.each([
    [
      { kafka_partition: -1 },
      "invalid poll input: expected {kafka_partition: non-negative integer, iteration?} or {type: 'health'|'describe'}, received {\"kafka_partition\":-1}",
    ],
    [
      { kafka_partition: 0, source: 'other' },
      'poll input names source other but this function serves apic-onprem',
    ],
  ])('rejects %j', async (input, message) => {
    const { reader } = fakeLog([]);
    const { ports } = fakePorts(reader);
    await expect(pollPartition(input, settings, ports)).rejects.toThrow(message);
  });
});
