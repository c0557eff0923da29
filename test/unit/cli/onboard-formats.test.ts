/**
 * `onboard` asks for the value format and, for a schema format, the registry: its type, then the fields
 * the registry module lists (SchemaRegistryModule `onboard`), then the fallback. Flags answer the same
 * questions; the written file is validated by the synth's loader.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseSourceFile } from '../../../pipes/load-sources.js';
import { cli, fakeSecretsAws, sourcesDir } from './run-cli.js';

const CLUSTER = 'arn:aws:kafka:us-east-1:123456789012:cluster/c1/abcd-1234';
const SECRET = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:registry/basic-AbCdEf';

const load = (dir: string, name: string) => {
  const file = join(dir, `${name}.yaml`);
  return parseSourceFile(readFileSync(file, 'utf8'), file);
};

describe('onboard: value format and schema registry', () => {
  it('asks for an Avro source the Glue registry name, its Region and the fallback', async () => {
    // Arrange: name, description, kind, cluster ARN, topic, value format, registry type (default glue),
    // registry name, region (empty), fallback, auth, target, stream, key, position, size, window
    const dir = sourcesDir({});
    const { aws } = fakeSecretsAws();
    const answers = ['lake', '', 'msk', CLUSTER, 'apic.avro', 'avro', '', 'apic-events', '', 'json'];
    // Act
    const run = await cli(['--sources-dir', dir, 'onboard'], {
      aws,
      stdin: Readable.from([`${[...answers, 'iam', '', '', '', '', '', ''].join('\n')}\n`]),
    });
    // Assert
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('? Value format (empty: json) (json|avro');
    expect(run.stderr).toContain('? Schema registry framing the values (glue|confluent, default glue)');
    expect(run.stderr).toContain('? Glue Schema Registry name');
    expect(load(dir, 'lake').value).toEqual({
      format: 'avro',
      registry: { type: 'glue', registryName: 'apic-events' },
      fallback: 'json',
    });
  });

  it('takes the registry from flags: a Confluent registry with basic auth (auth.type implied)', async () => {
    // Arrange
    const dir = sourcesDir({});
    const { aws } = fakeSecretsAws();
    // Act
    const run = await cli(
      [
        '--sources-dir',
        dir,
        'onboard',
        '--non-interactive',
        ...['--name', 'orders', '--kind', 'self-managed', '--brokers', 'b1.example.com:9093'],
        ...['--topic', 'orders', '--auth', 'none', '--target', 'kinesis'],
        ...['--value-format', 'avro', '--registry', 'confluent', '--registry-url', 'https://sr.example.com'],
        ...['--registry-secret', SECRET, '--value-fallback', 'dlq'],
      ],
      { aws },
    );
    // Assert
    expect(run.code).toBe(0);
    expect(load(dir, 'orders').value).toEqual({
      format: 'avro',
      registry: { type: 'confluent', url: 'https://sr.example.com', auth: { type: 'basic', secret: SECRET } },
      fallback: 'dlq',
    });
  });

  it('writes no value block for JSON, and refuses a schema format without its registry fields naming them', async () => {
    // Arrange
    const dir = sourcesDir({});
    const { aws } = fakeSecretsAws();
    const base = ['--name', 'plain', '--kind', 'self-managed', '--brokers', 'b1.example.com:9093'];
    const rest = ['--topic', 'plain', '--auth', 'none', '--target', 'kinesis'];
    // Act
    const json = await cli(['--sources-dir', dir, 'onboard', '--non-interactive', ...base, ...rest], { aws });
    const avro = await cli(
      [
        ...['--sources-dir', dir, 'onboard', '--non-interactive', ...base, ...rest],
        ...['--name', 'framed', '--value-format', 'avro'],
      ],
      { aws },
    );
    // Assert
    expect(json.code).toBe(0);
    expect(readFileSync(join(dir, 'plain.yaml'), 'utf8')).not.toContain('value:');
    expect(avro.code).toBe(2);
    expect(avro.stderr).toContain('value.registry');
  });
});
