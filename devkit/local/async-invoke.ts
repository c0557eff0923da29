/**
 * Emulates Lambda's asynchronous invocation (InvocationType Event, what a Pipe's FIRE_AND_FORGET target
 * does): the invoke is accepted at once; the function then runs, is retried `retryAttempts` times (0–2)
 * on error while the event is younger than `maxEventAgeSeconds`, and a failed event goes to the
 * on-failure destination as a Lambda invocation record (docs: "Capturing records of Lambda asynchronous
 * invocations"). Lambda waits 1 min then 2 min between attempts; the local run scales that down.
 */
import { randomUUID } from 'node:crypto';

/**
 * Payload limit of an asynchronous Lambda invoke (1 MB; Lambda quotas,
 * https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html).
 */
export const ASYNC_PAYLOAD_LIMIT_BYTES = 1_048_576;
/** Delays Lambda uses between async attempts (1 min, then 2 min). */
export const LAMBDA_RETRY_DELAYS_MS = [60_000, 120_000] as const;

/** The on-failure destination record Lambda sends to SQS. */
export interface InvocationRecord {
  readonly version: '1.0';
  readonly timestamp: string;
  readonly requestContext: {
    readonly requestId: string;
    readonly functionArn: string;
    readonly condition: 'RetriesExhausted' | 'EventAgeExceeded';
    readonly approximateInvokeCount: number;
  };
  readonly requestPayload: unknown;
  readonly responseContext: {
    readonly statusCode: 200;
    readonly executedVersion: '$LATEST';
    readonly functionError: 'Unhandled';
  };
  readonly responsePayload: { readonly errorType: string; readonly errorMessage: string };
}

/**
 * Builds the invocation record of a failed async event (pure).
 * @example invocationRecord({ requestId: 'r', functionArn: 'arn:…:function:sink', condition: 'RetriesExhausted',
 *   approximateInvokeCount: 3, payload: [], error: new Error('boom'), at: new Date(0) })
 */
export function invocationRecord(input: {
  requestId: string;
  functionArn: string;
  condition: InvocationRecord['requestContext']['condition'];
  approximateInvokeCount: number;
  payload: unknown;
  error: unknown;
  at: Date;
}): InvocationRecord {
  const e = input.error as { name?: string; message?: string } | undefined;
  return {
    version: '1.0',
    timestamp: input.at.toISOString(),
    requestContext: {
      requestId: input.requestId,
      functionArn: input.functionArn,
      condition: input.condition,
      approximateInvokeCount: input.approximateInvokeCount,
    },
    requestPayload: input.payload,
    responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
    responsePayload: { errorType: e?.name ?? 'Error', errorMessage: e?.message ?? String(input.error) },
  };
}

/** Settings of {@link createAsyncInvoker}. */
export interface AsyncInvokerOptions {
  /** The function (the sink handler logic). */
  readonly handler: (event: unknown) => Promise<unknown>;
  /** Sends an invocation record to the on-failure destination (SQS). */
  readonly onFailure: (record: InvocationRecord) => Promise<void>;
  readonly functionArn: string;
  /** Retries after the first attempt (0–2). */
  readonly retryAttempts: number;
  readonly maxEventAgeSeconds: number;
  /** Delays between attempts (default {@link LAMBDA_RETRY_DELAYS_MS}). */
  readonly retryDelaysMs?: readonly number[];
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

/** Counters of an async invoker. */
export interface AsyncInvokerStats {
  accepted: number;
  succeeded: number;
  failedToDestination: number;
  attempts: number;
}

/** The async invoker. */
export interface AsyncInvoker {
  /**
   * Accepts an event like Invoke(InvocationType=Event): returns the request id at once.
   * @throws RangeError when the payload exceeds {@link ASYNC_PAYLOAD_LIMIT_BYTES} (the Pipe target fails).
   */
  invoke(event: unknown): string;
  /** Resolves when every accepted event has succeeded or reached the destination. */
  drain(): Promise<void>;
  readonly stats: AsyncInvokerStats;
}

/** Creates an async invoker for one function. */
export function createAsyncInvoker(options: AsyncInvokerOptions): AsyncInvoker {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = options.now ?? Date.now;
  const delays = options.retryDelaysMs ?? LAMBDA_RETRY_DELAYS_MS;
  const pending = new Set<Promise<void>>();
  const stats: AsyncInvokerStats = { accepted: 0, succeeded: 0, failedToDestination: 0, attempts: 0 };

  async function run(requestId: string, event: unknown, acceptedAt: number): Promise<void> {
    let lastError: unknown;
    let attempt = 0;
    for (; attempt <= options.retryAttempts; attempt++) {
      if (attempt > 0) {
        await sleep(delays[Math.min(attempt - 1, delays.length - 1)] ?? 0);
        if (now() - acceptedAt > options.maxEventAgeSeconds * 1000) {
          stats.failedToDestination++;
          await options.onFailure(
            invocationRecord({
              requestId,
              functionArn: options.functionArn,
              condition: 'EventAgeExceeded',
              approximateInvokeCount: attempt,
              payload: event,
              error: lastError,
              at: new Date(now()),
            }),
          );
          return;
        }
      }
      stats.attempts++;
      try {
        await options.handler(event);
        stats.succeeded++;
        return;
      } catch (error) {
        lastError = error;
      }
    }
    stats.failedToDestination++;
    await options.onFailure(
      invocationRecord({
        requestId,
        functionArn: options.functionArn,
        condition: 'RetriesExhausted',
        approximateInvokeCount: attempt,
        payload: event,
        error: lastError,
        at: new Date(now()),
      }),
    );
  }

  return {
    stats,
    invoke(event) {
      const size = Buffer.byteLength(JSON.stringify(event));
      if (size > ASYNC_PAYLOAD_LIMIT_BYTES) {
        throw new RangeError(
          `Async invoke payload is ${size} bytes; the limit is ${ASYNC_PAYLOAD_LIMIT_BYTES} (lower the source batchSize)`,
        );
      }
      const requestId = randomUUID();
      stats.accepted++;
      const p = run(requestId, event, now()).finally(() => pending.delete(p));
      pending.add(p);
      return requestId;
    },
    async drain() {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}
