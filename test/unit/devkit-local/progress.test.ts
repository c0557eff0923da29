import { describe, expect, it } from 'vitest';
import { formatProgressLine, formatProgressTable, type ProgressRow } from '../../../devkit/local/progress.js';

const row: ProgressRow = {
  source: 'onprem',
  engine: 'pipe',
  produced: 300,
  consumed: 300,
  filtered: 12,
  delivered: 280,
  dlq: 8,
  lag: 0,
  retries: 1,
};

describe('progress formatting', () => {
  it('aligns the table', () => {
    // Act
    const lines = formatProgressTable([row, { ...row, source: 'long-chain', engine: 'poller', lag: null }]);
    // Assert
    expect(lines).toEqual([
      'source      engine  produced  consumed  filtered  delivered  dlq  lag  retries',
      'onprem      pipe         300       300        12        280    8    0        1',
      'long-chain  poller       300       300        12        280    8    -        1',
    ]);
  });

  it('prints a plain line', () => {
    expect(formatProgressLine(12.4, row)).toBe(
      '[  12s] onprem (pipe): produced 300, consumed 300, filtered 12, delivered 280, dlq 8, lag 0, retries 1',
    );
  });
});
