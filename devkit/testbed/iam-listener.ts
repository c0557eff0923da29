/**
 * The test bed's MSK IAM listener: SASL_SSL with SASL/OAUTHBEARER, whose server callback handler
 * (java/MskIamTokenValidator.java, compiled by install.sh against the broker's jars) checks the tokens AWS's
 * signer makes as MSK does: base64url presigned URL, `Action=kafka-cluster:Connect`, host
 * `kafka.<region>.amazonaws.com`, expiry (X-Amz-Date + X-Amz-Expires) and the SigV4 signature, recomputed
 * with the bed's test credentials. The broker returns the session lifetime (connections.max.reauth.ms, capped
 * by the token's expiry) in SaslAuthenticate, so clients re-authenticate (KIP-368).
 * https://kafka.apache.org/documentation/#security_sasl_oauthbearer
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KafkaConnection } from '../../core/kafka/client.js';
import { mskIamSasl } from '../../core/kafka/msk-iam-token.js';
import { kafkaLibsDir } from './install-paths.js';

const HARNESS_DIR = dirname(fileURLToPath(import.meta.url));
const VALIDATOR_SOURCE = join(HARNESS_DIR, 'java', 'MskIamTokenValidator.java');

/** The listener's name in server.properties. */
export const IAM_LISTENER = 'SASL_IAM';
/** Default session lifetime the broker hands out (ms): tokens last 15 min, sessions 5 min. */
export const DEFAULT_IAM_REAUTH_MS = 300_000;

/** The AWS credentials the bed's IAM listener accepts, and the Region it is in. */
export interface TestIamIdentity {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly region: string;
}

/** Fresh test credentials (random secret key per bed). */
export function newTestIamIdentity(region: string): TestIamIdentity {
  return {
    accessKeyId: `AKIATESTBED${randomBytes(5).toString('hex').toUpperCase()}`,
    secretAccessKey: randomBytes(20).toString('hex'),
    region,
  };
}

/** Directory of the compiled validator for a broker version (same rule as compile_validator in install.sh). */
export function iamValidatorDir(version: string): string {
  const srcHash = createHash('sha256').update(readFileSync(VALIDATOR_SOURCE)).digest('hex');
  return join(dirname(kafkaLibsDir(version)), `iam-validator-${srcHash.slice(0, 12)}`);
}

/** The server.properties entries of the listener (added to listeners / protocol map by the caller). */
export function iamListenerConfig(identity: TestIamIdentity, reauthMs: number): Record<string, string> {
  const prefix = `listener.name.${IAM_LISTENER.toLowerCase()}`;
  const jaas = [
    'org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required',
    // The broker's own (unused) login token; the validator reads the other three options.
    'unsecuredLoginStringClaim_sub="test-bed"',
    `accessKeyId="${identity.accessKeyId}"`,
    `secretAccessKey="${identity.secretAccessKey}"`,
    `region="${identity.region}";`,
  ].join(' ');
  return {
    [`${prefix}.ssl.client.auth`]: 'none',
    [`${prefix}.sasl.enabled.mechanisms`]: 'OAUTHBEARER',
    [`${prefix}.oauthbearer.sasl.jaas.config`]: jaas,
    [`${prefix}.oauthbearer.sasl.server.callback.handler.class`]: 'MskIamTokenValidator',
    [`${prefix}.oauthbearer.connections.max.reauth.ms`]: String(reauthMs),
  };
}

/**
 * kafkajs' re-authentication threshold for a session lifetime: its default (10 s), or a third of a shorter
 * session (see `reauthenticationThresholdMs` in core/kafka/client.ts).
 */
export function reauthThresholdFor(reauthMs: number): number {
  return Math.min(10_000, Math.floor(reauthMs / 3));
}

/** Client connection to the IAM listener, signing with `identity` (the real signer, explicit credentials). */
export function iamConnection(
  endpoint: string,
  ca: string,
  identity: TestIamIdentity,
  reauthMs: number = DEFAULT_IAM_REAUTH_MS,
): KafkaConnection {
  const { accessKeyId, secretAccessKey, region } = identity;
  return {
    brokers: [endpoint],
    tls: { ca },
    sasl: mskIamSasl({ region, credentials: async () => ({ accessKeyId, secretAccessKey }) }),
    reauthenticationThresholdMs: reauthThresholdFor(reauthMs),
  };
}
