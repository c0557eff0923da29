import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateSecretCommand, DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { PreflightCheck, PreflightReport } from '../../cli/preflight/engine.js';
import type { CliAwsClients } from '../../cli/shared/aws.js';
import { type AwsClients, awsClients } from '../../devkit/testbed/aws.js';
import { uniqueName } from '../../devkit/testbed/kafka.js';
import { validateSourceTexts } from '../../pipes/load-sources.js';
import { cli, sourcesDir } from '../unit/cli/run-cli.js';

const bed = inject('testbed');
let aws: AwsClients;
let cliAws: CliAwsClients;
let dir: string;
const bucket = uniqueName('truststores');
const secrets = {
  client: uniqueName('kafka/client'),
  clientPbes1: uniqueName('kafka/client-pbes1'),
  clientPbes2: uniqueName('kafka/client-pbes2'),
  root: uniqueName('kafka/root'),
};

const source = (name: string, auth: string, extra = '') =>
  `# yaml-language-server: $schema=../source.schema.json\n# ${name}: kept comment\nname: ${name}\nkind: self-managed\n` +
  `brokers: [localhost:9093]\ntopic: orders\nauth:\n  type: mtls\n  secret: ${auth} # the client secret\n` +
  `rootCaSecret: ${secrets.root}\n${extra}target:\n  type: kinesis\n`;

type Report = PreflightReport & { file: string; written: boolean };

async function preflight(args: string[]): Promise<{ code: number; report: Report }> {
  const run = await cli(['--json', '--sources-dir', dir, 'preflight', ...args], { aws: cliAws });
  return { code: run.code, report: run.json<Report>() };
}

const check = (r: Report, id: string) => r.checks.find((c) => c.id === id) as PreflightCheck;

beforeAll(async () => {
  aws = awsClients(bed.moto.endpoint, bed.moto.region);
  cliAws = { ...aws, lambda: new LambdaClient(aws.config) };
  const secret = (Name: string, value: unknown) =>
    aws.secretsManager.send(new CreateSecretCommand({ Name, SecretString: JSON.stringify(value) }));
  await secret(secrets.client, { certificate: bed.pki.clientCert, privateKey: bed.pki.clientKey });
  await secret(secrets.clientPbes1, {
    certificate: bed.pki.clientCert,
    privateKey: bed.pki.clientKeyEncrypted,
    privateKeyPassword: bed.pki.clientKeyPassword,
  });
  await secret(secrets.clientPbes2, {
    certificate: bed.pki.clientCert,
    privateKey: bed.pki.clientKeyPbes2,
    privateKeyPassword: bed.pki.clientKeyPassword,
  });
  await secret(secrets.root, { certificate: bed.pki.caChain });
  await aws.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await aws.s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'long.pem', Body: bed.pki.longTrustBundle }));
  dir = sourcesDir({
    'chain.yaml': source('chain', secrets.client),
    'pbes1.yaml': source('pbes1', secrets.clientPbes1),
    'pbes2.yaml': source('pbes2', secrets.clientPbes2),
  });
  writeFileSync(join(dir, 'expired.pem'), bed.pki.expiredCert);
  writeFileSync(join(dir, 'wrong-san.pem'), bed.pki.wrongSanCert);
  writeFileSync(join(dir, 'broker-key.pem'), bed.pki.brokerKey);
});

afterAll(() => {
  aws.destroy();
  cliAws.lambda.destroy();
});

