import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ConfigError, ConfigIssue } from '../../../core/errors.js';
import { buildPipeKafkaRecord, eventIdOf, parseRules } from '../../../enrichment/index.js';
import { cli } from './run-cli.js';

const FIX = join(import.meta.dirname, 'fixtures');
const RULES = join(FIX, 'preview.rules.yaml');
const SAMPLES = join(FIX, 'preview-samples.ndjson');

interface PreviewJson {
  ruleVersion: string;
  counts: { in: number; out: number; dropped: number; dlq: number; perRule: Record<string, number> };
  records: { eventId: string; tags: string[]; api: Record<string, unknown>; partitionKey: string }[];
  dlq: { offset: string; reason: string }[];
}

describe('kafka-pipes rules preview', () => {
  it('applies the rules to NDJSON samples and counts per rule', async () => {
    // Act
    const run = await cli(['--json', 'rules', 'preview', '--rules', RULES, '--records', SAMPLES]);
    // Assert
    expect(run.code).toBe(0);
    const r = run.json<PreviewJson>();
    expect(r.ruleVersion).toMatch(/^preview-test@1\.0\.0\+[0-9a-f]{12}$/);
    expect(r.counts).toMatchObject({ in: 5, out: 2, dropped: 1, dlq: 2 });
    expect(r.counts.perRule).toEqual({ 'drop-health': 1, 'tag-server-error': 1, 'mask-client-ip': 2 });
    expect(r.records.map((x) => [x.api.transaction_id, x.tags, x.api.client_ip])).toEqual([
      ['t-1', [], '****'],
      ['t-2', ['server-error'], '****'],
    ]);
    expect(r.dlq.map((d) => [d.offset, d.reason.split(':')[0]])).toEqual([
      ['3', 'invalid-json'],
      ['4', 'not-an-object'],
    ]);
  });

  it('prints the per-rule table, zeros included, in human form', async () => {
    const run = await cli(['rules', 'preview', '--rules', RULES, '--records', SAMPLES, '--show', '0']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      'per rule\n  drop-health           1\n  tag-server-error      1\n  mask-client-ip        2\n',
    );
    expect(run.stdout).toContain('in 5 · out 2 · dropped 1 · dlq 2\n');
  });

  it('keeps Pipe Kafka records as they are (eventId from cluster/topic/partition/offset)', async () => {
    // Arrange
    const dir = mkdtempSync(join(tmpdir(), 'preview-'));
    const record = buildPipeKafkaRecord({
      eventSource: 'SelfManagedKafka',
      cluster: 'b1:9092',
      topic: 'apic',
      partition: 2,
      offset: '41',
      timestamp: '1714557600000',
      key: 'k1',
      value: JSON.stringify({ app_name: 'shop', status_code: '200 OK' }),
    });
    const file = join(dir, 'pipe.json');
    writeFileSync(file, JSON.stringify([record]));
    // Act
    const run = await cli(['--json', 'rules', 'preview', '--rules', RULES, '--records', file]);
    // Assert
    const r = run.json<PreviewJson>();
    expect(r.records[0]?.eventId).toBe(eventIdOf('b1:9092', 'apic', 2, '41'));
    expect(r.records[0]?.partitionKey).toBe('k1');
  });

  it('rejects an invalid rules file with the same issues as the Lambda loader', async () => {
    // Arrange
    const bad = join(FIX, 'bad.rules.yaml');
    let expected: ConfigIssue[] = [];
    try {
      parseRules(readFileSync(bad, 'utf8'), bad);
    } catch (e) {
      expected = [...(e as ConfigError).issues];
    }
    expect(expected.length).toBeGreaterThan(0);
    // Act
    const run = await cli(['--json', 'rules', 'preview', '--rules', bad, '--records', SAMPLES]);
    // Assert
    expect(run.code).toBe(2);
    expect(run.json<{ issues: ConfigIssue[] }>().issues).toEqual(expected);
  });

  it.each([
    [['--fail-on-dlq'], 1],
    [[], 0],
  ])('exits %j → %i when records go to the DLQ', async (extra, code) => {
    const run = await cli(['rules', 'preview', '--rules', RULES, '--records', SAMPLES, ...extra]);
    expect(run.code).toBe(code);
  });

  it.each([
    [
      ['--records', 'nope.ndjson'],
      'error --records: records: file nope.ndjson does not exist. Fix: pass a JSON or NDJSON file\n',
    ],
    [
      ['--records', SAMPLES, '--partition-key', 'value.id'],
      'error --partition-key: partitionKey: "value.id" is not a partition key. Fix: use record-key, topic-partition or field:<path>\n',
    ],
  ])('names the flag and the fix for %j', async (flags, stderr) => {
    const run = await cli(['rules', 'preview', '--rules', RULES, ...flags]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(stderr);
  });
});
