/**
 * The enrichment bundle per value format (issue 13), reported by `npm run bench -- avro`: the handler
 * bundled as the CDK app deploys it for a source in each format of the format registry
 * (enrichment/formats/registry.ts VALUE_FORMAT_NAMES; a schema format read through the first registry
 * type), the packages of the formats the source does not use left out. Target: a JSON-only source's
 * bundle stays within 250 KB (the schema formats load their packages lazily).
 */
import { bundleLambda } from '../devkit/lambda-bundle.js';
import { findSchemaLanguage, VALUE_FORMAT_NAMES } from '../enrichment/formats/registry.js';
import type { BenchResult } from './run.js';

/** The enrichment bundle of a JSON-only source stays within this (format packages are left out). */
const ENRICHMENT_JSON_BUNDLE_TARGET_KB = 250;

/** A source's `value` block in `format` (a Glue registry for the schema formats: any registry bundles alike). */
function valueBlock(format: string) {
  return findSchemaLanguage(format)
    ? { value: { format, registry: { type: 'glue', registryName: 'bench' } } }
    : { value: { format } };
}

/** One row per value format: the enrichment bundle of a source in it, in KB. */
export async function formatBundleRows(): Promise<BenchResult[]> {
  const rows: BenchResult[] = [];
  for (const format of VALUE_FORMAT_NAMES) {
    const bundle = await bundleLambda(
      'enrichment/handler.ts',
      valueBlock(format) as Parameters<typeof bundleLambda>[1],
    );
    const kb = Number((bundle.bytes / 1024).toFixed(1));
    const selfDescribing = findSchemaLanguage(format) === undefined;
    rows.push({
      name: `enrichment bundle of a ${format} source (value.format: ${format})`,
      value: kb,
      unit: 'KB',
      ...(selfDescribing
        ? { target: `<= ${ENRICHMENT_JSON_BUNDLE_TARGET_KB}`, ok: kb <= ENRICHMENT_JSON_BUNDLE_TARGET_KB }
        : {}),
    });
  }
  return rows;
}
