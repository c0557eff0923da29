/**
 * The plan of `kafka-pipes truststore upload` (issue 12 item 10): the bundle check, the bucket choice and
 * the key / source-file edit, each with its exact message; and neither upload nor `secret build --put`
 * stores anything for a file the synth would refuse (a secret given by name).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkBundle, pickBucket, planUpload } from '../../../cli/truststore/plan.js';
import { parseSourceFile } from '../../../pipes/load-sources.js';
import { makeUnitPki, type UnitPki } from './pki-fixture.js';
import { cli, fakeSecretsAws, sourcesDir } from './run-cli.js';

let pki: UnitPki;
beforeAll(() => {
  pki = makeUnitPki();
});
afterAll(() => pki.cleanup());

describe('checkBundle', () => {
  it('takes CA certificates and counts them', () => {
    const text = `${pki.intermediateCa}${pki.rootCa}`;
    expect(checkBundle(text, 'ca.pem')).toEqual({
      certificates: 2,
      bytes: Buffer.byteLength(text),
      issues: [],
    });
  });

  it.each([
    {
      title: 'a private key next to the certificates',
      text: () => `${pki.rootCa}${pki.clientKey}`,
      issues: [
        {
          file: 'ca.pem',
          field: '(bundle)',
          message:
            'the bundle holds 1 private key block(s) (PRIVATE KEY); a truststore holds CA certificates only',
          fix: 'remove every PRIVATE KEY block from the file (the client key belongs in auth.secret) and upload again',
        },
      ],
    },
    {
      title: 'no PEM at all',
      text: () => 'not a certificate\n',
      issues: [
        {
          file: 'ca.pem',
          field: '(bundle)',
          message: 'no CERTIFICATE block found',
          fix: 'pass a PEM file of CA certificates (-----BEGIN CERTIFICATE----- …)',
        },
      ],
    },
    {
      title: 'another PEM block',
      text: () => `${pki.rootCa}-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n`,
      issues: [
        {
          file: 'ca.pem',
          field: '(bundle)',
          message: 'the bundle holds X509 CRL block(s); a truststore holds CERTIFICATE blocks only',
          fix: 'keep only the -----BEGIN CERTIFICATE----- blocks of the CAs that sign the broker certificates',
        },
      ],
    },
  ])('refuses $title', ({ text, issues }) => {
    expect(checkBundle(text(), 'ca.pem').issues).toEqual(issues);
  });
});

describe('pickBucket', () => {
  const dev = { name: 'b-dev', tags: { 'aws:cloudformation:stack-name': 'KafkaPipes-dev' } };
  const prod = { name: 'b-prod', tags: { 'aws:cloudformation:stack-name': 'KafkaPipes-prod' } };

  it.each([
    { title: 'the only tagged bucket', candidates: [dev], stack: undefined, result: { bucket: 'b-dev' } },
    {
      title: 'the bucket of the stack',
      candidates: [dev, prod],
      stack: 'KafkaPipes-prod',
      result: { bucket: 'b-prod' },
    },
    {
      title: 'none',
      candidates: [],
      stack: undefined,
      result: {
        issue: {
          file: '--bucket',
          field: 'bucket',
          message: 'no truststore bucket tagged kafka-pipes:source=orders in this account/region',
          fix: 'deploy the source with engine: poller first (npx cdk deploy creates the bucket), check --region, or pass --bucket <name>',
        },
      },
    },
    {
      title: 'several',
      candidates: [dev, prod],
      stack: undefined,
      result: {
        issue: {
          file: '--bucket',
          field: 'bucket',
          message: '2 truststore buckets are tagged kafka-pipes:source=orders: b-dev, b-prod',
          fix: 'pass --env <environment> (the stack KafkaPipes-<environment>) or --bucket <name>',
        },
      },
    },
  ])('$title', ({ candidates, stack, result }) => {
    expect(pickBucket('orders', candidates, stack)).toEqual(result);
  });
});

describe('planUpload', () => {
  const FILE = 'pipes/sources/orders.yaml';
  const BASE =
    'name: orders\nkind: self-managed\nbrokers: [b1:9093]\ntopic: orders\ntarget:\n  type: kinesis\n';
  const source = (extra: string) => parseSourceFile(`${BASE}${extra}`, FILE);

  it.each([
    {
      title: 'a poller without truststore: truststores/<name>.pem, recorded',
      extra: 'engine: poller\npoller: {}\n',
      key: undefined,
      result: {
        bucket: 'b',
        key: 'truststores/orders.pem',
        kmsKeyId: 'k',
        edits: [{ path: ['poller', 'truststore'], value: { s3Key: 'truststores/orders.pem' } }],
      },
    },
    {
      title: 'a poller already on s3Key: the same key, nothing to record',
      extra: 'engine: poller\npoller:\n  truststore:\n    s3Key: ca/legacy.pem\n',
      key: undefined,
      result: { bucket: 'b', key: 'ca/legacy.pem', kmsKeyId: 'k', edits: [] },
    },
    {
      title: '--key over a secret truststore: recorded',
      extra:
        'engine: poller\npoller:\n  truststore:\n    secret: arn:aws:secretsmanager:us-east-1:123456789012:secret:kafka/ca-AbCdEf\n',
      key: 'x.pem',
      result: {
        bucket: 'b',
        key: 'x.pem',
        kmsKeyId: 'k',
        edits: [{ path: ['poller', 'truststore'], value: { s3Key: 'x.pem' } }],
      },
    },
  ])('$title', ({ extra, key, result }) => {
    expect(
      planUpload({ file: FILE, source: source(extra), bucket: 'b', kmsKeyId: 'k', ...(key ? { key } : {}) }),
    ).toEqual(result);
  });

  it('refuses a Pipe source', () => {
    expect(planUpload({ file: FILE, source: source(''), bucket: 'b' })).toEqual({
      issue: {
        file: FILE,
        field: 'engine',
        message:
          'the source runs on engine pipe, which reads its CA from rootCaSecret, not from the truststore bucket',
        fix: 'run kafka-pipes preflight orders --write (it sets engine: poller with poller.truststore.s3Key when the bundle is over 65,536 bytes), then upload again',
      },
    });
  });
});

describe('truststore upload on a file the synth would refuse', () => {
  it('uploads nothing when the file names a secret by name, and says how to write its ARN', async () => {
    // Arrange: no AWS client is given, so any call to S3 would fail the run differently
    const text =
      'name: orders\nkind: self-managed\nbrokers: [b1:9093]\ntopic: orders\nauth: {type: mtls, secret: kafka/orders/client}\ntarget: {type: kinesis}\nengine: poller\npoller: {}\n';
    const dir = sourcesDir({ 'orders.yaml': text });
    const bundle = join(dir, 'ca.pem');
    writeFileSync(bundle, pki.rootCa);
    // Act
    const run = await cli(['--sources-dir', dir, 'truststore', 'upload', 'orders', bundle, '--bucket', 'b']);
    // Assert
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `${join(dir, 'orders.yaml')}: auth.secret: Secret "kafka/orders/client" is a name, not a Secrets Manager ARN; the Pipe and the IAM grants the stack deploys name the secret by its full ARN (…:secret:<name>-<6 characters>). Fix: run \`kafka-pipes preflight orders --write\` (writes the full ARN)`,
    );
    expect(readFileSync(join(dir, 'orders.yaml'), 'utf8')).toBe(text);
  });
});

describe('secret build --put on a file the synth would refuse', () => {
  it('stores nothing when another secret of the file is given by name', async () => {
    // Arrange: --ca builds only the root CA secret; auth.secret stays a name it does not store
    const text =
      'name: orders\nkind: self-managed\nbrokers: [b1:9093]\ntopic: orders\nauth: {type: mtls, secret: kafka/orders/client}\ntarget: {type: kinesis}\n';
    const dir = sourcesDir({ 'orders.yaml': text });
    const ca = join(dir, 'ca.pem');
    writeFileSync(ca, pki.rootCa);
    const { aws, asked } = fakeSecretsAws();
    // Act
    const run = await cli(['--sources-dir', dir, 'secret', 'build', 'orders', '--ca', ca, '--put'], { aws });
    // Assert
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `${join(dir, 'orders.yaml')}: auth.secret: Secret "kafka/orders/client" is a name, not a Secrets Manager ARN;`,
    );
    expect(asked).toEqual([]);
    expect(readFileSync(join(dir, 'orders.yaml'), 'utf8')).toBe(text);
  });
});
