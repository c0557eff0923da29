/**
 * HTTP handlers for AWS SDK v3 clients whose timeouts actually end a request. With
 * `@smithy/node-http-handler`, `requestTimeout` alone only logs a warning when exceeded; with
 * `throwOnRequestTimeout: true` the request is destroyed and fails with a `TimeoutError` (the
 * `NodeHttpHandlerOptions.requestTimeout` documentation of `@smithy/types`), which the SDK retries.
 * Every call's total time is then bounded by (connect + request timeout) × the client's `maxAttempts` plus
 * its backoff; callers with a harder deadline pass an `abortSignal` to `send` as well.
 */
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** Connect and request timeouts of one HTTP attempt, in milliseconds. */
export interface HttpTimeouts {
  readonly connectionTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

/** A NodeHttpHandler (HTTP/1.1) that fails a dead connection and a hung request instead of waiting. */
export function timedHttpHandler(timeouts: HttpTimeouts): NodeHttpHandler {
  return new NodeHttpHandler({
    connectionTimeout: timeouts.connectionTimeoutMs,
    requestTimeout: timeouts.requestTimeoutMs,
    throwOnRequestTimeout: true,
  });
}
