/**
 * The poller writing a Firehose stream through the shared delivery loop: records rejected by
 * PutRecordBatch (FailedPutCount) are re-sent, offsets are committed only once every record of the chunk
 * was acknowledged, and a canonical record over Firehose's 1,000 KiB record limit goes to the DLQ as
 * `oversize-record` (the enrichment counts the partition key too).
 */
import { describe, expect, it } from 'vitest';
import { PUT_RECORD_BATCH_LIMITS } from '../../../core/firehose-delivery.js';
import type { SinkEntry, SinkEntryResult, SinkPort } from '../../../core/kinesis-delivery.js';
import { compileRules, DEFAULT_RULES } from '../../../enrichment/index.js';
import { type PollSettings, pollPartition } from '../../../fallback-poller/poll-partition.js';
import { FIREHOSE_RECORD_MAX_BYTES } from '../../../pipes/kinds/targets/firehose.js';
import { fakeLog, fakePorts } from './fake-ports.js';
import apicEvent from './fixtures/apic-event.json' with { type: 'json' };

const settings: PollSettings = {
  sourceName: 'apic-lake',
  topic: 'apic',
  groupId: 'kafka-pipes-apic-lake',
  startingPosition: 'TRIM_HORIZON',
  eventSource: 'SelfManagedKafka',
  cluster: 'broker-1:9093',
  rules: compileRules(DEFAULT_RULES),
  partitionKey: { type: 'record-key' },
  chunkRecords: 50,
  idleWaitMs: 0,
};

const event = (i: number, blob?: string) =>
  JSON.stringify({ ...apicEvent, transaction_id: `transaction${i}`, ...(blob ? { blob } : {}) });

/** A Firehose-limited port: `reject(call, index)` names an ErrorCode for a record, else it is accepted. */
function firehosePort(reject: (call: number, index: number) => string | undefined = () => undefined) {
  const calls: SinkEntry[][] = [];
  const accepted: string[] = [];
  const sink: SinkPort = {
    limits: PUT_RECORD_BATCH_LIMITS,
    async putRecords(entries) {
      const n = calls.push([...entries]);
      return entries.map((e, i): SinkEntryResult => {
        const code = reject(n, i);
        if (code) return { errorCode: code };
        accepted.push(Buffer.from(e.data).toString());
        return {};
      });
    },
  };
  return { sink, calls, accepted };
}

describe('poller → Firehose', () => {
  it('re-sends the records PutRecordBatch rejected and commits once the whole chunk is acknowledged', async () => {
    // Arrange: the first call of each chunk rejects its 2nd and 5th records
    const { reader, state } = fakeLog(Array.from({ length: 100 }, (_, i) => event(i)));
    const firehose = firehosePort((call, i) =>
      call % 2 === 1 && (i === 1 || i === 4) ? 'ServiceUnavailableException' : undefined,
    );
    const { ports } = fakePorts(reader, { sink: firehose.sink });
    // Act
    const res = await pollPartition({ kafka_partition: 0 }, settings, ports);
    // Assert
    expect(res.counts).toEqual({ read: 100, delivered: 100, dlq: 0, dropped: 0, committed: 100, failed: 0 });
    expect(firehose.calls.map((c) => c.length)).toEqual([50, 2, 50, 2]);
    expect(state.commits).toEqual(['0', '50', '100']);
    const ids = firehose.accepted.map((d) => (JSON.parse(d) as { kafka: { offset: string } }).kafka.offset);
    expect(new Set(ids).size).toBe(100);
  });

  it('commits only before the first record still failing after the retries', async () => {
    // Arrange: record 7 of the first chunk is always rejected
    const { reader, state } = fakeLog(Array.from({ length: 20 }, (_, i) => event(i)));
    const firehose = firehosePort((call, i) =>
      (call === 1 && i === 7) || (call > 1 && i === 0) ? 'ServiceUnavailableException' : undefined,
    );
    const { ports } = fakePorts(reader, { sink: firehose.sink });
    // Act
    const res = await pollPartition({ kafka_partition: 0 }, { ...settings, kinesisMaxAttempts: 3 }, ports);
    // Assert
    expect(res.stopReason).toBe('kinesis-retries-exhausted');
    expect(res.counts).toMatchObject({ read: 20, delivered: 19, committed: 7, failed: 13 });
    expect(state.commits).toEqual(['0', '7']);
  });

  it('delivers a record just under 1,000 KiB and sends one just over it to the DLQ as oversize-record', async () => {
    // Arrange: the serialized size grows by one byte per blob character
    const probe = firehosePort();
    const { reader: probeReader } = fakeLog([event(0, 'x')]);
    await pollPartition({ kafka_partition: 0 }, settings, fakePorts(probeReader, { sink: probe.sink }).ports);
    const [first] = probe.calls[0] as SinkEntry[];
    const fixed = (first?.data.byteLength ?? 0) - 1 + Buffer.byteLength(first?.partitionKey ?? '');
    const under = 'x'.repeat(FIREHOSE_RECORD_MAX_BYTES - fixed);
    const over = 'x'.repeat(FIREHOSE_RECORD_MAX_BYTES - fixed + 1);
    const { reader, state } = fakeLog([event(1, under), event(2, over), event(3)]);
    const firehose = firehosePort();
    const { ports, dlq } = fakePorts(reader, { sink: firehose.sink });
    // Act
    const res = await pollPartition({ kafka_partition: 0 }, settings, ports);
    // Assert
    const sent = firehose.calls.flat();
    expect(sent).toHaveLength(2);
    expect((sent[0]?.data.byteLength ?? 0) + Buffer.byteLength(sent[0]?.partitionKey ?? '')).toBe(
      FIREHOSE_RECORD_MAX_BYTES,
    );
    expect(dlq).toHaveLength(1);
    expect(dlq[0]).toMatchObject({
      offset: '1',
      reason: `oversize-record: the canonical record and partition key take ${FIREHOSE_RECORD_MAX_BYTES + 1} bytes, more than the ${FIREHOSE_RECORD_MAX_BYTES}-byte target record limit`,
    });
    expect(res.counts).toMatchObject({ read: 3, delivered: 2, dlq: 1, committed: 3 });
    expect(state.committed).toBe('3');
  });
});
