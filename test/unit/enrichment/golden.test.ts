import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type CanonicalRecord,
  type DlqEntry,
  type EnrichCounts,
  enrichBatch,
  parsePartitionKeySpec,
  serializeCanonical,
} from '../../../enrichment/index.js';
import { defaultRules, FIXED_NOW, FIXTURES_DIR, fixture } from './support.js';

interface GoldenFile {
  description: string;
  context: { sourceName: string; partitionKey: string };
  event: unknown;
  expected: { records: CanonicalRecord[]; dlq: DlqEntry[]; counts: EnrichCounts };
}

const files = readdirSync(`${FIXTURES_DIR}golden`).filter((f) => f.endsWith('.json'));

describe('golden records (test/fixtures/enrichment/golden)', () => {
  it('has the five golden fixtures', () => {
    expect(files.sort()).toEqual([
      'esm-mixed.json',
      'pipe-msk-anomaly.json',
      'pipe-smk-generator.json',
      'pipe-smk-messy.json',
      'pipe-smk-normal.json',
    ]);
  });

  it.each(files)('%s: event → canonical records, DLQ entries and counts', (file) => {
    // Arrange
    const golden = fixture<GoldenFile>(`golden/${file}`);
    const partitionKey = parsePartitionKeySpec(golden.context.partitionKey);
    if (partitionKey === null) throw new Error(`bad partitionKey in ${file}`);

    // Act
    const outcome = enrichBatch(golden.event, {
      rules: defaultRules,
      sourceName: golden.context.sourceName,
      partitionKey,
      now: FIXED_NOW,
    });

    // Assert
    expect(outcome.records).toEqual(golden.expected.records);
    expect(outcome.dlq).toEqual(golden.expected.dlq);
    expect(outcome.counts).toEqual(golden.expected.counts);
    // Byte-identical output: same key order as the reviewed fixture.
    expect(outcome.records.map(serializeCanonical)).toEqual(
      golden.expected.records.map((r) => JSON.stringify(r)),
    );
    expect(outcome.counts.in).toBe(outcome.counts.out + outcome.counts.dropped + outcome.counts.dlq);
  });
});
