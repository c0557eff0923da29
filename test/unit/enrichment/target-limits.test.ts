/**
 * The enrichment never returns more records or bytes than the Pipe's target takes in one invocation
 * (issue 12 item 7): the Pipe does not invoke the target at all with more records than its maximum batch
 * size, and a Kinesis PutRecords request is at most 5 MiB including partition keys. Records beyond go to the
 * DLQ with reason batch-output-limit, counted.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../core/errors.js';
import { readEnrichmentEnv } from '../../../enrichment/enrichment-env.js';
import { enrichBatch, serializeCanonical } from '../../../enrichment/index.js';
import { kinesisTarget } from '../../../pipes/kinds/targets/kinesis.js';
import { lambdaTarget } from '../../../pipes/kinds/targets/lambda.js';
import { apicEvent, defaultRules, FIXED_NOW, pipeRecord } from './support.js';

const ctx = {
  rules: defaultRules,
  sourceName: 's',
  partitionKey: { type: 'topic-partition' } as const,
  now: FIXED_NOW,
};
const batch = (n: number) =>
  Array.from({ length: n }, (_, i) => pipeRecord(apicEvent(), { offset: String(i), partition: 0 }));

/** Bytes of one record's text and of its text plus partition key (all records of `batch` have the same). */
function sizes() {
  const [record] = enrichBatch(batch(1), ctx).records;
  if (!record) throw new Error('no record');
  const text = Buffer.byteLength(serializeCanonical(record));
  return { text, withKey: text + Buffer.byteLength(record.partitionKey) };
}

describe('target limits in the kind modules', () => {
  it('Kinesis: 500 records, 1 MiB records, 5 MiB requests; Lambda: 10000 records, 1 MiB records, 1 MB async payload', () => {
    expect(kinesisTarget.limits).toEqual({
      maxRecords: 500,
      maxRecordBytes: 1_048_576,
      maxRequestBytes: 5_242_880,
    });
    expect(lambdaTarget.limits).toEqual({
      maxRecords: 10_000,
      maxRecordBytes: 1_048_576,
      maxPayloadBytes: 1_048_576,
    });
  });
});

describe('enrichment output within the target limits', () => {
  it('returns at most the Kinesis batch maximum (500 of 600) and sends the other 100 to the DLQ in order', () => {
    // Act
    const out = enrichBatch(batch(600), { ...ctx, target: kinesisTarget.limits });
    // Assert
    expect(out.records).toHaveLength(500);
    expect(out.dlq).toHaveLength(100);
    expect(out.dlq.map((d) => d.offset)).toEqual(Array.from({ length: 100 }, (_, i) => String(500 + i)));
    expect(out.dlq[0]?.reason).toBe(
      'batch-output-limit: the batch output already holds 500 records, the most the target takes in one invocation (500); the Pipe would not invoke the target with more. Lower the source batchSize',
    );
    expect(out.counts).toMatchObject({
      in: 600,
      out: 500,
      dlq: 100,
      byReason: { 'batch-output-limit': 100 },
    });
  });

  it('keeps the records and partition keys within the request bytes, exactly', () => {
    // Arrange: room for exactly two records with their partition keys.
    const { withKey } = sizes();
    const target = { maxRecords: 500, maxRecordBytes: 1_048_576, maxRequestBytes: withKey * 2 };
    // Act
    const out = enrichBatch(batch(3), { ...ctx, target });
    // Assert
    expect(out.records).toHaveLength(2);
    expect(out.dlq.map((d) => d.offset)).toEqual(['2']);
    expect(out.dlq[0]?.reason).toBe(
      `batch-output-limit: the batch output's records and partition keys reached ${withKey * 2} bytes; this record (${withKey} bytes) would exceed the ${withKey * 2}-byte target request limit. Lower the source batchSize`,
    );
  });

  it('keeps the JSON array within the payload bytes, exactly (the smaller of payload and response budgets)', () => {
    // Arrange: brackets + 2 records + 1 comma.
    const { text } = sizes();
    const payload = 2 + text * 2 + 1;
    const target = { maxRecords: 10_000, maxRecordBytes: 1_048_576, maxPayloadBytes: payload };
    // Act
    const out = enrichBatch(batch(3), { ...ctx, target });
    // Assert
    expect(out.records).toHaveLength(2);
    expect(Buffer.byteLength(JSON.stringify(out.records))).toBe(payload);
    expect(out.dlq[0]?.reason).toBe(
      `batch-output-limit: the batch output reached ${payload} bytes; this record (${text + 1} bytes) would exceed the ${payload}-byte enrichment response budget. Lower the source batchSize`,
    );
  });

  it("sends a record over the target's record bytes to the DLQ with oversize-record", () => {
    // Arrange
    const { withKey } = sizes();
    const target = { maxRecords: 500, maxRecordBytes: withKey - 1 };
    // Act
    const out = enrichBatch(batch(1), { ...ctx, target });
    // Assert
    expect(out.records).toHaveLength(0);
    expect(out.dlq[0]?.reason).toBe(
      `oversize-record: the canonical record and partition key take ${withKey} bytes, more than the ${withKey - 1}-byte target record limit`,
    );
  });

  it('the records it returns under a limit are the same canonical records as without it', () => {
    // Act
    const limited = enrichBatch(batch(600), { ...ctx, target: kinesisTarget.limits });
    const unlimited = enrichBatch(batch(600), ctx);
    // Assert
    expect(unlimited.records).toHaveLength(600);
    expect(limited.records.map(serializeCanonical)).toEqual(
      unlimited.records.slice(0, 500).map(serializeCanonical),
    );
  });
});

describe('TARGET_MAX_* environment', () => {
  const base = {
    SOURCE_NAME: 'orders',
    DLQ_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/orders-dlq',
    PARTITION_KEY: 'record-key',
  };

  it('reads the limits; absent TARGET_MAX_RECORDS = none', () => {
    expect(
      readEnrichmentEnv({
        ...base,
        TARGET_MAX_RECORDS: '500',
        TARGET_MAX_RECORD_BYTES: '1048576',
        TARGET_MAX_REQUEST_BYTES: '5242880',
      }).targetLimits,
    ).toEqual({ maxRecords: 500, maxRecordBytes: 1_048_576, maxRequestBytes: 5_242_880 });
    expect(
      readEnrichmentEnv({ ...base, TARGET_MAX_RECORDS: '10000', TARGET_MAX_PAYLOAD_BYTES: '1048576' })
        .targetLimits,
    ).toEqual({
      maxRecords: 10_000,
      maxRecordBytes: 1_048_576,
      maxPayloadBytes: 1_048_576,
    });
    expect(readEnrichmentEnv(base).targetLimits).toBeUndefined();
  });

  it('refuses a limit that is not a whole number in range, naming the variable', () => {
    expect(() => readEnrichmentEnv({ ...base, TARGET_MAX_RECORDS: '0' })).toThrow(ConfigError);
    expect(() => readEnrichmentEnv({ ...base, TARGET_MAX_RECORDS: '0' })).toThrow(
      '<env>: TARGET_MAX_RECORDS: must be a whole number of records from 1 to 10000, received "0". Fix: fix TARGET_MAX_RECORDS',
    );
    expect(() =>
      readEnrichmentEnv({ ...base, TARGET_MAX_RECORDS: '5', TARGET_MAX_REQUEST_BYTES: '6291457' }),
    ).toThrow(
      '<env>: TARGET_MAX_REQUEST_BYTES: must be a whole number of bytes from 1 to 6291456, received "6291457". Fix: fix TARGET_MAX_REQUEST_BYTES',
    );
  });
});
