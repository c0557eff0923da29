/**
 * What a kafkajs failure means, told by the error classes kafkajs exports (kafkajs 2.2.4 src/errors.js), and
 * the adapter's one retry policy (exponential backoff, 100 ms doubling up to 2 s).
 */
import errors from 'kafkajs/src/errors.js';

// The error classes come from kafkajs' errors file, which its main file re-exports (the same classes), so
// loading them does not load kafkajs' client. A CommonJS file: read them from its default export.
const {
  KafkaJSConnectionError,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
  KafkaJSSASLAuthenticationError,
  KafkaJSTimeout,
} = errors;

/** What kind of failure a kafkajs error is. */
export type KafkaFailureKind = 'sasl' | 'connection' | 'timeout' | 'protocol' | 'other';

/** A classified kafkajs failure. */
export interface KafkaFailure {
  readonly kind: KafkaFailureKind;
  /** kafkajs error class name, e.g. KafkaJSSASLAuthenticationError. */
  readonly name: string;
  /** Kafka protocol error type when there is one, e.g. TOPIC_AUTHORIZATION_FAILED. */
  readonly type?: string;
  readonly message: string;
}

/** Protocol error types of a refused SASL handshake (Kafka protocol error codes 33, 34, 58). */
const SASL_PROTOCOL_ERRORS = new Set([
  'UNSUPPORTED_SASL_MECHANISM',
  'ILLEGAL_SASL_STATE',
  'SASL_AUTHENTICATION_FAILED',
]);

/** The kind of one error, or null when it is not a kafkajs failure the adapter tells apart. */
function kindOf(error: unknown): KafkaFailureKind | null {
  if (error instanceof KafkaJSSASLAuthenticationError) return 'sasl';
  if (error instanceof KafkaJSProtocolError)
    return SASL_PROTOCOL_ERRORS.has(error.type) ? 'sasl' : 'protocol';
  if (error instanceof KafkaJSRequestTimeoutError || error instanceof KafkaJSTimeout) return 'timeout';
  if (error instanceof KafkaJSConnectionError) return 'connection';
  return null;
}

/**
 * Classifies an error thrown by kafkajs. kafkajs wraps the last failure of a retried request in
 * KafkaJSNumberOfRetriesExceeded, and the adapter wraps failures in RetriableError / NonRetriableError, each
 * with the failure as `cause`: the walk follows up to five causes to the first error it can classify.
 */
export function classifyKafkaError(error: unknown): KafkaFailure {
  let e: unknown = error;
  for (let depth = 0; depth < 5 && e instanceof Error; depth++) {
    const kind = kindOf(e);
    if (kind !== null) {
      const type = protocolErrorType(e);
      return { kind, name: e.name, message: e.message, ...(type ? { type } : {}) };
    }
    e = e.cause;
  }
  const top = error as Error | undefined;
  return { kind: 'other', name: top?.name ?? 'Error', message: top?.message ?? String(error) };
}

/** The Kafka protocol error type (e.g. OFFSET_OUT_OF_RANGE) of a kafkajs protocol error, else undefined. */
export function protocolErrorType(error: unknown): string | undefined {
  return error instanceof KafkaJSProtocolError ? error.type : undefined;
}

/** Whether the broker refused a fetch because the offset lies outside the log (retention, or past the end). */
export function isOffsetOutOfRange(error: unknown): boolean {
  return protocolErrorType(error) === 'OFFSET_OUT_OF_RANGE';
}

/**
 * Whether retrying the same request can succeed: kafkajs errors and the template's RetriableError
 * (core/errors.ts) carry a `retriable` flag.
 */
export function isRetriable(error: unknown): boolean {
  return (error as { retriable?: unknown } | undefined)?.retriable === true;
}

/** Delay before retry number `attempt` (1, 2, …): 200 ms, 400 ms, … doubling, at most 2 s. */
export function backoffMs(attempt: number): number {
  return Math.min(2_000, 100 * 2 ** attempt);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * kafkajs retries of a reader's requests, and attempts of {@link withRetries} (≈ 5 s of backoff): rides out a
 * coordinator move or a broker restart.
 */
export const READER_RETRIES = 6;

/**
 * Runs `run` until it succeeds, a non-retriable error occurs or `attempts` ran, with {@link backoffMs}
 * between attempts. Covers what kafkajs does not retry by itself on the requests the adapter sends
 * (NOT_COORDINATOR, COORDINATOR_LOAD_IN_PROGRESS, leader moves, lost connections).
 */
export async function withRetries<T>(run: () => Promise<T>, attempts = READER_RETRIES): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (!isRetriable(error) || attempt >= attempts) throw error;
      await sleep(backoffMs(attempt));
    }
  }
}
