/**
 * Pipe enrichment Lambda. Thin: reads the environment once, takes the logger, metrics and rules loader
 * from the bootstrap both Lambda handlers share (lambda-bootstrap.ts), creates the SQS DLQ sink on the
 * first invocation, and delegates to createEnrichmentHandler → enrichBatch.
 *
 * Environment: SOURCE_NAME, DLQ_URL, PARTITION_KEY (record-key | topic-partition | field:<path>),
 * optional RULES_APPCONFIG_APPLICATION / _ENVIRONMENT / _PROFILE, RULES_CACHE_TTL_SECONDS,
 * VALUE_FORMAT (default json; a schema format also VALUE_REGISTRY and VALUE_FALLBACK), KEY_FORMAT
 * (default text; a schema format also KEY_REGISTRY), and what the Pipe's target takes in one
 * invocation: TARGET_MAX_RECORDS, TARGET_MAX_RECORD_BYTES, TARGET_MAX_REQUEST_BYTES, TARGET_MAX_PAYLOAD_BYTES.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { CanonicalRecord } from './canonical.js';
import { createEnrichmentHandler } from './create-handler.js';
import { readEnrichmentEnv } from './enrichment-env.js';
import { createRecordFormats } from './formats/registry.js';
import { createLambdaBootstrap } from './lambda-bootstrap.js';
import { createSqsDlqSink } from './sqs-dlq-sink.js';

const env = readEnrichmentEnv(process.env);
const boot = createLambdaBootstrap('enrichment', env.sourceName, {
  ...(env.appConfig ? { appConfig: env.appConfig } : {}),
  cacheTtlSeconds: env.rulesCacheTtlSeconds,
});
let enrich: ((event: unknown) => Promise<CanonicalRecord[]>) | undefined;

let secrets: SecretsManagerClient | undefined;
/**
 * Reads a secret string (a schema registry's credentials or root CA); the SDK package is loaded and the
 * client made on first use, so sources without such a secret never load it.
 */
async function secretString(arn: string): Promise<string> {
  const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  secrets ??= new SecretsManagerClient({});
  const out = await secrets.send(new GetSecretValueCommand({ SecretId: arn }));
  if (out.SecretString === undefined) throw new Error(`secret ${arn} has no SecretString`);
  return out.SecretString;
}

/** Lambda entry point: returns the canonical records (the Pipe enrichment output). */
export const handler = async (event: unknown): Promise<CanonicalRecord[]> => {
  enrich ??= createEnrichmentHandler({
    sourceName: env.sourceName,
    partitionKey: env.partitionKey,
    formats: createRecordFormats(env.formats.value, env.formats.key, { secretString }),
    ...(env.targetLimits ? { targetLimits: env.targetLimits } : {}),
    rules: { current: () => boot.rules() },
    dlq: createSqsDlqSink(new SQSClient({}), env.dlqUrl),
    logger: boot.log,
    metrics: boot.metrics,
  });
  return enrich(event);
};
