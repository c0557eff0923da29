import { describe, expect, it } from 'vitest';
import { RetriableError } from '../../../core/errors.js';
import {
  backoffDelayMs,
  chunkIndexes,
  deliverEntries,
  entrySizeBytes,
  PUT_RECORDS_LIMITS,
  type SinkEntry,
  type SinkEntryResult,
  type SinkPort,
} from '../../../core/kinesis-delivery.js';

const MiB = 1024 * 1024;

function sizedEntries(count: number, dataBytes: number, key = 'k'): SinkEntry[] {
  return Array.from({ length: count }, () => ({ partitionKey: key, data: new Uint8Array(dataBytes) }));
}

function entries(count: number): SinkEntry[] {
  return Array.from({ length: count }, (_, i) => ({ partitionKey: `k${i}`, data: Buffer.from(`r${i}`) }));
}

/** A sink that fails entries for which `failing(key, attempt of that entry)` holds. */
function flakySink(failing: (key: string, attempt: number) => boolean) {
  const attempts = new Map<string, number>();
  const calls: number[] = [];
  const acked: string[] = [];
  const sink: SinkPort = {
    async putRecords(batch): Promise<SinkEntryResult[]> {
      calls.push(batch.length);
      return batch.map((e) => {
        const n = (attempts.get(e.partitionKey) ?? 0) + 1;
        attempts.set(e.partitionKey, n);
        if (failing(e.partitionKey, n)) return { errorCode: 'ProvisionedThroughputExceededException' };
        acked.push(e.partitionKey);
        return {};
      });
    },
  };
  return { sink, calls, acked };
}

const noSleep = { sleep: async () => undefined, random: () => 0.5 };

describe('chunkIndexes (PutRecords ≤ 500 records, ≤ 5 MiB)', () => {
  it.each([
    { name: '1001 small records: 500/500/1', count: 1001, bytes: 100, sizes: [500, 500, 1] },
    { name: 'exactly 500', count: 500, bytes: 100, sizes: [500] },
    { name: '1 MiB entries with their keys: exactly 5 MiB fits', count: 10, bytes: MiB - 1, sizes: [5, 5] },
    { name: '1 MiB data + 1-byte key: 4 fit, not 5', count: 10, bytes: MiB, sizes: [4, 4, 2] },
    { name: '2 MiB records: 2/1', count: 3, bytes: 2 * MiB, sizes: [2, 1] },
    {
      name: '3.5 KB API Connect records, 1600 of them',
      count: 1600,
      bytes: 3_500,
      sizes: [500, 500, 500, 100],
    },
    { name: '20 KB records: bytes bind before count', count: 600, bytes: 20_000, sizes: [262, 262, 76] },
    { name: 'none', count: 0, bytes: 10, sizes: [] },
  ])('$name', ({ count, bytes, sizes }) => {
    // Arrange
    const list = sizedEntries(count, bytes);
    // Act
    const calls = chunkIndexes(list);
    // Assert
    expect(calls.map((c) => c.length)).toEqual(sizes);
    expect(calls.flat()).toEqual(list.map((_, i) => i));
    for (const call of calls) {
      const total = call.reduce((sum, i) => sum + entrySizeBytes(list[i] as SinkEntry), 0);
      expect(call.length).toBeLessThanOrEqual(PUT_RECORDS_LIMITS.maxRecords);
      expect(total).toBeLessThanOrEqual(PUT_RECORDS_LIMITS.maxBytes);
    }
  });

  it('gives an entry over 5 MiB a call of its own', () => {
    // Arrange
    const list = [...sizedEntries(1, 10), ...sizedEntries(1, 6 * MiB), ...sizedEntries(2, 10)];
    // Act
    const calls = chunkIndexes(list);
    // Assert
    expect(calls).toEqual([[0], [1], [2, 3]]);
  });

  it('counts the partition key in UTF-8 bytes', () => {
    expect(entrySizeBytes({ partitionKey: 'é€', data: new Uint8Array(10) })).toBe(15);
  });

  it('keeps only the requested indexes, in order', () => {
    const list = sizedEntries(10, 1);
    expect(chunkIndexes(list, { maxRecords: 2, maxBytes: 100 }, [1, 4, 7])).toEqual([[1, 4], [7]]);
  });
});

