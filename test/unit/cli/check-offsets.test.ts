import { describe, expect, it } from 'vitest';
import { offsetsOutsideLog } from '../../../cli/check/kafka-steps.js';

const row = (partition: number, committed: string | null, logStart: string, logEnd: string) => ({
  partition,
  committed,
  logStart,
  logEnd,
  lag: '0',
});

describe('check: committed offsets outside the log', () => {
  it('says nothing when every commit lies inside the log (or there is none)', () => {
    expect(
      offsetsOutsideLog([row(0, '5', '0', '10'), row(1, null, '3', '3'), row(2, '10', '10', '10')]),
    ).toBe(undefined);
  });

  it('reports records lost to retention with their offset range', () => {
    // Act
    const found = offsetsOutsideLog([row(0, '10', '1510', '2000'), row(1, '7', '0', '9')]);

    // Assert
    expect(found?.message).toBe(
      'records lost to retention before they were read: partition 0: 1500 records (offsets 10-1509)',
    );
    expect(found?.cause).toBe("the topic's retention deleted records the group had not read yet");
    expect(found?.fix).toContain('poller.offsetReset');
  });

  it('reports a commit beyond the log end as a recreated or truncated topic', () => {
    // Act
    const found = offsetsOutsideLog([row(0, '300', '0', '100')]);

    // Assert
    expect(found?.message).toBe(
      'committed offsets beyond the log end (topic recreated or truncated): partition 0: committed 300 > log end 100',
    );
    expect(found?.cause).toContain('deleted and created again');
    expect(found?.fix).toContain('eventId');
  });
});
