/**
 * The shared delivery loop (core/kinesis-delivery.ts) with Firehose's limits, and the Firehose
 * PutRecordBatch adapter (core/firehose-delivery.ts) over a fake client.
 */
import type { FirehoseClient } from '@aws-sdk/client-firehose';
import { describe, expect, it } from 'vitest';
import { RetriableError } from '../../../core/errors.js';
import { createFirehoseSink, PUT_RECORD_BATCH_LIMITS } from '../../../core/firehose-delivery.js';
import {
  chunkIndexes,
  deliverEntries,
  MISSING_RESULT_CODE,
  type SinkEntry,
  type SinkEntryResult,
  type SinkPort,
} from '../../../core/kinesis-delivery.js';

const entry = (bytes: number, key = 'k'.repeat(100)): SinkEntry => ({
  partitionKey: key,
  data: new Uint8Array(bytes),
});

describe('chunking with the Firehose limits', () => {
  it('splits 500 records at the 4 MiB boundary, counting record data only', () => {
    // Arrange: 500 × 8,400 B = 4,200,000 B > 4,194,304 B; 499 records fit (4,191,600 B)
    const list = Array.from({ length: 500 }, () => entry(8_400));
    // Act
    const calls = chunkIndexes(list, PUT_RECORD_BATCH_LIMITS);
    // Assert: with partition keys counted (Kinesis' rule) only 493 would fit
    expect(calls.map((c) => c.length)).toEqual([499, 1]);
    expect(chunkIndexes(list, { ...PUT_RECORD_BATCH_LIMITS, countsPartitionKeys: true })[0]).toHaveLength(
      493,
    );
  });

  it('puts 500 small records in one call and the 501st in the next', () => {
    const calls = chunkIndexes(
      Array.from({ length: 501 }, () => entry(10)),
      PUT_RECORD_BATCH_LIMITS,
    );
    expect(calls.map((c) => c.length)).toEqual([500, 1]);
  });
});

/** A port with Firehose's limits that rejects the given indexes (of each call) on the given attempts. */
function flakyPort(reject: (call: number, index: number) => string | undefined) {
  const calls: SinkEntry[][] = [];
  const port: SinkPort = {
    limits: PUT_RECORD_BATCH_LIMITS,
    async putRecords(entries) {
      const n = calls.push([...entries]);
      return entries.map((_, i): SinkEntryResult => {
        const code = reject(n, i);
        return code ? { errorCode: code, errorMessage: 'slow down' } : {};
      });
    },
  };
  return { port, calls };
}

describe('deliverEntries through a Firehose port', () => {
  it('re-sends only the records a response marked failed (FailedPutCount), with full-jitter backoff', async () => {
    // Arrange: call 1 rejects records 3 and 7 of 10; call 2 (the re-send) accepts them
    const entries = Array.from({ length: 10 }, (_, i) => entry(100 + i));
    const { port, calls } = flakyPort((call, i) =>
      call === 1 && (i === 3 || i === 7) ? 'ServiceUnavailableException' : undefined,
    );
    const sleeps: number[] = [];
    // Act
    const result = await deliverEntries(entries, port, {
      maxAttempts: 3,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
    });
    // Assert
    expect(result).toEqual({
      acknowledged: 10,
      failed: [],
      calls: 2,
      resent: 2,
      lastError: 'ServiceUnavailableException',
      lastErrorCodes: [],
    });
    expect(calls[1]).toEqual([entries[3], entries[7]]);
    // retry 1 waits uniform in [0, 100 ms): random 0.5 → 50 ms
    expect(sleeps).toEqual([50]);
  });

  it('reports the records still failing after the last attempt, in input order', async () => {
    const entries = Array.from({ length: 4 }, () => entry(10));
    const { port, calls } = flakyPort((_call, i) => (i === 0 ? 'ServiceUnavailableException' : undefined));
    const result = await deliverEntries(entries, port, {
      maxAttempts: 3,
      sleep: async () => {},
      random: () => 0,
    });
    expect(result.failed).toEqual([0]);
    expect(result.acknowledged).toBe(3);
    expect(calls.map((c) => c.length)).toEqual([4, 1, 1]);
    expect(result.lastErrorCodes).toEqual(['ServiceUnavailableException']);
  });
});

/** A FirehoseClient whose `send` answers with `answer` and records the commands. */
function fakeClient(answer: (input: { Records: { Data: Uint8Array }[] }) => unknown) {
  const inputs: { DeliveryStreamName: string; Records: { Data: Uint8Array }[] }[] = [];
  const client = {
    async send(command: { input: { DeliveryStreamName: string; Records: { Data: Uint8Array }[] } }) {
      inputs.push(command.input);
      return answer(command.input);
    },
  } as unknown as FirehoseClient;
  return { client, inputs };
}

describe('createFirehoseSink', () => {
  it('puts each entry as one record (data only) and maps per-record errors and missing results', async () => {
    // Arrange
    const { client, inputs } = fakeClient(() => ({
      FailedPutCount: 2,
      RequestResponses: [
        { RecordId: 'a' },
        { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'busy' },
      ],
    }));
    const sink = createFirehoseSink(client, 'lake-dev');
    const entries = [entry(3, 'key-a'), entry(4, 'key-b'), entry(5, 'key-c')];
    // Act
    const results = await sink.putRecords(entries);
    // Assert
    expect(inputs).toEqual([
      { DeliveryStreamName: 'lake-dev', Records: entries.map((e) => ({ Data: e.data })) },
    ]);
    expect(results).toEqual([
      {},
      { errorCode: 'ServiceUnavailableException', errorMessage: 'busy' },
      { errorCode: MISSING_RESULT_CODE, errorMessage: 'no result for record' },
    ]);
    expect(sink.limits).toEqual({
      maxRecords: 500,
      maxBytes: 4_194_304,
      countsPartitionKeys: false,
      maxRecordBytes: 1_024_000,
    });
  });

  it('passes the deadline abort signal on to the SDK call', async () => {
    // Arrange
    const options: unknown[] = [];
    const client = {
      async send(_command: unknown, opts: unknown) {
        options.push(opts);
        return { FailedPutCount: 0, RequestResponses: [{ RecordId: 'a' }] };
      },
    } as unknown as FirehoseClient;
    const signal = new AbortController().signal;
    // Act
    await createFirehoseSink(client, 'lake-dev').putRecords([entry(1)], { abortSignal: signal });
    await createFirehoseSink(client, 'lake-dev').putRecords([entry(1)]);
    // Assert
    expect(options).toEqual([{ abortSignal: signal }, {}]);
  });

  it('turns a failed call into a RetriableError carrying the SDK error', async () => {
    const sdkError = Object.assign(new Error('Rate exceeded'), { name: 'LimitExceededException' });
    const { client } = fakeClient(() => {
      throw sdkError;
    });
    const act = createFirehoseSink(client, 'lake-dev').putRecords([entry(1)]);
    await expect(act).rejects.toThrow(RetriableError);
    await expect(act).rejects.toMatchObject({
      message: 'firehose PutRecordBatch to lake-dev failed: Rate exceeded',
      cause: sdkError,
    });
  });
});
