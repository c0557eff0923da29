import { describe, expect, it } from 'vitest';
import {
  ENRICH_OUTPUT_LIMIT_BYTES,
  enrichBatch,
  KINESIS_RECORD_LIMIT_BYTES,
  serializeCanonical,
} from '../../../enrichment/index.js';
import { apicEvent, defaultRules, FIXED_NOW, pipeRecord } from './support.js';

const ctx = {
  rules: defaultRules,
  sourceName: 's',
  partitionKey: { type: 'topic-partition' } as const,
  now: FIXED_NOW,
};

describe('size limits', () => {
  it('sends a record whose canonical form exceeds 1 MiB to the DLQ with oversize-record', () => {
    // Arrange: a 1 MiB body in an unknown field survives normalization and makes the record too big.
    const big = { ...apicEvent(), big_note: 'x'.repeat(KINESIS_RECORD_LIMIT_BYTES) };

    // Act
    const out = enrichBatch(
      [pipeRecord(big, { offset: '1' }), pipeRecord(apicEvent(), { offset: '2' })],
      ctx,
    );

    // Assert
    expect(out.records.map((r) => r.kafka.offset)).toEqual(['2']);
    expect(out.dlq).toHaveLength(1);
    expect(out.dlq[0]?.reason).toMatch(
      /^oversize-record: the canonical record and partition key take \d+ bytes, more than the 1048576-byte Kinesis record limit$/,
    );
  });

  it('keeps the output under the response budget and sends the overflow to the DLQ in order', () => {
    // Arrange: 2,000 records of ~3.7 KB ≈ 7.5 MB of output, above the 6 MB enrichment limit.
    const template = apicEvent();
    const event = Array.from({ length: 2000 }, (_, i) =>
      pipeRecord({ ...template, transaction_id: `transaction${i}` }, { offset: String(i) }),
    );

    // Act
    const out = enrichBatch(event, ctx);

    // Assert
    const bytes =
      2 +
      out.records.reduce((n, r) => n + Buffer.byteLength(serializeCanonical(r)), 0) +
      out.records.length -
      1;
    expect(bytes).toBe(Buffer.byteLength(JSON.stringify(out.records)));
    expect(bytes).toBeLessThanOrEqual(ENRICH_OUTPUT_LIMIT_BYTES);
    expect(out.records.length + out.dlq.length).toBe(2000);
    expect(out.dlq.length).toBeGreaterThan(0);
    expect(out.dlq[0]?.offset).toBe(String(out.records.length));
    expect(new Set(out.dlq.map((d) => d.reason.split(':')[0]))).toEqual(new Set(['batch-output-limit']));
    expect(out.counts.byReason).toEqual({ 'batch-output-limit': out.dlq.length });
  });

  it('honours a lowered output budget exactly', () => {
    // Arrange
    const one = enrichBatch([pipeRecord(apicEvent())], ctx);
    const size = Buffer.byteLength(serializeCanonical(one.records[0] as never));

    // Act: room for exactly two records: brackets + 2 records + 1 comma.
    const out = enrichBatch(
      [0, 1, 2].map((i) => pipeRecord(apicEvent(), { offset: String(i), partition: 0 })),
      { ...ctx, outputLimitBytes: 2 + size * 2 + 1 },
    );

    // Assert
    expect(out.records).toHaveLength(2);
    expect(out.dlq.map((d) => d.offset)).toEqual(['2']);
    expect(out.dlq[0]?.reason).toBe(
      `batch-output-limit: the batch output reached ${2 + size * 2 + 1} bytes; this record (${size + 1} bytes) would exceed the ${2 + size * 2 + 1}-byte enrichment response budget. Lower the source batchSize`,
    );
  });
});
