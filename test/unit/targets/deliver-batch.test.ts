import { describe, expect, it } from 'vitest';
import { NonRetriableError, RetriableError } from '../../../core/errors.js';
import type { SinkEntry, SinkEntryResult, SinkPort } from '../../../core/kinesis-delivery.js';
import { deliverBatch, InvalidSinkEventError } from '../../../targets/deliver-batch.js';

/** A scripted in-memory stream: each call consumes the next script step. */
class ScriptedStream implements SinkPort {
  readonly written: { partitionKey: string; data: string }[] = [];
  readonly callSizes: number[] = [];
  constructor(
    private readonly script: ((entries: readonly SinkEntry[]) => SinkEntryResult[] | Error)[] = [],
  ) {}
  async putRecords(entries: readonly SinkEntry[]): Promise<SinkEntryResult[]> {
    this.callSizes.push(entries.length);
    const step = this.script.shift();
    const outcome: SinkEntryResult[] | Error = step ? step(entries) : entries.map(() => ({}));
    if (outcome instanceof Error) throw outcome;
    entries.forEach((e, i) => {
      if (!outcome[i]?.errorCode)
        this.written.push({ partitionKey: e.partitionKey, data: Buffer.from(e.data).toString() });
    });
    return outcome;
  }
}

const record = (i: number, extra = '') => ({
  eventId: `e-${i}`,
  partitionKey: `k-${i % 3}`,
  api: { n: i, extra },
});
const noSleep = async () => {};

describe('deliverBatch', () => {
  it('writes every record once with its partition key and compact JSON bytes', async () => {
    // Arrange
    const stream = new ScriptedStream();
    const event = [record(1), record(2)];
    // Act
    const result = await deliverBatch(event, stream, { sleep: noSleep });
    // Assert
    expect(result).toEqual({ delivered: 2, calls: 1, resent: 0 });
    expect(stream.written).toEqual([
      { partitionKey: 'k-1', data: '{"eventId":"e-1","partitionKey":"k-1","api":{"n":1,"extra":""}}' },
      { partitionKey: 'k-2', data: '{"eventId":"e-2","partitionKey":"k-2","api":{"n":2,"extra":""}}' },
    ]);
  });

  it('re-sends only the rejected entries with backoff', async () => {
    // Arrange
    const sleeps: number[] = [];
    const stream = new ScriptedStream([
      (entries) =>
        entries.map((_, i) => (i === 1 ? { errorCode: 'ProvisionedThroughputExceededException' } : {})),
    ]);
    // Act
    const result = await deliverBatch([record(1), record(2), record(3)], stream, {
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      baseDelayMs: 50,
      random: () => 0.5,
    });
    // Assert
    expect(result).toEqual({ delivered: 3, calls: 2, resent: 1 });
    expect(stream.callSizes).toEqual([3, 1]);
    expect(sleeps).toEqual([25]);
    expect(stream.written.map((w) => w.partitionKey)).toEqual(['k-1', 'k-0', 'k-2']);
  });

  it.each([
    {
      name: 'entries keep being rejected',
      step: (entries: readonly SinkEntry[]): SinkEntryResult[] | Error =>
        entries.map((e) => (e.partitionKey === 'k-1' ? { errorCode: 'InternalFailure' } : {})),
      message: '1 of 2 records were not written to the stream after 3 attempts (InternalFailure)',
    },
    {
      name: 'every call fails',
      step: (): SinkEntryResult[] | Error =>
        new RetriableError('kinesis PutRecords to s failed: boom', {
          cause: Object.assign(new Error('boom'), { name: 'InternalFailure' }),
        }),
      message: '2 of 2 records were not written to the stream after 3 attempts (InternalFailure)',
    },
  ])('throws a RetriableError naming what failed when $name', async ({ step, message }) => {
    // Arrange
    const stream = () => new ScriptedStream([step, step, step]);
    // Act
    const act = deliverBatch([record(1), record(2)], stream(), { sleep: noSleep, attempts: 3 });
    // Assert
    await expect(act).rejects.toThrow(RetriableError);
    await expect(
      deliverBatch([record(1), record(2)], stream(), { sleep: noSleep, attempts: 3 }),
    ).rejects.toThrow(message);
  });

  it.each([
    ['not an array', { records: [] }, 'Sink event must be an array of records, received object'],
    ['a record without partitionKey', [{ eventId: 'x' }], 'Record 0 has no partitionKey string'],
    ['a null record', [record(1), null], 'Record 1 has no partitionKey string'],
    [
      'a partition key over 256 chars',
      [{ partitionKey: 'p'.repeat(257) }],
      'Record 0 partitionKey has 257 characters; the limit is 256',
    ],
  ])('rejects %s without calling Kinesis', async (_title, event, message) => {
    // Arrange
    const stream = new ScriptedStream();
    // Act
    const act = deliverBatch(event, stream, { sleep: noSleep });
    // Assert
    await expect(act).rejects.toThrow(new InvalidSinkEventError(message));
    await expect(deliverBatch(event, stream, { sleep: noSleep })).rejects.toBeInstanceOf(NonRetriableError);
    expect(stream.callSizes).toEqual([]);
  });

  it('returns zero work for an empty batch', async () => {
    expect(await deliverBatch([], new ScriptedStream(), { sleep: noSleep })).toEqual({
      delivered: 0,
      calls: 0,
      resent: 0,
    });
  });
});
