/**
 * The local run does not convert Parquet (moto's Firehose has no record format conversion): a
 * `format: parquet` source keeps its format in the local stream plan, and the summary line of its S3
 * objects says they were not converted.
 */
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { localDeliveryStreamOf } from '../../../devkit/local/lake.js';
import type { LocalRunSummary, SourceSummary } from '../../../devkit/local/run.js';
import { formatSummary } from '../../../devkit/local/summary-text.js';
import { validateSourceTexts } from '../../../pipes/load-sources.js';

const sourceOf = (target: Record<string, unknown>) => {
  const { sources, issues } = validateSourceTexts([
    {
      file: 'pipes/sources/lake.yaml',
      text: stringify({
        name: 'lake',
        kind: 'msk',
        clusterArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/lake/abcd-1234',
        topic: 'orders',
        auth: { type: 'none' },
        target: { type: 'firehose', ...target },
      }),
    },
  ]);
  expect(issues).toEqual([]);
  return sources[0]?.source as NonNullable<(typeof sources)[0]>['source'];
};

const lakeLine = (lake: SourceSummary['lake']) => {
  const source = {
    source: 'lake',
    produced: 3,
    filtered: 0,
    delivered: 3,
    enrichmentDlq: 0,
    targetDlq: 0,
    ruleDropped: 0,
    missing: 0,
    duplicates: 0,
    unexpected: 0,
    deliveredDespiteFilter: 0,
    missingSample: [],
    engine: 'pipe',
    target: 'firehose',
    stream: 'lake-lake-local',
    listener: 'plaintext',
    consumed: 3,
    retries: 0,
    lastError: null,
    dlqByReason: {},
    latencyMs: { p50: 1, p95: 1, p99: 1, max: 1, count: 3 },
    deliveredSeenLive: 3,
    timeMs: { enrichment: 1, target: 1 },
    ...(lake ? { lake } : {}),
  } as unknown as SourceSummary;
  const summary = {
    mode: 'test-bed',
    durationMs: 1000,
    produced: { total: 3, byTopic: {}, byKind: {} },
    throughput: { producedPerSecond: 3, deliveredPerSecond: 3 },
    latencyMs: { p50: 1, p95: 1, p99: 1, max: 1, count: 3 },
    sources: [source],
    skipped: [],
    parity: [],
    totals: {
      delivered: 3,
      filtered: 0,
      enrichmentDlq: 0,
      targetDlq: 0,
      ruleDropped: 0,
      missing: 0,
      duplicates: 0,
    },
    ok: true,
    drained: true,
  } as unknown as LocalRunSummary;
  return formatSummary(summary).find((l) => l.trim().startsWith('S3:'));
};

describe('Parquet in the local run', () => {
  it('keeps the target format in the local stream (json by default)', () => {
    expect(localDeliveryStreamOf(sourceOf({ format: 'parquet' }), 'local').format).toBe('parquet');
    expect(localDeliveryStreamOf(sourceOf({}), 'local').format).toBe('json');
  });

  it('says a parquet stream was not converted, and says nothing of the kind for json', () => {
    const base = { objects: 1, bytes: 10, gzipObjects: 0, newlineDelimitedObjects: 0, unparsed: 0 };
    expect(lakeLine({ ...base, notConverted: 'parquet' })).toContain(
      "format parquet NOT converted locally (moto's Firehose ignores DataFormatConversionConfiguration): these objects are JSON",
    );
    expect(lakeLine(base)).not.toContain('converted');
  });
});
