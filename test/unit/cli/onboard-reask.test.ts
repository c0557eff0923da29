/**
 * `onboard` never leaves a user at a dead end (issue 17 item 3): an invalid broker answer is asked again
 * (it ended the session with exit 2: the loader names the field `brokers[0]`, which matched no question);
 * kind msk asks no VPC, broker or root CA question; `--engine poller` asks for the poller's truststore;
 * a choice is taken in any letter case (`latest`). The tests drive the prompts through stdin, the port
 * `onboard` reads its answers from.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildSourceObject, truststoreValue } from '../../../cli/onboard/source-file.js';
import { parseSourceFile } from '../../../pipes/load-sources.js';
import { cli, fakeSecretArn, fakeSecretsAws, sourcesDir } from './run-cli.js';

const CLUSTER = 'arn:aws:kafka:us-east-1:123456789012:cluster/c1/abcd-1234';

/** Runs an interactive onboard with one answer per line. */
async function interactive(dir: string, answers: readonly string[], extra: readonly string[] = []) {
  const { aws, asked } = fakeSecretsAws();
  const run = await cli(['--sources-dir', dir, 'onboard', ...extra], {
    aws,
    stdin: Readable.from([`${answers.join('\n')}\n`]),
  });
  return { ...run, asked };
}

/** The problems onboard printed (prompts go to stderr too, without a line end). */
const problems = (stderr: string) => [...stderr.matchAll(/ {2}([^ ?][^\n]*)\n/g)].map((m) => m[1]);
/** How many times a question was asked. */
const asked = (stderr: string, question: string) => stderr.split(`? ${question}`).length - 1;

const load = (dir: string, name: string) => {
  const file = join(dir, `${name}.yaml`);
  return parseSourceFile(readFileSync(file, 'utf8'), file);
};

