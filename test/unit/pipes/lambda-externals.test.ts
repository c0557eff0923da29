/**
 * pipes/lambda-externals.ts: the one list per deployed Lambda of what its bundle leaves out, which the
 * constructs and the dev kit's bundler (devkit/lambda-bundle.ts) share. The bundles built from it are
 * checked in test/unit/poller/bundle.test.ts, test/unit/enrichment/bundle.test.ts and
 * test/integration/poller-bundle.test.ts.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundleLambda } from '../../../devkit/lambda-bundle.js';
import {
  enrichmentExternals,
  LAMBDA_EXTERNALS,
  pollerExternals,
  sinkExternals,
} from '../../../pipes/lambda-externals.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const mtlsJson = { auth: { type: 'mtls' } };

describe('Lambda externals', () => {
  it('names every handler the stack deploys, each an existing file', () => {
    expect(Object.keys(LAMBDA_EXTERNALS).sort()).toEqual([
      'enrichment/handler.ts',
      'fallback-poller/handler.ts',
      'targets/sink-handler.ts',
    ]);
    for (const entry of Object.keys(LAMBDA_EXTERNALS)) expect(existsSync(join(ROOT, entry))).toBe(true);
  });

  it('the poller leaves out what the enrichment does, the other auth types’ clients and unsent codecs', () => {
    // Act
    const poller = pollerExternals(mtlsJson);
    // Assert
    expect(poller).toEqual(expect.arrayContaining(enrichmentExternals(mtlsJson)));
    expect(poller).toContain('avsc');
    expect(poller).toContain('aws-msk-iam-sasl-signer-js');
    expect(poller.some((p) => p.endsWith('/requests/produce/v*'))).toBe(true);
    expect(poller.some((p) => p.endsWith('/requests/fetch/v*'))).toBe(false);
    expect(enrichmentExternals(mtlsJson)).not.toContain('aws-msk-iam-sasl-signer-js');
    expect(pollerExternals({ auth: { type: 'iam' } })).not.toContain('aws-msk-iam-sasl-signer-js');
    expect(sinkExternals(mtlsJson)).toEqual([]);
  });

  it('the dev kit bundles only deployed handlers', async () => {
    await expect(bundleLambda('enrichment/index.ts')).rejects.toThrow(
      /enrichment\/index.ts is not a deployed handler: pipes\/lambda-externals.ts lists/,
    );
  });
});
