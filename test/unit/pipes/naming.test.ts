import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { sourceConstructId, toRetentionDays } from '../../../pipes/kafka-pipe.construct.js';
import { toPartitionKeySpec } from '../../../pipes/source-schema.js';

describe('toRetentionDays', () => {
  it.each([
    [1, RetentionDays.ONE_DAY],
    [30, RetentionDays.ONE_MONTH],
    [31, RetentionDays.TWO_MONTHS],
    [3653, RetentionDays.TEN_YEARS],
  ])('%i days → %s', (days, expected) => {
    expect(toRetentionDays(days)).toBe(expected);
  });
});

describe('sourceConstructId', () => {
  it.each([
    ['onprem-confluent-apic', 'OnpremConfluentApic'],
    ['msk-1', 'Msk1'],
    ['a', 'A'],
  ])('%s → %s', (name, id) => {
    expect(sourceConstructId(name)).toBe(id);
  });
});

describe('toPartitionKeySpec', () => {
  it.each([
    ['record-key', { type: 'record-key' }],
    ['topic-partition', { type: 'topic-partition' }],
    ['field:api.app_name', { type: 'field', path: 'api.app_name' }],
  ])('%s', (text, spec) => {
    expect(toPartitionKeySpec(text)).toEqual(spec);
  });

  it('rejects anything else naming the value and the allowed forms', () => {
    expect(() => toPartitionKeySpec('value')).toThrow(
      'Unknown partition key "value": use record-key, topic-partition or field:<path>',
    );
  });
});
