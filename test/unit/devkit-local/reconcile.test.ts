import { describe, expect, it } from 'vitest';
import {
  compareEngines,
  expectedEventId,
  latencySummary,
  PARITY_REMOVED_FIELDS,
  type ProducedRef,
  reconcileSource,
  type SourceIdentity,
} from '../../../devkit/local/reconcile.js';

const src: SourceIdentity = { name: 's1', topic: 't', eventSource: 'SelfManagedKafka', cluster: 'B:1,a:2' };
const produced: ProducedRef[] = Array.from({ length: 6 }, (_, i) => ({
  topic: i === 5 ? 'other' : 't',
  partition: i % 2,
  offset: String(i),
  timestampMs: 1000 + i,
  kind: 'apic',
  filteredBy: i === 4 ? ['s1'] : [],
}));
const id = (i: number) => expectedEventId(src, produced[i] as ProducedRef);
const none = { delivered: [], enrichmentDlq: [], targetDlq: [], ruleDroppedIds: [], ruleDroppedCount: 0 };

describe('reconcileSource', () => {
  it('derives eventIds from the normalized cluster identity', () => {
    const other = { ...src, cluster: 'a:2, b:1' };
    expect(expectedEventId(other, produced[0] as ProducedRef)).toBe(id(0));
  });

  it('accounts every record: delivered, DLQ, target DLQ, filtered', () => {
    // Act
    const r = reconcileSource(src, produced, {
      ...none,
      delivered: [id(0), id(1)],
      enrichmentDlq: [id(2)],
      targetDlq: [id(3)],
    });
    // Assert
    expect(r).toEqual({
      source: 's1',
      produced: 5,
      filtered: 1,
      delivered: 2,
      enrichmentDlq: 1,
      targetDlq: 1,
      ruleDropped: 0,
      missing: 0,
      duplicates: 0,
      unexpected: 0,
      deliveredDespiteFilter: 0,
      missingSample: [],
    });
  });

  it('reports missing, duplicate, unexpected and wrongly delivered records', () => {
    // Act
    const r = reconcileSource(src, produced, { ...none, delivered: [id(0), id(0), id(0), id(4), 'zz'] });
    // Assert
    expect(r).toMatchObject({
      missing: 3,
      duplicates: 2,
      unexpected: 1,
      deliveredDespiteFilter: 1,
      missingSample: [id(1), id(2), id(3)],
    });
  });

  it('counts rule drops known only by number', () => {
    const r = reconcileSource(src, produced, { ...none, delivered: [id(0), id(1)], ruleDroppedCount: 2 });
    expect(r).toMatchObject({ missing: 0, ruleDropped: 2 });
  });
});

describe('latencySummary', () => {
  it.each([
    [[], { count: 0, p50: null, p95: null, p99: null, max: null }],
    [[5], { count: 1, p50: 5, p95: 5, p99: 5, max: 5 }],
    [[4, 1, 3, 2], { count: 4, p50: 2, p95: 4, p99: 4, max: 4 }],
    [Array.from({ length: 100 }, (_, i) => i + 1), { count: 100, p50: 50, p95: 95, p99: 99, max: 100 }],
  ])('%j', (samples, expected) => {
    expect(latencySummary(samples)).toEqual(expected);
  });
});

describe('compareEngines', () => {
  const rec = (source: string, cluster: string, offset: string, extra = 'x') =>
    JSON.stringify({
      eventId: `${source}${offset}`,
      partitionKey: 'k',
      source,
      kafka: { cluster, topic: 't', partition: 0, offset },
      api: { a: extra },
    });

  it('finds identical records after removing the engine-specific fields', () => {
    // Act
    const r = compareEngines(
      { name: 'p', records: [rec('p', 'c1', '1'), rec('p', 'c1', '2'), rec('p', 'c1', '3')] },
      { name: 'q', records: [rec('q', 'c2', '1'), rec('q', 'c2', '2', 'y')] },
      't',
      PARITY_REMOVED_FIELDS,
    );
    // Assert
    expect(r).toMatchObject({ compared: 2, identical: 1, different: 1 });
    expect(r.firstDifference).toContain('t/0/2 at char');
  });
});