describe('onboard asks again instead of ending the session', () => {
  it('asks the brokers question again after an invalid broker answer, then writes the file', async () => {
    // Arrange: name, description, kind, brokers (bad), topic, value format, auth, root CA, subnets, target, stream, key,
    // position, batch size, window; then the brokers question again.
    const dir = sourcesDir({});
    const answers = [
      'ships',
      '',
      '',
      'kafka-1.corp:abc',
      'ships',
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
    // Act
    const run = await interactive(dir, [...answers, 'kafka-1.corp:9093']);
    // Assert
    expect(run.code).toBe(0);
    expect(problems(run.stderr)).toEqual([
      'Broker has an invalid format, received "kafka-1.corp:abc". Fix: write the broker as host:port, e.g. broker-1.example.com:9093',
    ]);
    expect(asked(run.stderr, 'Bootstrap brokers')).toBe(2);
    expect(load(dir, 'ships').brokers).toEqual(['kafka-1.corp:9093']);
  });

  it('kind msk: asks no brokers, root CA or VPC question, and writes a file the loader takes', async () => {
    // Arrange: name, description, kind, cluster ARN, topic, value format, auth, target, stream, key, position, size, window
    const dir = sourcesDir({});
    const answers = ['boats', '', 'msk', CLUSTER, 'boats', '', 'iam', '', '', '', '', '', ''];
    // Act
    const run = await interactive(dir, answers);
    // Assert
    expect(run.code).toBe(0);
    expect(problems(run.stderr)).toEqual([]);
    expect(run.stderr).toContain('? MSK cluster ARN');
    expect(run.stderr).not.toMatch(/Bootstrap brokers|root CA|VPC subnet|Security group/);
    expect(load(dir, 'boats')).toMatchObject({ kind: 'msk', clusterArn: CLUSTER, auth: { type: 'iam' } });
  });

  it('takes a choice in any letter case: latest, Kinesis, IAM', async () => {
    // Arrange
    const dir = sourcesDir({});
    const answers = ['rafts', '', 'MSK', CLUSTER, 'rafts', '', 'IAM', 'Kinesis', '', '', 'latest', '', ''];
    // Act
    const run = await interactive(dir, answers);
    // Assert
    expect(problems(run.stderr)).toEqual([]);
    expect(run.stderr).not.toContain('choose one of');
    expect(run.code).toBe(0);
    expect(load(dir, 'rafts')).toMatchObject({
      kind: 'msk',
      auth: { type: 'iam' },
      target: { type: 'kinesis' },
      startingPosition: 'LATEST',
    });
  });

  it('takes --starting-position latest (a flag) as LATEST', async () => {
    // Arrange
    const dir = sourcesDir({});
    const { aws } = fakeSecretsAws();
    const flags = ['--name', 'canoes', '--kind', 'msk', '--cluster-arn', CLUSTER, '--topic', 'canoes'];
    // Act
    const run = await cli(
      [
        '--sources-dir',
        dir,
        'onboard',
        '--non-interactive',
        ...flags,
        '--auth',
        'iam',
        '--target',
        'kinesis',
        '--starting-position',
        'latest',
      ],
      { aws },
    );
    // Assert
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(load(dir, 'canoes').startingPosition).toBe('LATEST');
  });
});

describe('onboard --engine poller asks for the poller truststore', () => {
  // name, description, kind, brokers, topic, value format, auth, secret, root CA, subnets, [truststore], target, stream,
  // key, position, size, window
  const before = ['legacy', '', '', 'b1.corp:9093', 'legacy', '', 'mtls', 'kafka/legacy/client', '', ''];
  const after = ['', '', '', '', '', ''];

  it.each([
    ['s3:truststores/legacy.pem', { s3Key: 'truststores/legacy.pem' }],
    ['file:certs/legacy-bundle.pem', { file: 'certs/legacy-bundle.pem' }],
    ['secret:kafka/legacy/root', { secret: fakeSecretArn('kafka/legacy/root') }],
  ])(
    'answer %s → poller.truststore %j (a secret name written as its full ARN)',
    async (answer, truststore) => {
      // Arrange
      const dir = sourcesDir({});
      // Act
      const run = await interactive(dir, [...before, answer, ...after], ['--engine', 'poller']);
      // Assert
      expect(problems(run.stderr)).toEqual([]);
      expect(run.code).toBe(0);
      expect(run.stderr).toContain(
        '? Poller truststore: s3:<key> (bucket object), secret:<ARN or name>, file:<path> (empty: rootCaSecret, else the public CAs): ',
      );
      expect(load(dir, 'legacy')).toMatchObject({ engine: 'poller', poller: { truststore } });
    },
  );

  it('an empty answer writes poller: {} (rootCaSecret or the public CAs), which the loader takes', async () => {
    // Arrange
    const dir = sourcesDir({});
    // Act
    const run = await interactive(dir, [...before, '', ...after], ['--engine', 'poller']);
    // Assert
    expect(run.code).toBe(0);
    expect(readFileSync(join(dir, 'legacy.yaml'), 'utf8')).toContain('poller: {}');
    expect(load(dir, 'legacy').engine).toBe('poller');
  });

  it('asks the truststore question again after an answer in no known form', async () => {
    // Arrange
    const dir = sourcesDir({});
    // Act
    const run = await interactive(
      dir,
      [...before, 'bundle.pem', ...after, 's3:truststores/legacy.pem'],
      ['--engine', 'poller'],
    );
    // Assert
    expect(run.code).toBe(0);
    expect(problems(run.stderr)).toHaveLength(1);
    expect(problems(run.stderr)[0]).toMatch(/\. Fix: /);
    expect(asked(run.stderr, 'Poller truststore')).toBe(2);
    expect(load(dir, 'legacy').poller?.truststore).toEqual({ s3Key: 'truststores/legacy.pem' });
  });

  it('non-interactive --engine poller without --truststore writes poller: {} (was refused: no poller section)', async () => {
    // Arrange
    const dir = sourcesDir({});
    const { aws } = fakeSecretsAws();
    const flags = ['--name', 'old', '--kind', 'self-managed', '--brokers', 'b1.corp:9093', '--topic', 'old'];
    // Act
    const run = await cli(
      [
        '--sources-dir',
        dir,
        'onboard',
        '--non-interactive',
        ...flags,
        '--auth',
        'none',
        '--target',
        'kinesis',
        '--engine',
        'poller',
      ],
      { aws },
    );
    // Assert
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(load(dir, 'old')).toMatchObject({ engine: 'poller', poller: { iterations: 4 } });
  });

  it('builds the truststore object from each answer form', () => {
    expect(truststoreValue(' s3:a/b.pem ')).toEqual({ s3Key: 'a/b.pem' });
    expect(truststoreValue('bundle.pem')).toBe('bundle.pem');
    expect(buildSourceObject({ engine: 'poller', name: 'x' })).toEqual({
      poller: {},
      engine: 'poller',
      name: 'x',
    });
    expect(buildSourceObject({ engine: 'pipe', name: 'x' })).toEqual({ engine: 'pipe', name: 'x' });
  });
});
