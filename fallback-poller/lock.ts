import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { RetriableError } from '../core/errors.js';
import { once } from '../core/lazy.js';
import { LOCK_CALL_TIMEOUT_MS, LOCK_CLEANUP_DELAY_SECONDS } from './constants.js';

/** Lock port used by the poller: one lock per `topic_partition`, held by an owner token. */
export interface LockPort {
  /** Takes the lock when it is free or expired (`expiresAt < now`); false when another owner holds it. */
  acquire(request: LockRequest): Promise<boolean>;
  /** Extends the lock; false when it is no longer ours (taken over after expiry). */
  renew(request: LockRequest): Promise<boolean>;
  /** Deletes the lock only if we still own it; never throws on a lost lock. */
  release(request: Pick<LockRequest, 'key' | 'owner'>): Promise<void>;
}

/** Who wants which lock, when, for how long. */
export interface LockRequest {
  /** `<topic>_<partition>`, the original poller's lock key. */
  readonly key: string;
  /** Random token of this invocation. */
  readonly owner: string;
  /** Current time, epoch milliseconds. */
  readonly nowMs: number;
  /** Lock lifetime from `nowMs`. */
  readonly ttlSeconds: number;
}

/** Name of the lock table's partition key (the original poller named it `topic_partition_id`). */
export const LOCK_KEY_ATTRIBUTE = 'topic_partition';

/** Name of the TTL attribute (epoch seconds) the table's TTL setting points at. */
export const LOCK_TTL_ATTRIBUTE = 'ttl';

/** The lock key of a partition: `<topic>_<partition>`. */
export function lockKey(topic: string, partition: number): string {
  return `${topic}_${partition}`;
}

function item(request: LockRequest): Record<string, { S: string } | { N: string }> {
  const expiresAt = request.nowMs + request.ttlSeconds * 1000;
  return {
    [LOCK_KEY_ATTRIBUTE]: { S: request.key },
    owner: { S: request.owner },
    expiresAt: { N: String(expiresAt) },
    [LOCK_TTL_ATTRIBUTE]: { N: String(Math.ceil(expiresAt / 1000) + LOCK_CLEANUP_DELAY_SECONDS) },
    timestamp: { S: new Date(request.nowMs).toISOString() },
  };
}

/** The DynamoDB SDK package, loaded on the first lock call (core/lazy.ts). */
const dynamoSdk = once(() => import('@aws-sdk/client-dynamodb'));
type DynamoSdk = Awaited<ReturnType<typeof dynamoSdk>>;

/** How one lock call is sent: with the SDK package and the abort signal of its deadline. */
type LockCall = (sdk: DynamoSdk, options: { abortSignal: AbortSignal }) => Promise<unknown>;

/**
 * DynamoDB lock table adapter. Acquire is a conditional put
 * `attribute_not_exists(topic_partition) OR expiresAt < :now`, so a crashed holder's lock is taken
 * over as soon as it expires (not when the TTL sweep deletes it). Renew and release are conditional on
 * `owner = :owner`. Every call, SDK retries included, is aborted after `callTimeoutMs` (a RetriableError).
 */
export function createDynamoLock(
  dynamodb: DynamoDBClient,
  tableName: string,
  callTimeoutMs: number = LOCK_CALL_TIMEOUT_MS,
): LockPort {
  /** Runs a conditional write with the SDK package; false when its condition failed. */
  const conditional = async (run: LockCall, what: string): Promise<boolean> => {
    try {
      await run(await dynamoSdk(), { abortSignal: AbortSignal.timeout(callTimeoutMs) });
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw new RetriableError(`lock table ${what} failed: ${(error as Error).message}`, { cause: error });
    }
  };
  return {
    acquire: (request) =>
      conditional(
        (sdk, options) =>
          dynamodb.send(
            new sdk.PutItemCommand({
              TableName: tableName,
              Item: item(request),
              ConditionExpression: 'attribute_not_exists(#key) OR #expiresAt < :now',
              ExpressionAttributeNames: { '#key': LOCK_KEY_ATTRIBUTE, '#expiresAt': 'expiresAt' },
              ExpressionAttributeValues: { ':now': { N: String(request.nowMs) } },
            }),
            options,
          ),
        'acquire',
      ),
    renew: (request) => {
      const i = item(request);
      return conditional(
        (sdk, options) =>
          dynamodb.send(
            new sdk.UpdateItemCommand({
              TableName: tableName,
              Key: { [LOCK_KEY_ATTRIBUTE]: { S: request.key } },
              UpdateExpression: 'SET #expiresAt = :expiresAt, #ttl = :ttl',
              ConditionExpression: '#owner = :owner',
              ExpressionAttributeNames: {
                '#expiresAt': 'expiresAt',
                '#ttl': LOCK_TTL_ATTRIBUTE,
                '#owner': 'owner',
              },
              ExpressionAttributeValues: {
                ':expiresAt': i.expiresAt as { N: string },
                ':ttl': i[LOCK_TTL_ATTRIBUTE] as { N: string },
                ':owner': { S: request.owner },
              },
            }),
            options,
          ),
        'renew',
      );
    },
    release: async (request) => {
      await conditional(
        (sdk, options) =>
          dynamodb.send(
            new sdk.DeleteItemCommand({
              TableName: tableName,
              Key: { [LOCK_KEY_ATTRIBUTE]: { S: request.key } },
              ConditionExpression: '#owner = :owner',
              ExpressionAttributeNames: { '#owner': 'owner' },
              ExpressionAttributeValues: { ':owner': { S: request.owner } },
            }),
            options,
          ),
        'release',
      );
    },
  };
}

/**
 * In-memory lock with the same semantics (for unit tests and the local runner). `table` is exposed so
 * tests can simulate a crashed holder.
 */
export function createMemoryLock(): LockPort & { table: Map<string, { owner: string; expiresAt: number }> } {
  const table = new Map<string, { owner: string; expiresAt: number }>();
  return {
    table,
    async acquire(r) {
      const current = table.get(r.key);
      if (current && !(current.expiresAt < r.nowMs)) return false;
      table.set(r.key, { owner: r.owner, expiresAt: r.nowMs + r.ttlSeconds * 1000 });
      return true;
    },
    async renew(r) {
      const current = table.get(r.key);
      if (!current || current.owner !== r.owner) return false;
      current.expiresAt = r.nowMs + r.ttlSeconds * 1000;
      return true;
    },
    async release(r) {
      if (table.get(r.key)?.owner === r.owner) table.delete(r.key);
    },
  };
}
