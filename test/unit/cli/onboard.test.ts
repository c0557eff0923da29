import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ConfigError, ConfigIssue } from '../../../core/errors.js';
import { parseSourceFile } from '../../../pipes/load-sources.js';
import { cli, fakeSecretArn, fakeSecretsAws, sourcesDir } from './run-cli.js';

const BASE = [
  '--non-interactive',
  '--name',
  'orders',
  '--kind',
  'self-managed',
  '--brokers',
  'b1.example.com:9093,b2.example.com:9093',
  '--topic',
  'orders',
  '--auth',
  'mtls',
  '--auth-secret',
  'kafka/orders/client',
  '--target',
  'kinesis',
];

/** The same source written by hand, for the loader's own messages. */
const BASE_YAML = {
  name: 'orders',
  kind: 'self-managed',
  brokers: ['b1.example.com:9093', 'b2.example.com:9093'],
  topic: 'orders',
  auth: { type: 'mtls', secret: 'kafka/orders/client' },
  target: { type: 'kinesis' },
};

function loaderIssues(source: Record<string, unknown>, file: string): ConfigIssue[] {
  try {
    parseSourceFile(JSON.stringify(source), file);
  } catch (e) {
    return [...(e as ConfigError).issues];
  }
  return [];
}

describe('kafka-pipes onboard', () => {
  it('writes a valid source file from flags and prints the next commands', async () => {
    // Arrange
    const dir = sourcesDir({});
    const { aws, asked } = fakeSecretsAws();
    // Act
    const run = await cli(
      [
        '--sources-dir',
        dir,
        'onboard',
        ...BASE,
        '--batch-size',
        '500',
        '--subnets',
        'subnet-0a1b2c3d',
        '--security-groups',
        'sg-0a1b2c3d',
      ],
      { aws },
    );
    // Assert
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const file = join(dir, 'orders.yaml');
    const text = readFileSync(file, 'utf8');
    expect(text.startsWith('# yaml-language-server: $schema=../source.schema.json\n')).toBe(true);
    // The secret name is written as its full ARN (issue 12 item 11).
    expect(asked).toEqual(['kafka/orders/client']);
    expect(parseSourceFile(text, file)).toMatchObject({
      ...BASE_YAML,
      auth: { type: 'mtls', secret: fakeSecretArn('kafka/orders/client') },
      batchSize: 500,
      vpc: { subnetIds: ['subnet-0a1b2c3d'], securityGroupIds: ['sg-0a1b2c3d'] },
      consumerGroupId: 'kafka-pipes-orders',
      engine: 'pipe',
    });
    expect(run.stdout).toContain('next:\n  kafka-pipes preflight orders --write');
  });

  it.each([
    ['batch size out of range', ['--batch-size', '20000'], { batchSize: 20000 }],
    ['a name with capitals', ['--name', 'Orders_1'], { name: 'Orders_1' }],
    ['a broker without port', ['--brokers', 'b1.example.com'], { brokers: ['b1.example.com'] }],
    [
      'a bad partition key',
      ['--partition-key', 'value.id'],
      { target: { type: 'kinesis', partitionKey: 'value.id' } },
    ],
    [
      'an object format on a Kinesis target',
      ['--object-format', 'parquet'],
      { target: { type: 'kinesis', format: 'parquet' } },
    ],
    [
      'an unknown object format',
      ['--target', 'firehose', '--object-format', 'orc'],
      { target: { type: 'firehose', format: 'orc' } },
    ],
    [
      'mtls on MSK Serverless',
      ['--kind', 'msk-serverless', '--cluster-arn', 'arn:aws:kafka:us-east-1:123456789012:cluster/c/abc-1'],
      {
        kind: 'msk-serverless',
        brokers: undefined,
        clusterArn: 'arn:aws:kafka:us-east-1:123456789012:cluster/c/abc-1',
      },
    ],
  ])('rejects %s with the same issues as the synth', async (_case, flags, override) => {
    // Arrange
    const dir = sourcesDir({});
    const source = { ...BASE_YAML, ...override } as Record<string, unknown>;
    const name = (source.name as string) ?? 'orders';
    const expected = loaderIssues(JSON.parse(JSON.stringify(source)), join(dir, `${name}.yaml`));
    expect(expected.length).toBeGreaterThan(0);
    // Act
    const run = await cli(['--json', '--sources-dir', dir, 'onboard', ...BASE, ...flags]);
    // Assert
    expect(run.code).toBe(2);
    expect(run.json<{ issues: ConfigIssue[] }>().issues).toEqual(expected);
    expect(existsSync(join(dir, `${name}.yaml`))).toBe(false);
  });

  it('writes a Firehose target converting to Parquet with --object-format parquet', async () => {
    const dir = sourcesDir({});
    const { aws } = fakeSecretsAws();
    const run = await cli(
      ['--sources-dir', dir, 'onboard', ...BASE, '--target', 'firehose', '--object-format', 'parquet'],
      { aws },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const file = join(dir, 'orders.yaml');
    expect(parseSourceFile(readFileSync(file, 'utf8'), file).target).toMatchObject({
      type: 'firehose',
      format: 'parquet',
      bufferingSizeMiB: 64,
    });
  });

  it('refuses to overwrite an existing file', async () => {
    const dir = sourcesDir({ 'orders.yaml': 'name: orders\n' });
    const run = await cli(['--sources-dir', dir, 'onboard', ...BASE]);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `error --name: name: ${join(dir, 'orders.yaml')} already exists; onboard never overwrites. Fix: choose another --name, or edit the existing file\n`,
    );
    expect(readFileSync(join(dir, 'orders.yaml'), 'utf8')).toBe('name: orders\n');
  });

  it('reports a name already used by another source file', async () => {
    const dir = sourcesDir({});
    writeFileSync(
      join(dir, 'legacy.yaml'),
      'name: orders\nkind: self-managed\nbrokers: [b9:9092]\ntopic: t\ntarget:\n  type: kinesis\n',
    );
    const run = await cli(['--json', '--sources-dir', dir, 'onboard', ...BASE]);
    expect(run.code).toBe(2);
    expect(run.json<{ issues: ConfigIssue[] }>().issues.map((i) => i.field)).toContain('name');
  });

  it('asks for what is missing and asks again after a bad answer', async () => {
    // Arrange: name, description, kind, brokers, topic, value format, auth, root CA, subnets, target, stream, key,
    // position, batch size (bad), window, then the corrected batch size.
    const dir = sourcesDir({});
    const answers = [
      'ships',
      '',
      '',
      'b1:9092',
      'ships',
      '',
      'none',
      '',
      '',
      '',
      '',
      '',
      '',
      '40000',
      '',
      '250',
      '',
    ];
    // Act
    const run = await cli(['--sources-dir', dir, 'onboard'], {
      stdin: Readable.from([`${answers.join('\n')}\n`]),
    });
    // Assert
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(
      '  Batch size must be between 1 and 10000, received 40000. Fix: set batchSize to a whole number from 1 to 10000\n',
    );
    const file = join(dir, 'ships.yaml');
    expect(parseSourceFile(readFileSync(file, 'utf8'), file)).toMatchObject({
      name: 'ships',
      brokers: ['b1:9092'],
      auth: { type: 'none' },
      batchSize: 250,
      batchingWindowSeconds: 1,
    });
  });

  it('re-asks a choice question until the answer is one of the choices', async () => {
    const dir = sourcesDir({});
    const answers = [
      'boats',
      '',
      'kafka',
      'self-managed',
      'b1:9092',
      'boats',
      '',
      'none',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
    ];
    const run = await cli(['--sources-dir', dir, 'onboard'], {
      stdin: Readable.from([`${answers.join('\n')}\n`]),
    });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('  choose one of self-managed, msk, msk-serverless\n');
  });

  it('prints --help with exit code 0', async () => {
    const run = await cli(['onboard', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--non-interactive');
  });
});
