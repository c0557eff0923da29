/**
 * The two AWS reads of the rules loader (enrichment/lambda-bootstrap.ts): the rules document from AppConfig
 * and the HMAC key of `redact` from Secrets Manager, each cached for the rules TTL. The SDK packages are
 * loaded on the first read (core/lazy.ts), so neither Lambda loads them at import.
 */
import type { AppConfigDataClient, AppConfigDataClientConfig } from '@aws-sdk/client-appconfigdata';
import type { SecretsManagerClient, SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';
import { once } from '../core/lazy.js';

const appConfigSdk = once(() => import('@aws-sdk/client-appconfigdata'));
const secretsSdk = once(() => import('@aws-sdk/client-secrets-manager'));

/** AppConfig coordinates of a configuration profile. */
export interface AppConfigProfile {
  readonly application: string;
  readonly environment: string;
  readonly profile: string;
}

/**
 * Reads a JSON configuration profile through the AppConfig Data API: a session (StartConfigurationSession)
 * once, then GetLatestConfiguration with the token the previous call returned; an empty configuration
 * means "unchanged", so the last one is returned again
 * (https://docs.aws.amazon.com/appconfig/latest/userguide/appconfig-retrieving-the-configuration.html).
 * Asks AppConfig at most once per `maxAgeSeconds`; after a failed call the next one starts a new session.
 * Rejects when the document is not JSON.
 */
export function appConfigJsonReader(
  at: AppConfigProfile,
  maxAgeSeconds: number,
  clientConfig: AppConfigDataClientConfig = {},
  now: () => number = Date.now,
): () => Promise<unknown> {
  let client: AppConfigDataClient | undefined;
  let token: string | undefined;
  let last: { value: unknown; at: number } | undefined;
  return async () => {
    if (last !== undefined && now() - last.at < maxAgeSeconds * 1000) return last.value;
    const sdk = await appConfigSdk();
    client ??= new sdk.AppConfigDataClient(clientConfig);
    try {
      token ??= (
        await client.send(
          new sdk.StartConfigurationSessionCommand({
            ApplicationIdentifier: at.application,
            EnvironmentIdentifier: at.environment,
            ConfigurationProfileIdentifier: at.profile,
          }),
        )
      ).InitialConfigurationToken;
      const out = await client.send(new sdk.GetLatestConfigurationCommand({ ConfigurationToken: token }));
      token = out.NextPollConfigurationToken;
      const bytes = out.Configuration;
      const value = bytes && bytes.length > 0 ? JSON.parse(Buffer.from(bytes).toString('utf8')) : last?.value;
      last = { value, at: now() };
      return value;
    } catch (error) {
      token = undefined;
      throw error;
    }
  };
}

/** Reads secret strings from Secrets Manager, each cached for `maxAgeSeconds`. */
export function secretStringReader(
  maxAgeSeconds: number,
  clientConfig: SecretsManagerClientConfig = {},
  now: () => number = Date.now,
): (secretId: string) => Promise<string | undefined> {
  let client: SecretsManagerClient | undefined;
  const cache = new Map<string, { value: string | undefined; at: number }>();
  return async (secretId) => {
    const hit = cache.get(secretId);
    if (hit !== undefined && now() - hit.at < maxAgeSeconds * 1000) return hit.value;
    const sdk = await secretsSdk();
    client ??= new sdk.SecretsManagerClient(clientConfig);
    const out = await client.send(new sdk.GetSecretValueCommand({ SecretId: secretId }));
    cache.set(secretId, { value: out.SecretString, at: now() });
    return out.SecretString;
  };
}
