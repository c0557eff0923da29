/**
 * AWS SDK v3 clients pointed at the test bed's moto server (credentials 'test'; Kinesis over HTTP/1.1, which
 * the emulator needs, through a handler whose timeouts end a hung request: core/aws-http.ts).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import { timedHttpHandler } from '../../core/aws-http.js';

/** Clients created by {@link awsClients}. */
export interface AwsClients {
  readonly kinesis: KinesisClient;
  readonly firehose: FirehoseClient;
  readonly sqs: SQSClient;
  readonly s3: S3Client;
  readonly secretsManager: SecretsManagerClient;
  readonly dynamodb: DynamoDBClient;
  readonly sfn: SFNClient;
  readonly sts: STSClient;
  /** Shared settings, to build another client the same way: `new LambdaClient(clients.config)`. */
  readonly config: {
    readonly endpoint: string;
    readonly region: string;
    readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  };
  /** Destroys every client's sockets. */
  destroy(): void;
}

/**
 * SDK v3 clients against moto at `endpoint` (e.g. `inject('testbed').moto.endpoint`).
 * S3 uses path-style addressing (no virtual-host buckets on 127.0.0.1).
 */
export function awsClients(endpoint: string, region = 'us-east-1'): AwsClients {
  const config = { endpoint, region, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
  const base = { ...config, maxAttempts: 2 };
  const kinesis = new KinesisClient({
    ...base,
    requestHandler: timedHttpHandler({ connectionTimeoutMs: 5_000, requestTimeoutMs: 30_000 }),
  });
  const firehose = new FirehoseClient(base);
  const sqs = new SQSClient(base);
  const s3 = new S3Client({ ...base, forcePathStyle: true });
  const secretsManager = new SecretsManagerClient(base);
  const dynamodb = new DynamoDBClient(base);
  const sfn = new SFNClient(base);
  const sts = new STSClient(base);
  return {
    kinesis,
    firehose,
    sqs,
    s3,
    secretsManager,
    dynamodb,
    sfn,
    sts,
    config,
    destroy() {
      for (const c of [kinesis, firehose, sqs, s3, secretsManager, dynamodb, sfn, sts]) c.destroy();
    },
  };
}
