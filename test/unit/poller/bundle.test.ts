/**
 * The poller Lambda's bundle, built as the CDK app deploys it (devkit/lambda-bundle.ts): it carries no full
 * `zod` (the runtime config and the rules use `zod/mini`), no YAML parser (the Lambda reads JSON), and it
 * loads every AWS SDK package on first use, not at import (fallback-poller/aws-clients.ts for its own
 * clients, enrichment/aws-reads.ts for the rules from AppConfig and the HMAC key).
 * Sizes and import times are measured by `npm run bench -- lambdas`, not here.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { POLLER_KAFKA_REQUESTS } from '../../../core/kafka/request-codecs.js';
import {
  bundledPackageFiles,
  bundleLambda,
  externalImports,
  type LambdaBundle,
} from '../../../devkit/lambda-bundle.js';
import { unusedClientPackages } from '../../../pipes/kinds/registry.js';

let bundle: LambdaBundle;

beforeAll(async () => {
  bundle = await bundleLambda('fallback-poller/handler.ts');
}, 60_000);

describe('fallback poller bundle', () => {
  it('bundles zod/mini only: no classic zod API and no zod v3', () => {
    const zod = bundledPackageFiles(bundle, 'zod');
    expect(zod.some((f) => f.startsWith('v4/mini/'))).toBe(true);
    const MINI = ['mini/', 'v4/mini/', 'v4/core/', 'v4/locales/'];
    expect(zod.filter((f) => !MINI.some((prefix) => f.startsWith(prefix)))).toEqual([]);
  });

  it('bundles no YAML parser', () => {
    expect(bundledPackageFiles(bundle, 'yaml')).toEqual([]);
  });

  it("bundles kafkajs' Cluster, not its client class with the producer, consumer and admin", () => {
    const kafkajs = bundledPackageFiles(bundle, 'kafkajs');
    expect(kafkajs).toContain('src/cluster/index.js');
    expect(kafkajs).toContain('src/broker/index.js');
    expect(kafkajs.filter((f) => f === 'index.js' || f === 'src/index.js')).toEqual([]);
    expect(kafkajs.filter((f) => /^src\/(producer|consumer|admin)\//.test(f))).toEqual([]);
  });

  it('bundles the codecs of the Kafka requests it sends only (core/kafka/request-codecs.ts)', () => {
    const versions = bundledPackageFiles(bundle, 'kafkajs')
      .map((f) => /^src\/protocol\/requests\/(\w+)\/v\d+\//.exec(f)?.[1])
      .filter((r): r is string => r !== undefined);
    expect([...new Set(versions)].sort()).toEqual([...POLLER_KAFKA_REQUESTS].sort());
  });

  it('loads every AWS SDK package on first use (dynamic import), none at import', () => {
    const imports = externalImports(bundle);
    const own = ['kinesis', 'firehose', 'dynamodb', 'sqs', 's3', 'secrets-manager', 'appconfigdata'];
    for (const client of own) {
      expect(imports).toContainEqual({ path: `@aws-sdk/client-${client}`, kind: 'dynamic-import' });
    }
    expect(imports.filter((i) => i.kind === 'import-statement' && i.path.startsWith('@aws-sdk/'))).toEqual(
      [],
    );
  });

  it('a source with another auth type leaves the MSK IAM signer out (dynamic import only); an IAM source bundles it', async () => {
    expect(bundledPackageFiles(bundle, 'aws-msk-iam-sasl-signer-js')).toEqual([]);
    expect(externalImports(bundle)).toContainEqual({
      path: 'aws-msk-iam-sasl-signer-js',
      kind: 'dynamic-import',
    });
    const iam = await bundleLambda('fallback-poller/handler.ts', { auth: { type: 'iam' } });
    expect(bundledPackageFiles(iam, 'aws-msk-iam-sasl-signer-js').length).toBeGreaterThan(0);
    expect(externalImports(iam).filter((i) => i.path === 'aws-msk-iam-sasl-signer-js')).toEqual([]);
    expect(unusedClientPackages({ auth: { type: 'iam' } })).toEqual([]);
    expect(unusedClientPackages({ auth: { type: 'sasl-scram-512' } })).toEqual([
      'aws-msk-iam-sasl-signer-js',
    ]);
  }, 60_000);

  it('a JSON-only source leaves avsc out (loaded by dynamic import only); an Avro source bundles it', async () => {
    expect(bundledPackageFiles(bundle, 'avsc')).toEqual([]);
    expect(externalImports(bundle)).toContainEqual({ path: 'avsc', kind: 'dynamic-import' });
    const avro = await bundleLambda('fallback-poller/handler.ts', {
      value: { format: 'avro', registry: { type: 'glue', registryName: 'r' } },
    });
    expect(bundledPackageFiles(avro, 'avsc').length).toBeGreaterThan(0);
    expect(externalImports(avro).filter((i) => i.path === 'avsc')).toEqual([]);
  }, 60_000);
});
