import { describe, expect, inject, it } from 'vitest';
import { createTopic, kafkaConnections, produceMessages, uniqueName } from '../../devkit/testbed/kafka.js';
import { cli, sourcesDir } from '../unit/cli/run-cli.js';

const bed = inject('testbed');

describe('kafka-pipes rules preview --from-topic (real broker)', () => {
  it('reads samples from the source topic over mTLS and enriches them with the source rules', async () => {
    // Arrange
    const topic = uniqueName('cli-preview');
    const conn = kafkaConnections(bed).plaintext;
    await createTopic(conn, topic, 1);
    await produceMessages(conn, topic, [
      { key: 'k1', value: JSON.stringify({ app_name: 'shop', status_code: '500 Internal Server Error' }) },
      { key: 'k2', value: JSON.stringify({ app_name: 'shop', status_code: '200 OK' }) },
      { key: 'k3', value: '{not json' },
    ]);
    const dir = sourcesDir({
      'preview.yaml': `name: preview\nkind: self-managed\nbrokers: [${bed.kafka.ssl}]\ntopic: ${topic}\nauth:\n  type: mtls\n  secret: kafka/preview/client\ntarget:\n  type: kinesis\n`,
    });
    const files = bed.pki.files;
    // Act
    const run = await cli([
      '--json',
      '--sources-dir',
      dir,
      'rules',
      'preview',
      '--source',
      'preview',
      '--from-topic',
      '--max',
      '3',
      '--cert',
      files.clientCert,
      '--key',
      files.clientKey,
      '--ca',
      files.caChain,
    ]);
    // Assert
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const r = run.json<{
      counts: { in: number; out: number; dlq: number; perRule: Record<string, number> };
      records: { partitionKey: string; tags: string[]; source: string }[];
    }>();
    expect(r.counts).toMatchObject({ in: 3, out: 2, dlq: 1 });
    expect(r.records.map((x) => [x.partitionKey, x.tags, x.source])).toEqual([
      ['k1', ['server-error'], 'preview'],
      ['k2', [], 'preview'],
    ]);
  });
});
