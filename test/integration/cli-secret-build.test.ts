/**
 * `kafka-pipes secret build` (issue 17 item 2) against the test bed's moto: builds the mTLS and root CA
 * secrets from the harness PKI's files, refuses what preflight refuses, and with --put creates / updates them
 * in Secrets Manager (KMS key from the source) and writes their full ARNs into the source file, comments kept.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { DescribeSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { CliAwsClients } from '../../cli/shared/aws.js';
import { type AwsClients, awsClients } from '../../devkit/testbed/aws.js';
import { uniqueName } from '../../devkit/testbed/kafka.js';
import { validateSourceTexts } from '../../pipes/load-sources.js';
import { cli, sourcesDir } from '../unit/cli/run-cli.js';

const bed = inject('testbed');
let aws: AwsClients;
let kms: KMSClient;
let keyArn: string;
let dir: string;
const names = { client: uniqueName('kafka/client'), root: uniqueName('kafka/root') };

const source = (name: string, extra = '') =>
  `# ${name}: kept comment\nname: ${name}\nkind: self-managed\nbrokers: [localhost:9093]\ntopic: orders\n` +
  `auth:\n  type: mtls\n  secret: ${names.client} # the client secret\n${extra}` +
  `rootCaSecret: ${names.root}\ntarget: {type: kinesis}\n`;

beforeAll(async () => {
  aws = awsClients(bed.moto.endpoint, bed.moto.region);
  kms = new KMSClient(aws.config);
  keyArn = (await kms.send(new CreateKeyCommand({ Description: 'secret build test' }))).KeyMetadata
    ?.Arn as string;
  dir = sourcesDir({
    'orders.yaml': source('orders', `  kmsKeyArn: ${keyArn}\n`),
    'pipe.yaml': source('pipe'),
  });
  writeFileSync(join(dir, 'chain.pem'), bed.pki.clientCert);
  writeFileSync(join(dir, 'key.pem'), bed.pki.clientKey);
  writeFileSync(join(dir, 'key-pbes1.pem'), bed.pki.clientKeyEncrypted);
  writeFileSync(join(dir, 'key-pbes2.pem'), bed.pki.clientKeyPbes2);
  writeFileSync(join(dir, 'ca.pem'), `Bag Attributes\r\n${bed.pki.caChain.replace(/\n/g, '\r\n')}`);
  writeFileSync(join(dir, 'long.pem'), bed.pki.longTrustBundle);
});

afterAll(() => {
  aws.destroy();
  kms.destroy();
});

const run = (args: string[]) =>
  cli(['--sources-dir', dir, 'secret', 'build', ...args], { aws: aws as unknown as CliAwsClients });
const f = (name: string) => join(dir, name);
/** stderr lines other than the preflight warnings. */
const errors = (stderr: string) => stderr.split('\n').filter((l) => l !== '' && !l.startsWith('warning '));
const value = async (SecretId: string) =>
  JSON.parse((await aws.secretsManager.send(new GetSecretValueCommand({ SecretId }))).SecretString ?? '');

