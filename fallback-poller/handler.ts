/**
 * Fallback poller Lambda. Thin: validates POLLER_CONFIG (and RULES_CACHE_TTL_SECONDS) once at init,
 * creates the AWS clients, takes the logger, metrics and rules loader from the bootstrap both Lambda
 * handlers share (enrichment/lambda-bootstrap.ts), asserts the event, calls createPoller →
 * pollPartition, emits metrics, maps errors.
 *
 * Event: `{kafka_partition, iteration, source?}` (the input of the original poller design),
 * `{type: 'health'}` (smoke test, no Kafka)
 * or `{type: 'describe'}` (partition discovery for `partitions: auto`).
 */
import type { Context } from 'aws-lambda';
import { NonRetriableError } from '../core/errors.js';
import { readRulesCacheTtlSeconds } from '../enrichment/enrichment-env.js';
import { createLambdaBootstrap } from '../enrichment/lambda-bootstrap.js';
import { lazyPollerAwsClients } from './aws-clients.js';
import { readPollerEnv } from './config.js';
import { createPoller } from './create-poller.js';
import { POLLER_METRICS, pollerMetricValues } from './metrics.js';
import type { PollInput, PollResponse } from './poll-partition.js';

const config = readPollerEnv(process.env);
const boot = createLambdaBootstrap('fallback-poller', config.sourceName, {
  ...(config.rulesAppConfig ? { appConfig: config.rulesAppConfig } : {}),
  cacheTtlSeconds: readRulesCacheTtlSeconds(process.env),
});
const clients = lazyPollerAwsClients();
const metrics = boot.metrics;

const poll = createPoller({ config, clients, rules: boot.rules, logger: boot.log });

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
      metrics.addMetric(name, name === POLLER_METRICS.durationMs ? 'Milliseconds' : 'Count', value);
    }
    metrics.publishStoredMetrics();
  }
  return response;
};
