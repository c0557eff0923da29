/**
 * The kafkajs request codecs the poller Lambda's bundle leaves out. kafkajs' broker loads the codec of
 * every Kafka request it knows (src/protocol/requests/index.js); each codec loads its versions' encoders
 * and decoders only when a request of that kind is built (`require('./v0/request')` inside the version
 * function). The poller sends only the requests in {@link POLLER_KAFKA_REQUESTS}, so the version folders of
 * every other request are marked external: they stay out of the bundle, and building such a request in the
 * deployed poller would fail with "Cannot find module" instead of sending it. Synth-time only (it reads
 * the kafkajs package folder); test/integration/poller-bundle.test.ts polls the real broker with the
 * bundle built this way.
 */
import { readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The requests the poller sends (kafkajs folder names): connection set-up and SASL, metadata, the
 * group coordinator lookup, the committed offsets, the log offsets and the fetches.
 */
export const POLLER_KAFKA_REQUESTS = [
  'apiVersions',
  'saslHandshake',
  'saslAuthenticate',
  'metadata',
  'findCoordinator',
  'offsetFetch',
  'offsetCommit',
  'listOffsets',
  'fetch',
] as const;

/**
 * esbuild `external` patterns for the version folders of the requests the poller never sends, as absolute
 * paths inside the installed kafkajs (`<kafkajs>/src/protocol/requests/produce/v*`).
 * @example unsentRequestCodecs().some((p) => p.endsWith('/requests/produce/v*')) // true
 */
export function unsentRequestCodecs(): string[] {
  const requests = join(
    dirname(createRequire(import.meta.url).resolve('kafkajs/package.json')),
    'src/protocol/requests',
  );
  const sent = new Set<string>(POLLER_KAFKA_REQUESTS);
  return readdirSync(requests)
    .filter((name) => !sent.has(name) && statSync(join(requests, name)).isDirectory())
    .map((name) => `${join(requests, name)}/v*`);
}
