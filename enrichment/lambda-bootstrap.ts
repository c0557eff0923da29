/**
 * The bootstrap the two Lambda handlers share (enrichment/handler.ts and fallback-poller/handler.ts):
 * the Powertools logger and metrics behind small ports, and the rules loader (bundled default rules,
 * or AppConfig rules cached for the TTL, HMAC key from Secrets Manager with the same TTL). Creating it
 * does no I/O, and the AppConfig and Secrets Manager SDK packages are loaded on the first read
 * (enrichment/aws-reads.ts), so both engines apply the same rules the same way and neither Lambda loads
 * them at import.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { LogAttributes } from '@aws-lambda-powertools/logger/types';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { appConfigJsonReader, secretStringReader } from './aws-reads.js';
import type { CompiledRules } from './rules/compile.js';
import { DEFAULT_RULES } from './rules/default-rules.generated.js';
import { createRulesLoader, type RulesLoader } from './rules-loader.js';

/** Where the rules come from: AppConfig coordinates (absent = bundled default rules) and the cache TTL. */
export interface RulesSettings {
  readonly appConfig?: {
    readonly application: string;
    readonly environment: string;
    readonly profile: string;
  };
  /** How long an AppConfig document and the HMAC key secret are cached, seconds. */
  readonly cacheTtlSeconds: number;
}

/** Logger port of both handlers (structured context, never payloads). */
export interface LogPort {
  debug(message: string, context?: Record<string, unknown>): void;
  info(message: string, context?: Record<string, unknown>): void;
  warn(message: string, context?: Record<string, unknown>): void;
  error(message: string, context?: Record<string, unknown>): void;
}

/** Metrics port of both handlers (CloudWatch EMF through Powertools Metrics). */
export interface MetricsPort {
  addDimensions(dimensions: Record<string, string>): void;
  addMetric(name: string, unit: 'Count' | 'Milliseconds', value: number): void;
  publishStoredMetrics(): void;
}

/** What a handler gets from {@link createLambdaBootstrap}. */
export interface LambdaBootstrap {
  readonly log: LogPort;
  readonly metrics: MetricsPort;
  /** The rules in force for this invocation; the loader is created on the first call. */
  rules(): Promise<CompiledRules>;
}

function logPort(logger: Logger): LogPort {
  type Extra = Record<string, unknown>;
  return {
    debug: (m: string, e: Extra = {}) => logger.debug(m, e as LogAttributes),
    info: (m: string, e: Extra = {}) => logger.info(m, e as LogAttributes),
    warn: (m: string, e: Extra = {}) => logger.warn(m, e as LogAttributes),
    error: (m: string, e: Extra = {}) => logger.error(m, e as LogAttributes),
  };
}

function metricsPort(metrics: Metrics): MetricsPort {
  return {
    addDimensions: (d) => metrics.addDimensions(d),
    addMetric: (name, unit, value) =>
      metrics.addMetric(name, unit === 'Count' ? MetricUnit.Count : MetricUnit.Milliseconds, value),
    publishStoredMetrics: () => metrics.publishStoredMetrics(),
  };
}

function appConfigDocument(
  settings: RulesSettings,
): Pick<Parameters<typeof createRulesLoader>[0], 'documentName' | 'fetchDocument'> {
  const at = settings.appConfig;
  if (at === undefined) return {};
  return {
    documentName: `appconfig:${at.application}/${at.environment}/${at.profile}`,
    fetchDocument: appConfigJsonReader(at, settings.cacheTtlSeconds),
  };
}

/** Reads the HMAC key of `redact` with `mode: hash` from Secrets Manager (cached for the TTL). */
function hmacKeyResolver(settings: RulesSettings): (secretName: string) => Promise<string> {
  const read = secretStringReader(settings.cacheTtlSeconds);
  return async (name) => {
    const value = await read(name);
    if (typeof value !== 'string' || value === '') throw new Error(`secret ${name} has no string value`);
    return value;
  };
}

/**
 * The shared bootstrap of a Lambda handler.
 *
 * @example const boot = createLambdaBootstrap('enrichment', 'apic-onprem', {cacheTtlSeconds: 45});
 */
export function createLambdaBootstrap(
  serviceName: string,
  sourceName: string,
  settings: RulesSettings,
): LambdaBootstrap {
  const log = logPort(new Logger({ serviceName, persistentKeys: { source: sourceName } }));
  const metrics = metricsPort(new Metrics({ namespace: 'KafkaPipes', serviceName }));
  let loader: Promise<RulesLoader> | undefined;
  return {
    log,
    metrics,
    rules() {
      loader ??= createRulesLoader({
        bundled: DEFAULT_RULES,
        ...appConfigDocument(settings),
        resolveHmacKey: hmacKeyResolver(settings),
        logger: log,
      });
      return loader.then((l) => l.current());
    },
  };
}