describe('kafka-pipes preflight (harness PKI, secrets and truststore in moto)', () => {
  it.each(['chain', 'pbes1'])('takes the 3-level chain of %s → pipe', async (name) => {
    const { code, report } = await preflight([name]);
    expect(report.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(code).toBe(0);
    expect(report.decision).toEqual({
      engine: 'pipe',
      reason: 'certificate chain, key format and secret sizes all fit EventBridge Pipes',
    });
    expect(check(report, 'client-chain').message).toBe(
      `secret:${name === 'chain' ? secrets.client : secrets.clientPbes1}: chain CN=test-client → CN=Test Intermediate CA → CN=Test Root CA is complete and in order`,
    );
  });

  it('groups the certificates that expire within 30 days into one warning (the test PKI lives 30 days)', async () => {
    const { report } = await preflight(['chain']);
    expect(check(report, 'client-expiry')).toMatchObject({
      status: 'warn',
      message: expect.stringMatching(
        /: 3 certificates expire within 30 days \(CN=test-client, CN=Test Intermediate CA, CN=Test Root CA\); the first in \d+ days \(/,
      ),
      fix: expect.stringMatching(/^renew them before \d{4}-\d{2}-\d{2}$/),
    });
  });

  it('sends the > 65,536-byte trust bundle from S3 to the poller', async () => {
    const { code, report } = await preflight(['chain', '--ca', `s3://${bucket}/long.pem`]);
    expect(code).toBe(0);
    expect(report.decision.engine).toBe('poller');
    const size = Buffer.byteLength(JSON.stringify({ certificate: bed.pki.longTrustBundle }));
    expect(report.decision.reason).toBe(
      `the root CA secret made from s3://${bucket}/long.pem would be ${size.toLocaleString('en-US')} bytes, over the 65,536-byte limit of a Pipe secret`,
    );
  });

  it('sends the PBES2 key to the poller with the reason', async () => {
    const { code, report } = await preflight(['pbes2']);
    expect(code).toBe(0);
    expect(report.decision).toEqual({
      engine: 'poller',
      reason: 'the client key is PBES2-encrypted (PBES2 (aes-256-cbc)) and Pipes accepts only PBES1',
    });
  });

  it('fails on the expired certificate', async () => {
    const { code, report } = await preflight([
      'chain',
      '--cert',
      join(dir, 'expired.pem'),
      '--key',
      join(dir, 'broker-key.pem'),
    ]);
    expect(code).toBe(1);
    expect(report.ok).toBe(false);
    expect(check(report, 'client-expiry')).toMatchObject({
      status: 'fail',
      message: expect.stringMatching(/^file:.*expired\.pem: CN=localhost expired on 2020-/),
    });
  });

  it('warns when the broker certificate SAN does not name the broker host', async () => {
    const { code, report } = await preflight(['chain', '--server-cert', join(dir, 'wrong-san.pem')]);
    expect(code).toBe(0);
    expect(check(report, 'server-san')).toMatchObject({
      status: 'warn',
      message: `file:${join(dir, 'wrong-san.pem')}: broker host localhost is not in the SAN of CN=wrong-host.invalid (DNS:wrong-host.invalid)`,
    });
    expect(check(report, 'server-chain').status).toBe('pass');
  });

  it('writes engine: poller with --write and keeps the comments', async () => {
    const { code, report } = await preflight(['pbes2', '--write']);
    expect(code).toBe(0);
    expect(report.written).toBe(true);
    const text = readFileSync(join(dir, 'pbes2.yaml'), 'utf8');
    expect(text).toContain('# pbes2: kept comment\n');
    // Secret names are written as their full ARNs (issue 12 item 11), comments kept.
    const arn = async (SecretId: string) =>
      (await aws.secretsManager.send(new DescribeSecretCommand({ SecretId }))).ARN as string;
    const [clientArn, rootArn] = [await arn(secrets.clientPbes2), await arn(secrets.root)];
    expect(clientArn).toMatch(/^arn:aws:secretsmanager:.+-[A-Za-z0-9]{6}$/);
    expect(text).toContain(`secret: ${clientArn} # the client secret\n`);
    expect(text).toContain(`rootCaSecret: ${rootArn}\n`);
    expect(text).toMatch(/\nengine: poller\n/);
    // The poller section with the truststore the poller reads (issue 12 item 8), and the synth's loader takes it.
    expect(text).toContain(`poller:\n  truststore: {secret: ${rootArn}}\n`);
    expect(validateSourceTexts([{ file: 'pbes2.yaml', text }]).issues).toEqual([]);
    // The names were a warning (cdk synth refuses them) whose fix is --write; the written file has none.
    expect(
      report.checks.filter((c) => c.id === 'secret-full-arn').map((c) => [c.status, c.message.split(':')[0]]),
    ).toEqual([
      ['warn', 'auth.secret'],
      ['warn', 'rootCaSecret'],
    ]);
    const again = await preflight(['pbes2']);
    expect(again.report.checks.filter((c) => c.id === 'secret-full-arn')).toEqual([]);
  });

  it('names the field and the fix when a secret does not exist', async () => {
    const missing = sourcesDir({ 'gone.yaml': source('gone', 'kafka/does-not-exist') });
    const run = await cli(['--sources-dir', missing, 'preflight', 'gone'], { aws: cliAws });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `error ${join(missing, 'gone.yaml')}: auth.secret: secret kafka/does-not-exist does not exist in this account/region. ` +
        'Fix: create it (aws secretsmanager create-secret --name kafka/does-not-exist --secret-string file://secret.json) or fix auth.secret\n',
    );
  });
});
