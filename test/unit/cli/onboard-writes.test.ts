/**
 * What `onboard` writes deploys (issue 12 items 8, 11): secret names become full ARNs or the command refuses
 * naming the flag, and every file generated non-interactive answers can produce loads with the synth's loader.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateSourceTexts } from '../../../pipes/load-sources.js';
import { cli, fakeSecretArn, fakeSecretsAws, sourcesDir } from './run-cli.js';

const ARGS = [
  '--non-interactive',
  '--name',
  'orders',
  '--kind',
  'self-managed',
  '--brokers',
  'b1:9093',
  '--topic',
  'orders',
  '--auth',
  'sasl-scram-512',
  '--target',
  'kinesis',
];

describe('onboard: secret names become full ARNs', () => {
  it('refuses when AWS cannot resolve a name, naming the flag that takes a full ARN', async () => {
    const dir = sourcesDir({});
    const { aws } = fakeSecretsAws(new Error('connect ECONNREFUSED 127.0.0.1:443'));
    const run = await cli(['--sources-dir', dir, 'onboard', ...ARGS, '--auth-secret', 'kafka/orders'], {
      aws,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `error ${join(dir, 'orders.yaml')}: auth.secret: cannot resolve secret name kafka/orders to its full ARN (DescribeSecret: connect ECONNREFUSED 127.0.0.1:443). ` +
        'Fix: give the full secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:kafka/orders-AbCdEf) with --auth-secret, or run where AWS is reachable (credentials, --region)\n',
    );
  });

  it('refuses a name that does not exist', async () => {
    const dir = sourcesDir({});
    const gone = Object.assign(new Error('Secrets Manager can’t find the specified secret.'), {
      name: 'ResourceNotFoundException',
    });
    const { aws } = fakeSecretsAws(gone);
    const run = await cli(['--sources-dir', dir, 'onboard', ...ARGS, '--auth-secret', 'kafka/gone'], { aws });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `error ${join(dir, 'orders.yaml')}: auth.secret: secret kafka/gone does not exist in this account/region, so its full ARN cannot be written. ` +
        'Fix: create the secret (aws secretsmanager create-secret --name kafka/gone …), check --region, or give its full ARN with --auth-secret\n',
    );
  });

  it('writes a full ARN as given, without asking AWS', async () => {
    const dir = sourcesDir({});
    const { aws, asked } = fakeSecretsAws(new Error('must not be called'));
    const arn = fakeSecretArn('kafka/orders');
    const run = await cli(['--sources-dir', dir, 'onboard', ...ARGS, '--auth-secret', arn], { aws });
    expect(run.code).toBe(0);
    expect(asked).toEqual([]);
    expect(readFileSync(join(dir, 'orders.yaml'), 'utf8')).toContain(`  secret: ${arn}\n`);
  });
});

describe('nothing onboard writes fails at synth (property over non-interactive answers)', () => {
  const answers = fc.record(
    {
      kind: fc.oneof(
        { weight: 9, arbitrary: fc.constantFrom('self-managed', 'msk', 'msk-serverless') },
        { weight: 1, arbitrary: fc.constant('kafka') },
      ),
      auth: fc.constantFrom('none', 'mtls', 'sasl-scram-512', 'sasl-scram-256', 'basic', 'iam'),
      secret: fc.constantFrom('kafka/orders', 'AmazonMSK_orders', fakeSecretArn('kafka/o')),
      rootCa: fc.constantFrom('kafka/root', 'bad name!'),
      target: fc.constantFrom('kinesis', 'lambda'),
      batchSize: fc
        .oneof(
          { weight: 9, arbitrary: fc.integer({ min: 1, max: 500 }) },
          fc.integer({ min: 0, max: 12_000 }),
        )
        .map(String),
      window: fc
        .oneof({ weight: 9, arbitrary: fc.integer({ min: 0, max: 300 }) }, fc.integer({ min: 0, max: 400 }))
        .map(String),
      engine: fc.constantFrom('pipe', 'poller'),
      position: fc.oneof(
        { weight: 9, arbitrary: fc.constantFrom('TRIM_HORIZON', 'LATEST') },
        { weight: 1, arbitrary: fc.constant('AT_TIMESTAMP') },
      ),
      kmsKey: fc.constantFrom('arn:aws:kms:us-east-1:123456789012:key/abcd-1234', ''),
    },
    { requiredKeys: ['kind', 'auth', 'target'] },
  );

  it('exits 0 with a file the loader takes with zero issues, or exits 2 and writes nothing', async () => {
    let written = 0;
    await fc.assert(
      fc.asyncProperty(answers, async (a) => {
        const dir = sourcesDir({});
        const flags: [string, string | undefined][] = [
          ['--kind', a.kind],
          ['--brokers', 'b1:9093'],
          ['--cluster-arn', 'arn:aws:kafka:us-east-1:123456789012:cluster/c/abcd-1234'],
          ['--auth', a.auth],
          ['--auth-secret', a.secret],
          ['--root-ca-secret', a.rootCa],
          ['--target', a.target],
          ['--batch-size', a.batchSize],
          ['--batching-window', a.window],
          ['--engine', a.engine],
          ['--starting-position', a.position],
        ];
        const argv = flags.flatMap(([flag, v]) => (v === undefined ? [] : [flag, v]));
        const { aws } = fakeSecretsAws();
        const run = await cli(
          [
            '--sources-dir',
            dir,
            'onboard',
            '--non-interactive',
            '--name',
            'orders',
            '--topic',
            'orders',
            ...argv,
          ],
          { aws },
        );
        const file = join(dir, 'orders.yaml');
        if (run.code !== 0) {
          expect(run.code).toBe(2);
          expect(run.stderr).toMatch(/^error .+: .+: .+\. Fix: .+/);
          expect(existsSync(file)).toBe(false);
          return;
        }
        written++;
        const text = readFileSync(file, 'utf8');
        expect(validateSourceTexts([{ file, text }]).issues).toEqual([]);
        expect(text).not.toMatch(/secret: (?!arn:)/);
      }),
      { numRuns: 150 },
    );
    // Not vacuous: some generated answers do produce a file.
    expect(written).toBeGreaterThan(5);
  });
});
