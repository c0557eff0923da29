/**
 * The sample records shipped in enrichment/samples/ (issue 17 item 8): exactly what the generator script
 * makes (devkit/write-samples.ts, from the API Connect generator), and `rules preview` reads them when no
 * `--records` is given, with the outcome each sample is there for: every API event a canonical record
 * (normal calls and 404/500 anomalies), every poison record one DLQ entry with its reason.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SAMPLES_DIR, runRulesPreview } from '../../../cli/rules/preview.js';
import type { CliAwsClients } from '../../../cli/shared/aws.js';
import { buildSamples } from '../../../devkit/write-samples.js';
import { cli } from '../cli/run-cli.js';

const NO_AWS = {} as CliAwsClients;

describe('enrichment/samples', () => {
  it('are the files devkit/write-samples.ts makes (regenerate with npx tsx devkit/write-samples.ts)', () => {
    // Act
    const built = buildSamples();
    // Assert
    expect(readdirSync(DEFAULT_SAMPLES_DIR).sort()).toEqual(Object.keys(built).sort());
    for (const [name, text] of Object.entries(built)) {
      expect(readFileSync(join(DEFAULT_SAMPLES_DIR, name), 'utf8'), name).toBe(text);
    }
  });

  it('hold API Connect events of each status: 8 × "200 OK", 2 × 404, 2 × 500', () => {
    // Arrange
    const lines = readFileSync(join(DEFAULT_SAMPLES_DIR, 'apic-events.ndjson'), 'utf8').trim().split('\n');
    // Act
    const statuses = lines.map((l) => (JSON.parse(l) as { status_code: string }).status_code);
    // Assert
    expect(statuses.filter((s) => s === '200 OK')).toHaveLength(8);
    expect(statuses.filter((s) => s === '404')).toHaveLength(2);
    expect(statuses.filter((s) => s === '500')).toHaveLength(2);
  });

  it('rules preview without --records reads them: 12 canonical records, one DLQ entry per poison kind', async () => {
    // Act
    const r = await runRulesPreview({}, NO_AWS, () => new Date('2025-01-02T00:00:00.000Z'));
    // Assert
    expect(r.samples).toBe('enrichment/samples/*.ndjson');
    expect(r.outcome.records).toHaveLength(12);
    expect(r.outcome.records.map((c) => (c.api.status as { code: number }).code).sort()).toEqual([
      200, 200, 200, 200, 200, 200, 200, 200, 404, 404, 500, 500,
    ]);
    expect(r.outcome.dlq.map((d) => d.reason.split(':')[0])).toEqual([
      'invalid-json',
      'invalid-utf8',
      'wrong-type',
      'not-an-object',
      'missing-value',
      'invalid-base64',
    ]);
  });

  it('kafka-pipes rules preview (no flags) exits 0 and names the samples', async () => {
    // Act
    const run = await cli(['--json', 'rules', 'preview']);
    // Assert
    expect(run.code).toBe(0);
    const result = run.json<{ samples: string; counts: { in: number; out: number; dlq: number } }>();
    expect(result.samples).toBe('enrichment/samples/*.ndjson');
    expect(result.counts).toMatchObject({ in: 18, out: 12, dlq: 6 });
  });

  it('without shipped samples (another directory) it still asks for --records', async () => {
    // Act / Assert
    await expect(runRulesPreview({}, NO_AWS, () => new Date(), '/nonexistent/samples')).rejects.toThrow(
      '--records: records: no samples given, and no shipped samples in /nonexistent/samples/ here. Fix: pass --records <file.json|file.ndjson>, or --source <name> --from-topic, or run from the repository root',
    );
  });
});
