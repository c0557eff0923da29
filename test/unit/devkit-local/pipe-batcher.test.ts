import { describe, expect, it } from 'vitest';
import { PipeBatcher } from '../../../devkit/local/pipe-batcher.js';

const size = (s: string) => s.length;

describe('PipeBatcher', () => {
  it('cuts a batch as soon as batchSize records are buffered', () => {
    // Arrange
    const b = new PipeBatcher<string>({ batchSize: 3, batchingWindowSeconds: 10 }, size);
    for (const r of ['a', 'b', 'c', 'd']) b.add(r, 0);
    // Act
    const first = b.take(1);
    const second = b.take(1);
    // Assert
    expect(first).toEqual(['a', 'b', 'c']);
    expect(second).toBeNull();
    expect(b.size).toBe(1);
  });

  it('waits for the window, then sends a partial batch', () => {
    // Arrange
    const b = new PipeBatcher<string>({ batchSize: 100, batchingWindowSeconds: 2 }, size);
    b.add('a', 1_000);
    b.add('b', 1_500);
    // Act
    const early = b.take(2_999);
    const due = b.take(3_000);
    // Assert
    expect(early).toBeNull();
    expect(due).toEqual(['a', 'b']);
    expect(b.deadlineMs()).toBeNull();
  });

  it('sends at once with a zero window', () => {
    const b = new PipeBatcher<string>({ batchSize: 100, batchingWindowSeconds: 0 }, size);
    b.add('a', 5);
    expect(b.take(5)).toEqual(['a']);
  });

  it('restarts the window for records left over after a full batch', () => {
    // Arrange
    const b = new PipeBatcher<string>({ batchSize: 2, batchingWindowSeconds: 1 }, size);
    for (const r of ['a', 'b', 'c']) b.add(r, 0);
    // Act
    b.take(500);
    // Assert
    expect(b.deadlineMs()).toBe(1_500);
  });

  it('cuts by payload bytes before batchSize', () => {
    // Arrange: each item is 10 bytes + 1 separator; budget 2 + 3 × 11 = 35 bytes
    const b = new PipeBatcher<string>({ batchSize: 100, batchingWindowSeconds: 60, maxBytes: 35 }, size);
    for (let i = 0; i < 5; i++) b.add('x'.repeat(10), 0);
    // Act
    const batch = b.take(0);
    // Assert
    expect(batch).toHaveLength(3);
  });

  it('flushes whatever is buffered on demand', () => {
    const b = new PipeBatcher<string>({ batchSize: 100, batchingWindowSeconds: 60 }, size);
    b.add('a', 0);
    expect(b.take(1, true)).toEqual(['a']);
    expect(b.take(1, true)).toBeNull();
  });

  it.each([
    [{ batchSize: 0, batchingWindowSeconds: 1 }, 'Batch size must be between 1 and 10000, received 0'],
    [
      { batchSize: 10, batchingWindowSeconds: 301 },
      'Batching window must be between 0 and 300 seconds, received 301',
    ],
  ])('refuses %j', (options, message) => {
    expect(() => new PipeBatcher<string>(options, size)).toThrow(new RangeError(message));
  });
});
