/** Limits and defaults of the source file (units in the names); runtime-safe, imports nothing. */

/** Limits (units in the names). */
export const LIMITS = {
  BATCH_SIZE_MIN: 1,
  BATCH_SIZE_MAX: 10_000,
  BATCHING_WINDOW_SECONDS_MIN: 0,
  BATCHING_WINDOW_SECONDS_MAX: 300,
  BROKERS_MAX: 3,
  RETRY_ATTEMPTS_MIN: 0,
  RETRY_ATTEMPTS_MAX: 2,
  MAX_EVENT_AGE_SECONDS_MIN: 60,
  MAX_EVENT_AGE_SECONDS_MAX: 21_600,
  FILTER_PATTERN_CHARS_MAX: 4096,
  FILTERS_MAX: 5,
  NAME_CHARS_MAX: 40,
  DESCRIPTION_CHARS_MAX: 512,
  SHARDS_MIN: 1,
  SHARDS_MAX: 500,
  LOG_RETENTION_DAYS_DEFAULT: 30,
} as const;

/** Default values applied by the loader. */
export const DEFAULTS = {
  startingPosition: 'TRIM_HORIZON',
  batchSize: 100,
  batchingWindowSeconds: 1,
  engine: 'pipe',
  logLevel: 'ERROR',
  desiredState: 'RUNNING',
  rules: 'enrichment/rules/default.rules.yaml',
  partitionKey: 'record-key',
  retryAttempts: 2,
  maxEventAgeSeconds: 3600,
  consumerGroupPrefix: 'kafka-pipes-',
} as const;
