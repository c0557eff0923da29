import { describe, expect, it } from 'vitest';
import { decideStart, defaultOffsetReset, OffsetOutOfRangeError } from '../../../core/kafka/start-offset.js';

describe('decideStart (a Kafka consumer’s start position, never silent)', () => {
  it.each([
    // committed, low, high, position, reset → offset, reason, lost
    [null, 0n, 100n, 'TRIM_HORIZON', 'earliest', '0', 'no-committed-offset', '0'],
    [null, 40n, 100n, 'LATEST', 'latest', '100', 'no-committed-offset', '0'],
    ['40', 40n, 100n, 'TRIM_HORIZON', 'earliest', '40', undefined, undefined],
    ['100', 40n, 100n, 'LATEST', 'latest', '100', undefined, undefined],
    ['300', 0n, 100n, 'TRIM_HORIZON', 'earliest', '0', 'above-log-end', '0'],
    ['300', 0n, 100n, 'LATEST', 'latest', '100', 'above-log-end', '0'],
    ['10', 1500n, 2000n, 'TRIM_HORIZON', 'earliest', '1500', 'below-log-start', '1490'],
    ['10', 1500n, 2000n, 'TRIM_HORIZON', 'latest', '2000', 'below-log-start', '1490'],
  ] as const)(
    'committed %s in [%s, %s], %s / %s → starts at %s (%s)',
    (committed, low, high, position, reset, offset, reason, lost) => {
      // Act
      const decision = decideStart({ committed, low, high, position, reset });

      // Assert
      expect(decision.offset).toBe(offset);
      expect(decision.reset?.reason).toBe(reason);
      expect(decision.reset?.lostToRetention).toBe(lost);
      expect(decision).toMatchObject({ committed, logStart: low.toString(), logEnd: high.toString() });
    },
  );

  it.each([
    ['300', 0n, 100n, 'above-log-end'],
    ['10', 50n, 100n, 'below-log-start'],
  ] as const)(
    'refuses committed %s outside [%s, %s] under the fail policy, naming the fix',
    (committed, low, high, reason) => {
      // Act
      const act = () =>
        decideStart({ committed, low, high, position: 'TRIM_HORIZON', reset: 'fail', label: 'apic/2' });

      // Assert
      expect(act).toThrow(OffsetOutOfRangeError);
      expect(act).toThrow(
        `committed offset ${committed} of apic/2 is outside the log [${low}, ${high}] (${reason}) and the offset reset policy is fail`,
      );
      try {
        act();
      } catch (error) {
        expect((error as OffsetOutOfRangeError).name).toBe('NonRetriableError');
        expect((error as OffsetOutOfRangeError).decision.reset).toMatchObject({ reason, policy: 'fail' });
      }
    },
  );

  it('defaults the reset policy from the starting position', () => {
    expect(defaultOffsetReset('TRIM_HORIZON')).toBe('earliest');
    expect(defaultOffsetReset('LATEST')).toBe('latest');
  });
});
