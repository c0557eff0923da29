/**
 * Deferred loading for the Lambda handlers: an AWS SDK package (or anything costly) is loaded and created
 * on first use instead of at import, so a cold start pays only for what the invocation needs.
 */

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
