/**
 * Test data never older than Kafka's default retention (issue 18 item 8): a record stamped 2025-01-01 was
 * deleted by a broker with the default 7-day retention about 30 s after it started. The fixtures stamp
 * records with fixtureTimestamp, which refuses a stamp outside the retention.
 */
import { describe, expect, it } from 'vitest';
import {
  assertWithinRetention,
  fixtureTimestamp,
  KAFKA_DEFAULT_RETENTION_MS,
} from '../../../devkit/testbed/kafka.js';

const NOW = Date.UTC(2026, 10, 30, 12);

describe('fixture timestamps and retention', () => {
  it('stamps records within the last 10 minutes, in order', () => {
    // Act
    const stamps = [0, 1, 20_000, 599_999].map((i) => Number(fixtureTimestamp(i, NOW)));

    // Assert
    expect(stamps).toEqual([NOW - 600_000, NOW - 599_999, NOW - 580_000, NOW - 1]);
    expect(stamps.every((t) => t > NOW - KAFKA_DEFAULT_RETENTION_MS && t <= NOW)).toBe(true);
  });

  it.each([
    ['the 2025-01-01 stamp the fixtures used before', String(Date.UTC(2025, 0, 1))],
    ['one millisecond past the 7-day retention', String(NOW - KAFKA_DEFAULT_RETENTION_MS)],
    ['a stamp in the future', String(NOW + 1)],
  ])('refuses %s', (_name, stamp) => {
    expect(() => assertWithinRetention([String(NOW - 1), stamp], NOW)).toThrow(
      `fixture timestamp ${stamp} (`,
    );
  });

  it('refuses an offset that would leave the window', () => {
    expect(() => fixtureTimestamp(600_001, NOW)).toThrow(RangeError);
    expect(() => fixtureTimestamp(-KAFKA_DEFAULT_RETENTION_MS, NOW)).toThrow(RangeError);
  });
});
