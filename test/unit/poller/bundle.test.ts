/**
 * The poller Lambda's bundle, built as the CDK app deploys it (devkit/lambda-bundle.ts): it carries no full
 * `zod` (the runtime config and the rules use `zod/mini`), no YAML parser (the Lambda reads JSON), and it
 * loads the SDK packages of its own AWS clients on first use, not at import (fallback-poller/aws-clients.ts).
 * Sizes and import times are measured by `npm run bench -- lambdas`, not here.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  bundledPackageFiles,
  bundleLambda,
  externalImports,
  type LambdaBundle,
} from '../../../devkit/lambda-bundle.js';

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

  it('bundles the Kafka client (the poller reads with kafkajs)', () => {
    expect(bundledPackageFiles(bundle, 'kafkajs').length).toBeGreaterThan(0);
  });

  it('loads the SDK packages of its own clients on first use (dynamic import), none at import', () => {
    const own = ['kinesis', 'dynamodb', 'sqs', 's3', 'secrets-manager'].map((c) => `@aws-sdk/client-${c}`);
    const imports = externalImports(bundle);
    for (const pkg of own) {
      expect(imports).toContainEqual({ path: pkg, kind: 'dynamic-import' });
    }
    const atLoad = imports.filter((i) => i.kind === 'import-statement').map((i) => i.path);
    expect(
      atLoad.filter((p) => ['kinesis', 'dynamodb', 'sqs', 's3'].some((c) => p === `@aws-sdk/client-${c}`)),
    ).toEqual([]);
  });
});
