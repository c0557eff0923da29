/**
 * The AWS clients the poller uses (Kinesis with bounded connect/request timeouts), created once per
 * Lambda container; `npm start` against external AWS creates the same set.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** The poller's clients. */
export interface PollerAwsClients {
  readonly kinesis: KinesisClient;
  readonly sqs: SQSClient;
  readonly s3: S3Client;
  readonly secretsManager: SecretsManagerClient;
  readonly dynamodb: DynamoDBClient;
}

/** Kinesis PutRecords: fail a dead connection in 5 s and a stuck request in 30 s (then retried). */
const KINESIS_CONNECTION_TIMEOUT_MS = 5_000;
const KINESIS_REQUEST_TIMEOUT_MS = 30_000;

/** Client settings shared by all five (an emulator's endpoint, region, credentials, attempts). */
export interface PollerAwsClientBase {
  readonly endpoint?: string;
  readonly region?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly maxAttempts?: number;
}

/**
 * Creates the clients; with no `base`, from the environment (region, credentials, AWS_ENDPOINT_URL_* for
 * emulators). An explicit `base.endpoint` (an emulator) also switches S3 to path-style addressing.
 */
export function createPollerAwsClients(base: PollerAwsClientBase = {}): PollerAwsClients {
  return {
    kinesis: new KinesisClient({
      ...base,
      requestHandler: new NodeHttpHandler({
        connectionTimeout: KINESIS_CONNECTION_TIMEOUT_MS,
        requestTimeout: KINESIS_REQUEST_TIMEOUT_MS,
      }),
    }),
    sqs: new SQSClient(base),
    s3: new S3Client({ ...base, ...(base.endpoint ? { forcePathStyle: true } : {}) }),
    secretsManager: new SecretsManagerClient(base),
    dynamodb: new DynamoDBClient(base),
  };
}
