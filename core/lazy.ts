/**
 * Deferred loading for the Lambda handlers: an AWS SDK package (or anything costly) is loaded and created
 * on first use instead of at import, so a cold start pays only for what the invocation needs.
 */
import type { BatchLimits, SinkPort } from './kinesis-delivery.js';

/**
 * Memoizes an async factory: the first call starts it, later calls share its promise. A rejected attempt is
 * forgotten, so the next call tries again.
 *
 * @example const sdk = once(() => import('@aws-sdk/client-kinesis')); const { PutRecordsCommand } = await sdk();
 */
export function once<T>(make: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    if (pending === undefined) {
      const attempt = make();
      pending = attempt;
      attempt.catch(() => {
        if (pending === attempt) pending = undefined;
      });
    }
    return pending;
  };
}

/**
 * A delivery port whose limits are known at once and whose real port (client and SDK package) is made by
 * its first call; a failed `make` is retried by the next call.
 */
export function lazySink(limits: BatchLimits, make: () => Promise<SinkPort>): SinkPort {
  const port = once(make);
  return {
    limits,
    putRecords: async (entries, options) => (await port()).putRecords(entries, options),
  };
}