describe('kafka-pipes secret build (moto)', () => {
  it('prints both secrets with the PEM blocks only (no CRLF, no bytes outside the blocks)', async () => {
    // Act
    const built = await run([
      'orders',
      '--cert',
      f('chain.pem'),
      '--key',
      f('key.pem'),
      '--ca',
      f('ca.pem'),
      '--json',
    ]);
    // Assert
    expect(errors(built.stderr)).toEqual([]);
    expect(built.stderr).toContain('certificates expire within 30 days'); // the harness PKI lives 30 days
    expect(built.code).toBe(0);
    const secrets = built.json<{
      secrets: { field: string; secretId: string; bytes: number; value: unknown }[];
    }>().secrets;
    expect(secrets.map((s) => [s.field, s.secretId])).toEqual([
      ['auth.secret', names.client],
      ['rootCaSecret', names.root],
    ]);
    expect(secrets[0]?.value).toEqual({ certificate: bed.pki.clientCert, privateKey: bed.pki.clientKey });
    expect(secrets[1]?.value).toEqual({ certificate: bed.pki.caChain });
    expect(secrets[1]?.bytes).toBe(Buffer.byteLength(JSON.stringify({ certificate: bed.pki.caChain })));
  });

  it('--put creates the secrets with the source KMS key and writes their full ARNs, comments kept', async () => {
    // Act
    const put = await run([
      'orders',
      '--cert',
      f('chain.pem'),
      '--key',
      f('key.pem'),
      '--ca',
      f('ca.pem'),
      '--put',
    ]);
    // Assert
    expect(errors(put.stderr)).toEqual([]);
    expect(put.code).toBe(0);
    const describe = async (SecretId: string) =>
      aws.secretsManager.send(new DescribeSecretCommand({ SecretId }));
    const [client, root] = [await describe(names.client), await describe(names.root)];
    expect(client.ARN).toMatch(/^arn:aws:secretsmanager:.+-[A-Za-z0-9]{6}$/);
    expect(client.KmsKeyId).toBe(keyArn);
    expect(root.KmsKeyId).toBe(keyArn);
    expect(await value(names.client)).toEqual({
      certificate: bed.pki.clientCert,
      privateKey: bed.pki.clientKey,
    });
    expect(await value(names.root)).toEqual({ certificate: bed.pki.caChain });
    const text = readFileSync(f('orders.yaml'), 'utf8');
    expect(text).toBe(
      source('orders', `  kmsKeyArn: ${keyArn}\n`)
        .replace(`secret: ${names.client} #`, `secret: ${client.ARN} #`)
        .replace(`rootCaSecret: ${names.root}\n`, `rootCaSecret: ${root.ARN}\n`),
    );
    expect(validateSourceTexts([{ file: 'orders.yaml', text }]).issues).toEqual([]);
    expect(put.stdout).toContain(`created auth.secret secret ${client.ARN} (`);
    expect(put.stdout).toContain(`wrote auth.secret, rootCaSecret to ${f('orders.yaml')}\n`);
  });

  it('--put again updates the value under the same ARN (a PBES1 key with its password)', async () => {
    // Act
    const before = readFileSync(f('orders.yaml'), 'utf8');
    const put = await run([
      'orders',
      '--cert',
      f('chain.pem'),
      '--key',
      f('key-pbes1.pem'),
      '--key-password',
      bed.pki.clientKeyPassword,
      '--put',
      '--json',
    ]);
    // Assert
    expect(put.code).toBe(0);
    expect(put.json<{ secrets: { action: string }[]; written: string[] }>()).toMatchObject({
      secrets: [{ action: 'updated' }],
      written: [],
    });
    expect(await value(names.client)).toEqual({
      certificate: bed.pki.clientCert,
      privateKey: bed.pki.clientKeyEncrypted,
      privateKeyPassword: bed.pki.clientKeyPassword,
    });
    expect(readFileSync(f('orders.yaml'), 'utf8')).toBe(before);
  });

  it('refuses a trust bundle over 65,536 bytes and points to truststore upload; nothing is stored', async () => {
    const put = await run(['pipe', '--ca', f('long.pem'), '--put']);
    expect(put.code).toBe(2);
    expect(put.stderr).toMatch(
      /^error .*pipe\.yaml: rootCaSecret: root CA secret made from file:.*long\.pem would be [\d,]+ bytes, over the 65,536-byte secret limit\. Fix: Secrets Manager refuses a secret over 65,536 bytes: put the bundle in the truststore bucket with kafka-pipes truststore upload pipe <bundle\.pem>/,
    );
    expect(readFileSync(f('pipe.yaml'), 'utf8')).toBe(source('pipe'));
  });

  it.each([
    [
      'a PBES2 key for a Pipe source',
      ['--key', 'key-pbes2.pem'],
      'client-key-format',
      'to stay on a Pipe re-encrypt with PBES1',
    ],
    [
      'a key of another certificate',
      ['--key', 'broker-key.pem'],
      'client-key-match',
      'store the key the client certificate was issued for',
    ],
  ])('refuses %s with the preflight fix', async (_name, keyArgs, field, fix) => {
    writeFileSync(f('broker-key.pem'), bed.pki.brokerKey);
    const args = [
      'pipe',
      '--cert',
      f('chain.pem'),
      keyArgs[0] as string,
      f(keyArgs[1] as string),
      '--key-password',
      bed.pki.clientKeyPassword,
    ];
    const built = await run(args);
    expect(built.code).toBe(2);
    expect(built.stderr).toContain(`: ${field}: `);
    expect(built.stderr).toContain(`Fix: ${fix}`);
  });
});
