/**
 * esbuild options shared by every Lambda the template deploys (enrichment, sink, fallback poller):
 * ESM for nodejs22.x, minified with source maps, the AWS SDK v3 left to the runtime.
 */
import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';

/** Bundling options of the template's Lambdas (spread, then add function-specific hooks). */
export const LAMBDA_BUNDLING = {
  format: OutputFormat.ESM,
  target: 'node22',
  minify: true,
  sourceMap: true,
  mainFields: ['module', 'main'],
  externalModules: ['@aws-sdk/*'],
  // ESM bundles of CommonJS dependencies still call require(); give them one.
  banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
} as const satisfies BundlingOptions;
