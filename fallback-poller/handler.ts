/**
 * Fallback poller Lambda. Thin: validates POLLER_CONFIG once at init, creates the AWS clients and the
 * rules loader, asserts the event, calls createPoller → pollPartition, emits metrics, maps errors.
 *
 * Event: `{kafka_partition, iteration, source?}` (seed 000), `{type: 'health'}` (smoke test, no Kafka)
 * or `{type: 'describe'}` (partition discovery for `partitions: auto`).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes } from '@aws-lambda-powertools/logger/types';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { AppConfigProvider } from '@aws-lambda-powertools/parameters/appconfig';
import type { Context } from 'aws-lambda';
import { NonRetriableError } from '../core/errors.js';
import { DEFAULT_RULES } from '../enrichment/index.js';
import { createRulesLoader, type RulesLoader } from '../enrichment/rules-loader.js';
import { createPollerAwsClients } from './aws-clients.js';
import { readPollerEnv } from './config.js';
import { createPoller } from './create-poller.js';
import { POLLER_METRICS, pollerMetricValues } from './metrics.js';
import type { PollInput, PollResponse } from './poll-partition.js';

const config = readPollerEnv(process.env);
const logger = new Logger({ serviceName: 'fallback-poller', persistentKeys: { source: config.sourceName } });
const metrics = new Metrics({ namespace: 'KafkaPipes', serviceName: 'fallback-poller' });
const clients = createPollerAwsClients();
const appConfig = config.rulesAppConfig
  ? new AppConfigProvider({
      application: config.rulesAppConfig.application,
      environment: config.rulesAppConfig.environment,
    })
  : undefined;

type Extra = Record<string, unknown>;
const log = {
  debug: (m: string, e: Extra = {}) => logger.debug(m, e as LogAttributes),
  info: (m: string, e: Extra = {}) => logger.info(m, e as LogAttributes),
  warn: (m: string, e: Extra = {}) => logger.warn(m, e as LogAttributes),
  error: (m: string, e: Extra = {}) => logger.error(m, e as LogAttributes),
};

let rulesLoader: Promise<RulesLoader> | undefined;
function rules() {
  rulesLoader ??= createRulesLoader({
    bundled: DEFAULT_RULES,
    ...(appConfig && config.rulesAppConfig
      ? {
          documentName: `appconfig:${config.rulesAppConfig.application}/${config.rulesAppConfig.environment}/${config.rulesAppConfig.profile}`,
          fetchDocument: () =>
            appConfig.get(config.rulesAppConfig?.profile as string, { maxAge: 45, transform: 'json' }),
        }
      : {}),
    logger: log,
  });
  return rulesLoader.then((l) => l.current());
}

const poll = createPoller({ config, clients, rules, logger: log });

function assertEvent(event: unknown): PollInput {
  if (event !== null && typeof event === 'object') {
    const e = event as Record<string, unknown>;
    if (e.type === 'health' || e.type === 'describe') return e as PollInput;
    if (typeof e.kafka_partition === 'number') return e as PollInput;
    if (typeof e.kafka_partition === 'string' && /^\d+$/.test(e.kafka_partition)) {
      return { ...e, kafka_partition: Number(e.kafka_partition) } as PollInput;
    }
  }
  throw new NonRetriableError(
    `invalid poll input: expected {kafka_partition: non-negative integer, iteration?} or {type: 'health'|'describe'}, received ${JSON.stringify(event)}`,
  );
}

/** Lambda entry point. Throws RetriableError / NonRetriableError (Step Functions Retry/Catch match the names). */
export const handler = async (
  event: unknown,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
): Promise<PollResponse> => {
  const input = assertEvent(event);
  const response = await poll(input, () => context.getRemainingTimeInMillis());
  if (response.partition !== undefined) {
    // Dimensions {service, source}: alarms aggregate over partitions (Maximum lag, Sum of 503/203).
    metrics.addDimensions({ source: config.sourceName });
    for (const [name, value] of Object.entries(pollerMetricValues(response))) {
      metrics.addMetric(
        name,
        name === POLLER_METRICS.durationMs ? MetricUnit.Milliseconds : MetricUnit.Count,
        value,
      );
    }
    metrics.publishStoredMetrics();
  }
  return response;
};
