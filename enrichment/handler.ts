/**
 * Pipe enrichment Lambda. Thin: reads the environment once, wires Powertools (Logger, Metrics,
 * Parameters for AppConfig rules and the HMAC key secret) and the SQS DLQ sink, and delegates to
 * createEnrichmentHandler → enrichBatch.
 *
 * Environment: SOURCE_NAME, DLQ_URL, PARTITION_KEY (record-key | topic-partition | field:<path>),
 * optional RULES_APPCONFIG_APPLICATION / _ENVIRONMENT / _PROFILE and RULES_CACHE_TTL_SECONDS.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes } from '@aws-lambda-powertools/logger/types';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { AppConfigProvider } from '@aws-lambda-powertools/parameters/appconfig';
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { CanonicalRecord } from './canonical.js';
import { createEnrichmentHandler } from './create-handler.js';
import { readEnrichmentEnv } from './enrichment-env.js';
import { DEFAULT_RULES } from './rules/default-rules.generated.js';
import { createRulesLoader, type RulesLoader } from './rules-loader.js';
import { createSqsDlqSink } from './sqs-dlq-sink.js';

const env = readEnrichmentEnv(process.env);
const logger = new Logger({ serviceName: 'enrichment', persistentKeys: { source: env.sourceName } });
const metrics = new Metrics({ namespace: 'KafkaPipes', serviceName: 'enrichment' });
const sqs = new SQSClient({});
const appConfig = env.appConfig
  ? new AppConfigProvider({ application: env.appConfig.application, environment: env.appConfig.environment })
  : undefined;

type Extra = Record<string, unknown>;
const log = {
  info: (m: string, e: Extra = {}) => logger.info(m, e as LogAttributes),
  warn: (m: string, e: Extra = {}) => logger.warn(m, e as LogAttributes),
  error: (m: string, e: Extra = {}) => logger.error(m, e as LogAttributes),
};

let rulesLoader: Promise<RulesLoader> | undefined;
function loader(): Promise<RulesLoader> {
  rulesLoader ??= createRulesLoader({
    bundled: DEFAULT_RULES,
    ...(appConfig && env.appConfig
      ? {
          documentName: `appconfig:${env.appConfig.application}/${env.appConfig.environment}/${env.appConfig.profile}`,
          fetchDocument: () =>
            appConfig.get(env.appConfig?.profile as string, {
              maxAge: env.rulesCacheTtlSeconds,
              transform: 'json',
            }),
        }
      : {}),
    resolveHmacKey: async (name) => {
      const value = await getSecret(name, { maxAge: env.rulesCacheTtlSeconds });
      if (typeof value !== 'string' || value === '') throw new Error(`secret ${name} has no string value`);
      return value;
    },
    logger: log,
  });
  return rulesLoader;
}

const metricsPort = {
  addDimensions: (d: Record<string, string>) => metrics.addDimensions(d),
  addMetric: (name: string, _unit: 'Count', value: number) =>
    metrics.addMetric(name, MetricUnit.Count, value),
  publishStoredMetrics: () => metrics.publishStoredMetrics(),
};

/** Lambda entry point: returns the canonical records (the Pipe enrichment output). */
export const handler = async (event: unknown): Promise<CanonicalRecord[]> => {
  const enrich = createEnrichmentHandler({
    sourceName: env.sourceName,
    partitionKey: env.partitionKey,
    rules: await loader(),
    dlq: createSqsDlqSink(sqs, env.dlqUrl),
    logger: log,
    metrics: metricsPort,
  });
  return enrich(event);
};
