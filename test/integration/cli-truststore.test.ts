/**
 * `kafka-pipes truststore upload` against the test bed's moto (issue 12 item 10): a trust bundle over 65,536
 * bytes goes into the bucket tagged with the source, encrypted with the bucket's KMS key, and the source file
 * records poller.truststore.s3Key with its comments kept.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LambdaClient } from '@aws-sdk/client-lambda';
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutBucketEncryptionCommand,
  PutBucketTaggingCommand,
} from '@aws-sdk/client-s3';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { CliAwsClients } from '../../cli/shared/aws.js';
import { type AwsClients, awsClients } from '../../devkit/testbed/aws.js';
import { uniqueName } from '../../devkit/testbed/kafka.js';
import { validateSourceTexts } from '../../pipes/load-sources.js';
import { cli, sourcesDir } from '../unit/cli/run-cli.js';

const bed = inject('testbed');
let aws: AwsClients;
let cliAws: CliAwsClients;
let dir: string;
const name = uniqueName('trust');
const other = uniqueName('trust-other');
const bucket = uniqueName('truststore');
const plainBucket = uniqueName('plain');
const KMS_KEY = 'arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555';

const source = (n: string) =>
  `# ${n}: kept comment\nname: ${n}\nkind: self-managed\nbrokers: [localhost:9093]\ntopic: orders\n` +
  `target:\n  type: kinesis\nengine: poller # chosen by preflight\npoller:\n  iterations: 2 # kept\n`;

beforeAll(async () => {
  aws = awsClients(bed.moto.endpoint, bed.moto.region);
  cliAws = { ...aws, lambda: new LambdaClient(aws.config) };
  for (const b of [bucket, plainBucket]) await aws.s3.send(new CreateBucketCommand({ Bucket: b }));
  await aws.s3.send(
    new PutBucketTaggingCommand({
      Bucket: bucket,
      Tagging: { TagSet: [{ Key: 'kafka-pipes:source', Value: name }] },
    }),
  );
  await aws.s3.send(
    new PutBucketEncryptionCommand({
      Bucket: bucket,
      ServerSideEncryptionConfiguration: {
        Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: KMS_KEY } }],
      },
    }),
  );
  dir = sourcesDir({ [`${name}.yaml`]: source(name), [`${other}.yaml`]: source(other) });
  writeFileSync(join(dir, 'long.pem'), bed.pki.longTrustBundle);
  writeFileSync(join(dir, 'with-key.pem'), `${bed.pki.caChain}${bed.pki.clientKey}`);
});

describe('kafka-pipes truststore upload (moto)', () => {
  it('puts a bundle over 65,536 bytes into the tagged bucket with SSE-KMS and records poller.truststore.s3Key', async () => {
    // Act
    const run = await cli(['--sources-dir', dir, 'truststore', 'upload', name, join(dir, 'long.pem')], {
      aws: cliAws,
    });
    // Assert
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const key = `truststores/${name}.pem`;
    expect(Buffer.byteLength(bed.pki.longTrustBundle)).toBeGreaterThan(65_536);
    const object = await aws.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(await object.Body?.transformToString('utf8')).toBe(bed.pki.longTrustBundle);
    expect(object.ServerSideEncryption).toBe('aws:kms');
    expect(object.SSEKMSKeyId).toBe(KMS_KEY);
    const file = join(dir, `${name}.yaml`);
    const text = readFileSync(file, 'utf8');
    expect(text).toBe(
      source(name).replace(
        '  iterations: 2 # kept\n',
        `  iterations: 2 # kept\n  truststore: {s3Key: ${key}}\n`,
      ),
    );
    expect(validateSourceTexts([{ file, text }]).issues).toEqual([]);
    expect(run.stdout).toContain(`to s3://${bucket}/${key}, SSE-KMS with ${KMS_KEY}\n`);
    expect(run.stdout).toContain(`set poller.truststore.s3Key: ${key} in ${file}\nnext: npx cdk deploy\n`);
  });

  it('refuses a bundle with a private key before touching AWS', async () => {
    const run = await cli(['--sources-dir', dir, 'truststore', 'upload', other, join(dir, 'with-key.pem')], {
      aws: cliAws,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'the bundle holds 1 private key block(s) (PRIVATE KEY); a truststore holds CA certificates only',
    );
    expect(readFileSync(join(dir, `${other}.yaml`), 'utf8')).toBe(source(other));
  });

  it('says when no bucket carries the source tag, and refuses a --bucket without SSE-KMS', async () => {
    const none = await cli(['--sources-dir', dir, 'truststore', 'upload', other, join(dir, 'long.pem')], {
      aws: cliAws,
    });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain(
      `no truststore bucket tagged kafka-pipes:source=${other} in this account/region`,
    );
    const plain = await cli(
      ['--sources-dir', dir, 'truststore', 'upload', other, join(dir, 'long.pem'), '--bucket', plainBucket],
      { aws: cliAws },
    );
    expect(plain.code).toBe(2);
    expect(plain.stderr).toContain(`bucket ${plainBucket} has no default SSE-KMS encryption with a KMS key`);
    expect(readFileSync(join(dir, `${other}.yaml`), 'utf8')).toBe(source(other));
  });
});
