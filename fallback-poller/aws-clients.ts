/**
 * The AWS clients the poller uses, each with HTTP timeouts that end a hung request (core/aws-http.ts), so no
 * AWS call can hold a poll past its time budget; the delivery and the lock calls also carry a deadline of
 * their own (poll-chunk.ts, lock.ts). The Lambda creates each
 * on first use ({@link lazyPollerAwsClients}): its SDK package is loaded then, not at import, so a cold
 * start loads only what the invocation needs (no S3 or Secrets Manager without a truststore or secret to
 * read, no SQS without a poison record). `npm start` against external AWS or moto creates the same set at
 * once ({@link createPollerAwsClients}).
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { FirehoseClient } from '@aws-sdk/client-firehose';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { type HttpTimeouts, timedHttpHandler } from '../core/aws-http.js';
import { once } from '../core/lazy.js';

/** The poller's clients. */
export interface PollerAwsClients {
  readonly kinesis: KinesisClient;
  /** Firehose (sources whose target is a Firehose stream). */
  readonly firehose: FirehoseClient;
  readonly sqs: SQSClient;
  readonly s3: S3Client;
  readonly secretsManager: SecretsManagerClient;
  readonly dynamodb: DynamoDBClient;
}

/** The poller's clients, each created (and its SDK package loaded) by the first call of its function. */
export type LazyPollerAwsClients = {
  readonly [K in keyof PollerAwsClients]: () => Promise<PollerAwsClients[K]>;
};

/**
 * HTTP timeouts of one attempt per client. PutRecords of 5 MiB gets 20 s; the lock table's small items 2 s
 * (each lock call, retries included, also ends by LOCK_CALL_TIMEOUT_MS, lock.ts); S3 and Secrets Manager (a
 * truststore or a secret, read before the first record) 10 s; SQS (a DLQ batch) 10 s.
 */
export const POLLER_HTTP_TIMEOUTS = {
  kinesis: { connectionTimeoutMs: 3_000, requestTimeoutMs: 20_000 },
  firehose: { connectionTimeoutMs: 3_000, requestTimeoutMs: 20_000 },
  dynamodb: { connectionTimeoutMs: 1_000, requestTimeoutMs: 2_000 },
  s3: { connectionTimeoutMs: 3_000, requestTimeoutMs: 10_000 },
  secretsManager: { connectionTimeoutMs: 3_000, requestTimeoutMs: 10_000 },
  sqs: { connectionTimeoutMs: 3_000, requestTimeoutMs: 10_000 },
} as const satisfies Record<keyof PollerAwsClients, HttpTimeouts>;

/** The base settings with a timed handler of the client's own (a client destroys its handler with itself). */
const timed = (base: PollerAwsClientBase, timeouts: HttpTimeouts) => ({
  ...base,
  requestHandler: timedHttpHandler(timeouts),
});

/** Client settings shared by all six (an emulator's endpoint, region, credentials, attempts). */
export interface PollerAwsClientBase {
  readonly endpoint?: string;
  readonly region?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly maxAttempts?: number;
}

/** How each client is made from the base settings. */
const MAKE: {
  readonly [K in keyof PollerAwsClients]: (base: PollerAwsClientBase) => Promise<PollerAwsClients[K]>;
} = {
  async kinesis(base) {
    const { KinesisClient } = await import('@aws-sdk/client-kinesis');
    // HTTP/1.1 (the Kinesis client's default is an HTTP/2 handler).
    return new KinesisClient(timed(base, POLLER_HTTP_TIMEOUTS.kinesis));
  },
  firehose: async (base) =>
    new (await import('@aws-sdk/client-firehose')).FirehoseClient(timed(base, POLLER_HTTP_TIMEOUTS.firehose)),
  sqs: async (base) =>
    new (await import('@aws-sdk/client-sqs')).SQSClient(timed(base, POLLER_HTTP_TIMEOUTS.sqs)),
  async s3(base) {
    const { S3Client } = await import('@aws-sdk/client-s3');
    return new S3Client({
      ...timed(base, POLLER_HTTP_TIMEOUTS.s3),
      ...(base.endpoint ? { forcePathStyle: true } : {}),
    });
  },
  secretsManager: async (base) =>
    new (await import('@aws-sdk/client-secrets-manager')).SecretsManagerClient(
      timed(base, POLLER_HTTP_TIMEOUTS.secretsManager),
    ),
  dynamodb: async (base) =>
    new (await import('@aws-sdk/client-dynamodb')).DynamoDBClient(timed(base, POLLER_HTTP_TIMEOUTS.dynamodb)),
};

/**
 * The clients as the Lambda uses them: each made on the first call of its function. With no `base`, from
 * the environment (region, credentials, AWS_ENDPOINT_URL_* for emulators). An explicit `base.endpoint` (an
 * emulator) also switches S3 to path-style addressing.
 */
export function lazyPollerAwsClients(base: PollerAwsClientBase = {}): LazyPollerAwsClients {
  return {
    kinesis: once(() => MAKE.kinesis(base)),
    firehose: once(() => MAKE.firehose(base)),
    sqs: once(() => MAKE.sqs(base)),
    s3: once(() => MAKE.s3(base)),
    secretsManager: once(() => MAKE.secretsManager(base)),
    dynamodb: once(() => MAKE.dynamodb(base)),
  };
}

/** All six clients at once (the local runner), made as {@link lazyPollerAwsClients} makes them. */
export async function createPollerAwsClients(base: PollerAwsClientBase = {}): Promise<PollerAwsClients> {
  const [kinesis, firehose, sqs, s3, secretsManager, dynamodb] = await Promise.all([
    MAKE.kinesis(base),
    MAKE.firehose(base),
    MAKE.sqs(base),
    MAKE.s3(base),
    MAKE.secretsManager(base),
    MAKE.dynamodb(base),
  ]);
  return { kinesis, firehose, sqs, s3, secretsManager, dynamodb };
}

/** Clients that already exist, in the lazy form createPoller takes. */
export function readyPollerAwsClients(clients: PollerAwsClients): LazyPollerAwsClients {
  return {
    kinesis: async () => clients.kinesis,
    firehose: async () => clients.firehose,
    sqs: async () => clients.sqs,
    s3: async () => clients.s3,
    secretsManager: async () => clients.secretsManager,
    dynamodb: async () => clients.dynamodb,
  };
}