describe('backoffDelayMs (exponential, full jitter)', () => {
  it.each([
    { retry: 1, random: 0.999, expected: 99 },
    { retry: 2, random: 0.5, expected: 100 },
    { retry: 3, random: 0.5, expected: 200 },
    { retry: 6, random: 0.999, expected: 3_196 },
    { retry: 7, random: 0.999, expected: 4_995 },
    { retry: 30, random: 0.5, expected: 2_500 },
    { retry: 4, random: 0, expected: 0 },
  ])('retry $retry with random $random → $expected ms', ({ retry, random, expected }) => {
    expect(backoffDelayMs(retry, { baseMs: 100, maxMs: 5_000 }, () => random)).toBe(expected);
  });

  it.each([0, -1, 1.5])('rejects retry %s', (retry) => {
    expect(() => backoffDelayMs(retry)).toThrow(`retry must be an integer >= 1, received ${retry}`);
  });
});

describe('deliverEntries', () => {
  it('retries only the failed entries until acknowledged', async () => {
    // Arrange: every third entry fails its first two attempts
    const { sink, calls, acked } = flakySink(
      (key, attempt) => Number(key.slice(1)) % 3 === 0 && attempt <= 2,
    );
    const sleeps: number[] = [];
    // Act
    const result = await deliverEntries(entries(1200), sink, {
      ...noSleep,
      maxAttempts: 8,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      backoff: { baseMs: 100, maxMs: 5000 },
    });
    // Assert
    expect(result).toEqual({
      acknowledged: 1200,
      failed: [],
      calls: 5,
      resent: 800,
      lastError: 'ProvisionedThroughputExceededException',
      lastErrorCodes: [],
    });
    expect(calls).toEqual([500, 500, 200, 400, 400]);
    expect(new Set(acked).size).toBe(1200);
    expect(sleeps).toEqual([50, 100]);
  });

  it('gives up after maxAttempts and reports the failing indexes', async () => {
    // Arrange
    const { sink } = flakySink((key) => key === 'k7' || key === 'k3');
    // Act
    const result = await deliverEntries(entries(10), sink, { ...noSleep, maxAttempts: 4 });
    // Assert
    expect(result).toEqual({
      acknowledged: 8,
      failed: [3, 7],
      calls: 4,
      resent: 6,
      lastError: 'ProvisionedThroughputExceededException',
      lastErrorCodes: ['ProvisionedThroughputExceededException'],
    });
  });

  it('counts an entry without a result as failed (MissingResult)', async () => {
    // Arrange: the first entry is rejected, the response has no result for the others
    const sink: SinkPort = {
      async putRecords() {
        return [{ errorCode: 'InternalFailure' }];
      },
    };
    // Act
    const result = await deliverEntries(entries(3), sink, { ...noSleep, maxAttempts: 2 });
    // Assert
    expect(result).toEqual({
      acknowledged: 0,
      failed: [0, 1, 2],
      calls: 2,
      resent: 3,
      lastError: 'MissingResult',
      lastErrorCodes: ['InternalFailure', 'MissingResult'],
    });
  });

  it('treats a thrown RetriableError as all entries of that call failed', async () => {
    // Arrange
    let call = 0;
    const sink: SinkPort = {
      async putRecords(batch) {
        call++;
        if (call === 1) throw new RetriableError('kinesis PutRecords to s failed: socket hang up');
        return batch.map(() => ({}));
      },
    };
    // Act
    const result = await deliverEntries(entries(3), sink, { ...noSleep, maxAttempts: 2 });
    // Assert
    expect(result).toEqual({
      acknowledged: 3,
      failed: [],
      calls: 2,
      resent: 3,
      lastError: 'kinesis PutRecords to s failed: socket hang up',
      lastErrorCodes: [],
    });
  });

  it.each([
    {
      name: 'the SDK exception the error wraps',
      error: new RetriableError('kinesis PutRecords to s failed: not found', {
        cause: Object.assign(new Error('not found'), { name: 'ResourceNotFoundException' }),
      }),
      code: 'ResourceNotFoundException',
    },
    {
      name: 'the error itself without a cause',
      error: new RetriableError('kinesis PutRecords to s failed: not found'),
      code: 'RetriableError',
    },
  ])('reports a call that keeps throwing with the name of $name', async ({ error, code }) => {
    // Arrange
    const sink: SinkPort = {
      async putRecords() {
        throw error;
      },
    };
    // Act
    const result = await deliverEntries(entries(2), sink, { ...noSleep, maxAttempts: 3 });
    // Assert
    expect(result).toEqual({
      acknowledged: 0,
      failed: [0, 1],
      calls: 3,
      resent: 4,
      lastError: 'kinesis PutRecords to s failed: not found',
      lastErrorCodes: [code],
    });
  });

  it('rethrows a non-retriable error', async () => {
    // Arrange
    const sink: SinkPort = {
      async putRecords() {
        throw new Error('AccessDenied');
      },
    };
    // Act
    const act = deliverEntries(entries(1), sink, { ...noSleep, maxAttempts: 3 });
    // Assert
    await expect(act).rejects.toThrow('AccessDenied');
  });
});
