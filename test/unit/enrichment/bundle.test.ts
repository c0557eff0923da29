/**
 * The enrichment Lambda's bundle per value format, built as the CDK app deploys it for a source in that
 * format (devkit/lambda-bundle.ts; the packages of the formats a source does not use are esbuild
 * externals): a JSON-only source carries no schema-format package and stays within 250 KB; a source in a
 * schema format bundles that format's package. The sizes are printed for the record; `npm run bench --
 * lambdas` reports them with the import times.
 */
import { describe, expect, it } from 'vitest';
import { bundledPackageFiles, bundleLambda, externalImports } from '../../../devkit/lambda-bundle.js';

const ENTRY = 'enrichment/handler.ts';
/** The enrichment bundle of a JSON-only source stays within this (issue 13). */
const JSON_ONLY_MAX_BYTES = 250 * 1024;

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

describe('enrichment bundle per value format', () => {
  it('a JSON-only source: no Avro, Protobuf or JSON Schema package bundled (dynamic imports only), within 250 KB', async () => {
    const bundle = await bundleLambda(ENTRY);
    console.info(`enrichment bundle, value.format json: ${kb(bundle.bytes)}`);
    expect(bundle.bytes).toBeLessThanOrEqual(JSON_ONLY_MAX_BYTES);
    for (const pkg of ['avsc', 'ajv', 'protobufjs']) expect(bundledPackageFiles(bundle, pkg)).toEqual([]);
    const dynamic = externalImports(bundle).filter(
      (i) => i.path === 'avsc' || i.path.startsWith('ajv') || i.path.startsWith('protobufjs'),
    );
    expect(dynamic.map((i) => i.kind).every((k) => k === 'dynamic-import')).toBe(true);
    expect(dynamic.map((i) => i.path)).toEqual(
      expect.arrayContaining([
        'ajv',
        'ajv/dist/2019.js',
        'ajv/dist/2020.js',
        'avsc',
        'protobufjs',
        'protobufjs/ext/descriptor.js',
      ]),
    );
  }, 60_000);

  it('a protobuf source bundles protobufjs (and its descriptor extension) and leaves avsc and Ajv out', async () => {
    const bundle = await bundleLambda(ENTRY, {
      value: { format: 'protobuf', registry: { type: 'glue', registryName: 'r' } },
    });
    console.info(`enrichment bundle, value.format protobuf: ${kb(bundle.bytes)}`);
    expect(bundledPackageFiles(bundle, 'protobufjs')).toEqual(
      expect.arrayContaining(['src/parse.js', 'ext/descriptor.js']),
    );
    for (const pkg of ['avsc', 'ajv']) expect(bundledPackageFiles(bundle, pkg)).toEqual([]);
    expect(externalImports(bundle).filter((i) => i.path.startsWith('protobufjs'))).toEqual([]);
  }, 60_000);

  it('a json-schema source bundles Ajv and leaves avsc out', async () => {
    const bundle = await bundleLambda(ENTRY, {
      value: { format: 'json-schema', registry: { type: 'glue', registryName: 'r' } },
    });
    console.info(`enrichment bundle, value.format json-schema: ${kb(bundle.bytes)}`);
    expect(bundledPackageFiles(bundle, 'ajv')).toContain('dist/2020.js');
    expect(bundledPackageFiles(bundle, 'avsc')).toEqual([]);
    expect(externalImports(bundle).filter((i) => i.path.startsWith('ajv'))).toEqual([]);
  }, 60_000);
});
