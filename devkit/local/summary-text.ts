/**
 * Human-readable rendering of a local run summary (pure).
 */
import type { LocalRunSummary } from './run.js';

const ms = (v: number | null) => (v === null ? '-' : `${v} ms`);

/** Renders the summary as text lines. */
export function formatSummary(s: LocalRunSummary): string[] {
  const lines: string[] = [];
  lines.push('');
  lines.push(`=== local run summary (${s.mode}, ${(s.durationMs / 1000).toFixed(1)} s) ===`);
  lines.push(
    `produced ${s.produced.total} records (${Object.entries(s.produced.byKind)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')})`,
  );
  lines.push(
    `throughput: produced ${s.throughput.producedPerSecond}/s, delivered ${s.throughput.deliveredPerSecond}/s end to end`,
  );
  lines.push(
    `produce→Kinesis/S3 latency: p50 ${ms(s.latencyMs.p50)}, p95 ${ms(s.latencyMs.p95)}, p99 ${ms(s.latencyMs.p99)}, max ${ms(s.latencyMs.max)} (${s.latencyMs.count} records)`,
  );
  lines.push('');
  for (const x of s.sources) {
    lines.push(
      `${x.source} [${x.engine} → ${x.target} ${x.stream}] produced ${x.produced}: delivered ${x.delivered}, filtered ${x.filtered}, enrichment DLQ ${x.enrichmentDlq}, target DLQ ${x.targetDlq}, rule-dropped ${x.ruleDropped} → missing ${x.missing}, duplicates ${x.duplicates}${x.unexpected ? `, unexpected ${x.unexpected}` : ''}${x.deliveredDespiteFilter ? `, DELIVERED DESPITE FILTER ${x.deliveredDespiteFilter}` : ''}`,
    );
    const reasons = Object.entries(x.dlqByReason);
    if (reasons.length > 0) lines.push(`    DLQ reasons: ${reasons.map(([k, n]) => `${k} ${n}`).join(', ')}`);
    lines.push(
      `    latency p50 ${ms(x.latencyMs.p50)} p95 ${ms(x.latencyMs.p95)} p99 ${ms(x.latencyMs.p99)}; retries ${x.retries}${x.engine === 'pipe' ? `; time in enrichment ${x.timeMs.enrichment} ms, target ${x.timeMs.target} ms` : ''}${x.lastError ? ` (last: ${x.lastError})` : ''}`,
    );
    if (x.lake)
      lines.push(
        `    S3: ${x.lake.objects} objects, ${x.lake.bytes} bytes; ${x.lake.gzipObjects} GZIP, ${x.lake.newlineDelimitedObjects} newline-delimited, ${x.lake.unparsed} unparsed${x.lake.objects > 0 && x.lake.gzipObjects === 0 ? " (moto's Firehose stores each PutRecordBatch uncompressed, without the processor's newlines: docs/local-run.md)" : ''}${x.lake.notConverted ? `; format ${x.lake.notConverted} NOT converted locally (moto's Firehose ignores DataFormatConversionConfiguration): these objects are JSON` : ''}`,
      );
    if (x.missing > 0) lines.push(`    missing sample: ${x.missingSample.join(', ')}`);
  }
  for (const k of s.skipped) lines.push(`${k.source}: SKIPPED — ${k.reason}`);
  for (const p of s.parity) {
    lines.push(
      `engine parity ${p.pipeSource} (pipe) vs ${p.pollerSource} (poller) on ${p.topic}: ${p.identical}/${p.compared} byte-identical after removing ${p.removedFields.join(', ')}${p.firstDifference ? `; first difference ${p.firstDifference}` : ''}`,
    );
  }
  lines.push('');
  lines.push(
    `TOTAL delivered ${s.totals.delivered}, filtered ${s.totals.filtered}, enrichment DLQ ${s.totals.enrichmentDlq}, target DLQ ${s.totals.targetDlq}, rule-dropped ${s.totals.ruleDropped}, missing ${s.totals.missing}, duplicates ${s.totals.duplicates}`,
  );
  lines.push(
    s.ok
      ? s.drained
        ? 'RESULT: OK (zero missing)'
        : 'RESULT: OK but not drained'
      : s.drained
        ? 'RESULT: FAILED'
        : 'RESULT: FAILED (not drained: the pipeline stalled or was stopped with records in flight)',
  );
  return lines;
}
