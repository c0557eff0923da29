import { describe, expect, it } from 'vitest';
import {
  diffReplacementFields,
  formatReplacementWarning,
  pipeNameOf,
  type ReplacementSnapshot,
} from '../../../pipes/replacement-fields.js';

const before: ReplacementSnapshot = {
  name: 'src',
  topic: 't1',
  startingPosition: 'TRIM_HORIZON',
  consumerGroupId: 'g1',
  brokers: ['a:9093', 'b:9093'],
};

describe('diffReplacementFields', () => {
  it.each([
    ['topic', { topic: 't2' }, '"t1"', '"t2"'],
    ['startingPosition', { startingPosition: 'LATEST' as const }, '"TRIM_HORIZON"', '"LATEST"'],
    ['consumerGroupId', { consumerGroupId: 'g2' }, '"g1"', '"g2"'],
    ['brokers', { brokers: ['a:9093'] }, '["a:9093","b:9093"]', '["a:9093"]'],
  ])('flags a change of %s', (field, patch, b, a) => {
    // Act
    const changes = diffReplacementFields(before, { ...before, ...patch });
    // Assert
    expect(changes).toEqual([{ source: 'src', field, before: b, after: a }]);
  });

  it('returns nothing when only non-replacing fields change', () => {
    expect(diffReplacementFields(before, { ...before })).toEqual([]);
  });

  it('formats a warning naming source, field and values', () => {
    // Act
    const text = formatReplacementWarning({ source: 'src', field: 'topic', before: '"t1"', after: '"t2"' });
    // Assert
    expect(text).toBe(
      'Source "src": changing topic from "t1" to "t2" REPLACES the Pipe; the new consumer starts from startingPosition (records may be re-read or skipped)',
    );
  });
});

describe('pipeNameOf', () => {
  it('is <name>-<environment>-<hash of the replacement fields>', () => {
    expect(pipeNameOf(before, 'dev')).toMatch(/^src-dev-[0-9a-f]{8}$/);
    expect(pipeNameOf(before, 'prod').slice(-8)).toBe(pipeNameOf(before, 'dev').slice(-8));
  });

  it.each([
    ['topic', { topic: 't2' }],
    ['startingPosition', { startingPosition: 'LATEST' as const }],
    ['consumerGroupId', { consumerGroupId: 'g2' }],
    ['brokers', { brokers: ['a:9093'] }],
  ])('changes when %s changes, so CloudFormation can replace the Pipe', (_field, patch) => {
    expect(pipeNameOf({ ...before, ...patch }, 'dev')).not.toBe(pipeNameOf(before, 'dev'));
  });

  it('stays when a field that updates the Pipe in place changes', () => {
    const withBatch = { ...before, batchSize: 500 } as ReplacementSnapshot;
    expect(pipeNameOf(withBatch, 'dev')).toBe(pipeNameOf(before, 'dev'));
  });
});
