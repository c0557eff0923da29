/**
 * `npm start` in external mode (KAFKA_BROKERS + standard AWS settings, no test bed of its own), pointed
 * at the shared test bed's broker and moto so that no internet is needed: a custom source catalogue,
 * zero missing records.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import type { LocalRunSummary } from '../../devkit/local/run.js';
import { uniqueName } from '../../devkit/testbed/kafka.js';

const bed = inject('testbed');

describe('npm start against "real" services (KAFKA_BROKERS + AWS settings)', () => {
  it('skips the test bed and reconciles with zero missing records', async () => {
    // Arrange
    const dir = mkdtempSync(join(tmpdir(), 'local-external-'));
    const topic = uniqueName('ext');
    writeFileSync(
      join(dir, 'ext.yaml'),
      [
        'name: ext-source',
        'kind: self-managed',
        'brokers: [kafka.example.com:9092]',
        `topic: ${topic}`,
        'batchSize: 50',
        'batchingWindowSeconds: 1',
        `target: { type: kinesis, streamName: ${topic}, partitionKey: record-key }`,
      ].join('\n'),
    );
    const env = {
      ...process.env,
      KAFKA_BROKERS: bed.kafka.plaintext,
      AWS_ENDPOINT_URL: bed.moto.endpoint,
      AWS_REGION: bed.moto.region,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    };

    // Act
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'devkit/local/start.ts',
        '--sources-dir',
        dir,
        '--records',
        '120',
        '--rate',
        '500',
        '--json',
      ],
      {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += String(d);
    });
    child.stderr.on('data', (d) => {
      err += String(d);
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    if (code !== 0) console.error(err.slice(-3000));
    const summary = JSON.parse(out) as LocalRunSummary;

    // Assert
    expect(code).toBe(0);
    expect(err).toContain(`external mode: Kafka ${bed.kafka.plaintext}`);
    expect(err).not.toContain('starting the test bed');
    expect(summary).toMatchObject({ mode: 'external', ok: true, drained: true });
    expect(summary.sources).toHaveLength(1);
    expect(summary.sources[0]).toMatchObject({
      source: 'ext-source',
      listener: 'external',
      stream: `${topic}-local`,
      produced: 120,
      missing: 0,
      duplicates: 0,
      enrichmentDlq: 2,
    });
  });
});
