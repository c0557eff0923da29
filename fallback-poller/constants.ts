/**
 * Limits and defaults of the fallback poller. Every constant carries its unit. The Kinesis PutRecords
 * limits and the retry backoff are shared with the sink Lambda: core/kinesis-delivery.ts.
 */

/** Default lock lifetime; renewed at every commit, so it only needs to outlive one chunk's delivery. */
export const LOCK_TTL_SECONDS = 120;

/** The DynamoDB `ttl` attribute (TTL sweep cleanup) lies this long after `expiresAt`. */
export const LOCK_CLEANUP_DELAY_SECONDS = 3_600;

/** Stop reading when less than this much Lambda time remains (delivery + commit + release must fit). */
export const SAFETY_MARGIN_MS = 10_000;

/**
 * Time a chunk's delivery leaves before the Lambda timeout for the lock renew, the commit and the lock
 * release: the delivery (PutRecords calls and their retries) is aborted when only this much remains.
 */
export const FINISH_RESERVE_MS = 6_000;

/** Longest one lock table call may take, SDK retries included (then aborted; 2 of them fit the reserve). */
export const LOCK_CALL_TIMEOUT_MS = 2_500;

/** Records handed from the reader to enrichment + delivery + commit at a time. */
export const CHUNK_RECORDS = 500;

/** Cap of records per invocation when the settings name none (the original poller read a fixed 300). */
export const MAX_RECORDS_PER_INVOCATION = 50_000;

/** How long the reader waits for new records before deciding the partition is caught up. */
export const IDLE_WAIT_MS = 1_000;

/** PutRecords attempts per entry (first try included) before the chunk counts as failed. */
export const KINESIS_MAX_ATTEMPTS = 8;

/** Status codes and messages of a poll, as the original poller answered them. */
export const POLL_STATUS = {
  fullyProcessed: { statusCode: 200, message: 'Kafka messages found and fully processed.' },
  partiallyProcessed: {
    statusCode: 206,
    message: 'Kafka messages were found but some failing. See logs and detail field for more information.',
  },
  completelyFailed: {
    statusCode: 503,
    message: 'Kafka messages were found and all failed. See logs and detail field for more information.',
  },
  notFound: { statusCode: 204, message: 'No Kafka messages were found.' },
  anotherReader: { statusCode: 203, message: 'Another lambda processing records in partition, skipping.' },
  health: { statusCode: 200, message: 'healthy' },
} as const;
