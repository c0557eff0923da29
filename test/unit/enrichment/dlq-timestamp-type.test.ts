/** DLQ entries record the Kafka timestamp type of the record (both enrichment paths). */
import { describe, expect, it } from 'vitest';
import {
  buildPipeKafkaRecord,
  enrichBatch,
  enrichKafkaRecords,
  type PipeKafkaRecordInput,
} from '../../../enrichment/index.js';
import { defaultRules, FIXED_NOW } from './support.js';

const input = (timestampType: string | undefined): PipeKafkaRecordInput => ({
  eventSource: 'SelfManagedKafka',
  cluster: 'b1:9092',
  topic: 'apic',
  partition: 0,
  offset: '7',
  timestamp: '1700000000000',
  ...(timestampType === undefined ? {} : { timestampType }),
  key: null,
  value: 'not json',
});

const ctx = {
  rules: defaultRules,
  sourceName: 'orders',
  partitionKey: { type: 'record-key' },
  now: FIXED_NOW,
} as const;

describe('DLQ entry timestampType', () => {
  it.each([
    ['LOG_APPEND_TIME', 'LOG_APPEND_TIME'],
    ['CREATE_TIME', 'CREATE_TIME'],
    [undefined, 'CREATE_TIME'],
    ['SOMETHING_ELSE', undefined],
  ])(
    'a record with timestampType %s gives an entry with %s (Pipe form and direct form)',
    (type, expected) => {
      // Act
      const viaPipe = enrichBatch([buildPipeKafkaRecord(input(type))], ctx).dlq[0];
      const direct = enrichKafkaRecords([input(type)], ctx).dlq[0];
      // Assert
      expect(viaPipe?.timestampType).toBe(expected);
      expect(direct).toEqual(viaPipe);
      expect(Object.keys(viaPipe ?? {})).toEqual([
        'schema',
        'eventId',
        'source',
        'cluster',
        'topic',
        'partition',
        'offset',
        'timestamp',
        ...(expected ? ['timestampType'] : []),
        'reason',
        'ruleVersion',
        'key',
        'value',
        'headers',
        'failedAt',
      ]);
    },
  );
});
