/**
 * The esbuild externals of each Lambda the template deploys, for one source, beyond
 * `LAMBDA_BUNDLING.externalModules` (`@aws-sdk/*`, pipes/lambda-bundling.ts): the packages its bundle leaves
 * out because that source's Lambda never loads them. The constructs bundle with these lists
 * (pipes/kafka-pipe.construct.ts for the enrichment, fallback-poller/fallback-poller.construct.ts for the
 * poller; the sink has none) and so does the dev kit (devkit/lambda-bundle.ts), so the bundle tests and the
 * bench measure what deploys. Synth-time only: `unsentRequestCodecs` reads the kafkajs package folder.
 */
import { unsentRequestCodecs } from '../core/kafka/request-codecs.js';
import { unusedClientPackages } from './kinds/registry.js';
import { unusedFormatPackages } from './record-formats.js';

/** What the lists depend on: the source's record formats and its auth type. */
export type BundledSource = Parameters<typeof unusedFormatPackages>[0] &
  Parameters<typeof unusedClientPackages>[0];

/** The enrichment Lambda: the packages of the record formats the source does not use. */
export function enrichmentExternals(source: BundledSource): string[] {
  return unusedFormatPackages(source);
}

/**
 * The fallback poller Lambda: the packages of the formats the source does not use, of the Kafka clients of
 * other auth types, and the kafkajs codecs of the requests the poller never sends
 * (core/kafka/request-codecs.ts).
 */
export function pollerExternals(source: BundledSource): string[] {
  return [...unusedFormatPackages(source), ...unusedClientPackages(source), ...unsentRequestCodecs()];
}

/** The sink Lambda: nothing beyond the AWS SDK. */
export function sinkExternals(_source: BundledSource): string[] {
  return [];
}

/** The externals of each deployed handler, by its entry (relative to the project root). */
export const LAMBDA_EXTERNALS: Readonly<Record<string, (source: BundledSource) => string[]>> = {
  'enrichment/handler.ts': enrichmentExternals,
  'fallback-poller/handler.ts': pollerExternals,
  'targets/sink-handler.ts': sinkExternals,
};
