import { describe, expect, it } from 'vitest';
import { backoffDelayMs } from '../../../fallback-poller/backoff.js';
import {
  chunkIndexes,
  entrySizeBytes,
  PUT_RECORDS_LIMITS,
  type SinkEntry,
} from '../../../fallback-poller/batching.js';

const MiB = 1024 * 1024;

function entries(count: number, dataBytes: number, key = 'k'): SinkEntry[] {
  return Array.from({ length: count }, () => ({ partitionKey: key, data: new Uint8Array(dataBytes) }));
}

describe('chunkIndexes (PutRecords ≤ 500 records, ≤ 5 MiB)', () => {
  it.each([
    { name: '1200 small records', count: 1200, bytes: 100, sizes: [500, 500, 200] },
    { name: 'exactly 500', count: 500, bytes: 100, sizes: [500] },
    { name: '1 MiB records: 4 fit with their keys, not 5', count: 10, bytes: MiB - 1, sizes: [5, 5] },
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
    const list = entries(count, bytes);
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

  it('counts the partition key in UTF-8 bytes', () => {
    expect(entrySizeBytes({ partitionKey: 'é€', data: new Uint8Array(10) })).toBe(15);
  });

  it('keeps only the requested indexes, in order', () => {
    const list = entries(10, 1);
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
