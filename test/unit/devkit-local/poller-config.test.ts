import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Stream } from 'aws-cdk-lib/aws-kinesis';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { describe, expect, it } from 'vitest';
import { planSource } from '../../../devkit/local/plan.js';
import { pollerConfigOf, stagePollerBundle } from '../../../devkit/local/poller-engine.js';
import { POLLER_CONFIG_ENV, pollerRuntimeSchema, readPollerEnv } from '../../../fallback-poller/config.js';
import { awsMaterialPorts, type PollerClients } from '../../../fallback-poller/create-poller.js';
import { FallbackPoller, streamDeliveryTarget } from '../../../fallback-poller/fallback-poller.construct.js';
import { loadSources } from '../../../pipes/load-sources.js';
import type { SourceConfig } from '../../../pipes/source-schema.js';

const longChain = (): SourceConfig => {
  const source = loadSources('pipes/sources').find((s) => s.name === 'onprem-long-chain');
  if (!source) throw new Error('example source onprem-long-chain is missing');
  return source;
};

const localDeps = (source: SourceConfig) => ({
  plan: planSource(source),
  brokers: ['127.0.0.1:9093'],
  dlqUrl: 'http://127.0.0.1:5000/123456789012/dlq',
  truststoreBucket: 'bucket-local',
  lockTable: 'locks',
});

/** Synthesizes the poller of `source` with bundling; returns its POLLER_CONFIG and its bundle directory. */
async function deployedPoller(source: SourceConfig) {
  const outdir = await mkdtemp(join(tmpdir(), 'poller-bundle-test-'));
  const app = new App({ outdir });
  const stack = new Stack(app, 'PollerBundleTest', { env: { account: '123456789012', region: 'us-east-1' } });
  new FallbackPoller(stack, 'Poller', {
    source,
    target: streamDeliveryTarget(new Stream(stack, 'Stream')),
    enrichmentDlq: new Queue(stack, 'Dlq'),
    projectRoot: process.cwd(),
  });
  const template = app.synth().getStackByName(stack.stackName).template as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
  const fn = Object.values(template.Resources).find(
    (r) => r.Type === 'AWS::Lambda::Function' && JSON.stringify(r).includes(POLLER_CONFIG_ENV),
  );
  if (!fn) throw new Error('no poller function in the template');
  const env = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
  const s3Key = (fn.Properties.Code as { S3Key: string }).S3Key;
  // POLLER_CONFIG is a token-bearing JSON string; only the truststore and auth matter here.
  const json = JSON.stringify(env[POLLER_CONFIG_ENV]);
  return { json, bundleDir: join(outdir, `asset.${s3Key.replace(/\.zip$/, '')}`) };
}

describe('pollerConfigOf', () => {
  it('builds the POLLER_CONFIG of the long-chain example the poller accepts', () => {
    // Act
    const config = pollerConfigOf(localDeps(longChain()));
    // Assert
    expect(pollerRuntimeSchema.parse(config)).toEqual(config);
    expect(config).toMatchObject({
      sourceName: 'onprem-long-chain',
      groupId: 'ExampleTopic-G2',
      eventSource: 'SelfManagedKafka',
      cluster:
        'kafka-1.legacy.example.com:9093,kafka-2.legacy.example.com:9093,kafka-3.legacy.example.com:9093',
      brokers: ['127.0.0.1:9093'],
      tls: true,
      truststore: { type: 's3', bucket: 'bucket-local', key: 'truststores/legacy-ca-bundle.pem' },
      auth: { type: 'mtls', secret: 'kafka/legacy/client-cert' },
      streamName: 'data-lake-apic-local',
      maxRecordsPerInvocation: 20000,
      lockTtlSeconds: 120,
    });
  });

  it('reads a poller without truststore through the root CA secret as the deployed poller does (by name on moto)', () => {
    // Arrange
    const source: SourceConfig = {
      ...longChain(),
      rootCaSecret: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:kafka/legacy/root-ca-AbCdEf',
      poller: { ...(longChain().poller as NonNullable<SourceConfig['poller']>), truststore: undefined },
    };
    // Act
    const config = pollerConfigOf(localDeps(source));
    // Assert
    expect(config.truststore).toEqual({ type: 'secret', secret: 'kafka/legacy/root-ca' });
    expect(readPollerEnv({ POLLER_CONFIG: JSON.stringify(config) }).truststore).toEqual(config.truststore);
  });

  it('reads a truststore file where the deployed Lambda bundles it, from a staged bundle', async () => {
    // Arrange: a poller source whose trust bundle is a file of the repository
    const file = 'test/unit/poller/fixtures/bundled-ca.pem';
    const source: SourceConfig = {
      ...longChain(),
      poller: { ...(longChain().poller as NonNullable<SourceConfig['poller']>), truststore: { file } },
    };
    const pem = readFileSync(file, 'utf8');
    const noAws = {} as PollerClients;
    // Act
    const deployed = await deployedPoller(source);
    const local = pollerConfigOf(localDeps(source));
    const staged = await stagePollerBundle(source, process.cwd());
    try {
      // Assert: one path, in the Lambda bundle and in the local run's staged bundle
      expect(local.truststore).toEqual({ type: 'file', path: 'truststore/bundled-ca.pem' });
      expect(deployed.json).toContain(JSON.stringify(JSON.stringify(local.truststore)).slice(1, -1));
      expect(readFileSync(join(deployed.bundleDir, 'truststore/bundled-ca.pem'), 'utf8')).toBe(pem);
      await expect(
        awsMaterialPorts(noAws, staged.dir).readFileText('truststore/bundled-ca.pem'),
      ).resolves.toBe(pem);
    } finally {
      await staged.remove();
    }
  }, 120_000);
});
