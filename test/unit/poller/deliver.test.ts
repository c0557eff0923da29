import { describe, expect, it } from 'vitest';
import { RetriableError } from '../../../core/errors.js';
import type { SinkEntry } from '../../../fallback-poller/batching.js';
import { deliverEntries } from '../../../fallback-poller/deliver.js';
import type { SinkEntryResult, SinkPort } from '../../../fallback-poller/kinesis-sink.js';

function entries(count: number): SinkEntry[] {
  return Array.from({ length: count }, (_, i) => ({ partitionKey: `k${i}`, data: Buffer.from(`r${i}`) }));
}

/** A sink that fails entries whose key is in `failing` for the first `times` attempts of that entry. */
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
      lastError: 'ProvisionedThroughputExceededException',
    });
    expect(calls).toEqual([500, 500, 200, 400, 400]);
    expect(new Set(acked).size).toBe(1200);
    expect(sleeps).toEqual([50, 100]);
  });

  it('gives up after maxAttempts and reports the failing indexes', async () => {
    const { sink } = flakySink((key) => key === 'k7' || key === 'k3');
    const result = await deliverEntries(entries(10), sink, { ...noSleep, maxAttempts: 4 });
    expect(result).toEqual({
      acknowledged: 8,
      failed: [3, 7],
      calls: 4,
      lastError: 'ProvisionedThroughputExceededException',
    });
  });

  it('treats a thrown RetriableError as all entries of that call failed', async () => {
    let call = 0;
    const sink: SinkPort = {
      async putRecords(batch) {
        call++;
        if (call === 1) throw new RetriableError('kinesis PutRecords to s failed: socket hang up');
        return batch.map(() => ({}));
      },
    };
    const result = await deliverEntries(entries(3), sink, noSleep);
    expect(result).toEqual({
      acknowledged: 3,
      failed: [],
      calls: 2,
      lastError: 'kinesis PutRecords to s failed: socket hang up',
    });
  });

  it('rethrows a non-retriable error', async () => {
    const sink: SinkPort = {
      async putRecords() {
        throw new Error('AccessDenied');
      },
    };
    await expect(deliverEntries(entries(1), sink, noSleep)).rejects.toThrow('AccessDenied');
  });
});
