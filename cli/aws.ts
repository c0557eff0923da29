/**
 * AWS SDK v3 clients for the CLI, created lazily. `--endpoint-url` (or AWS_ENDPOINT_URL) points them at a local
 * emulator; the Kinesis client then uses HTTP/1.1 (NodeHttpHandler), which emulators need.
 */
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** Global AWS flags. */
export interface AwsOptions {
  readonly region?: string;
  readonly endpointUrl?: string;
}

/** The clients the CLI uses. */
export interface CliAwsClients {
  readonly secretsManager: SecretsManagerClient;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  readonly kinesis: KinesisClient;
  readonly lambda: LambdaClient;
}

/** Creates the clients on first use, so commands that need none never resolve credentials. */
export function cliAwsClients(opts: AwsOptions = {}): CliAwsClients {
  const base = {
    ...(opts.region ? { region: opts.region } : {}),
    ...(opts.endpointUrl ? { endpoint: opts.endpointUrl } : {}),
  };
  const cache = new Map<string, unknown>();
  const lazy = <T>(key: string, make: () => T): T => {
    if (!cache.has(key)) cache.set(key, make());
    return cache.get(key) as T;
  };
  return {
    get secretsManager() {
      return lazy('sm', () => new SecretsManagerClient(base));
    },
    get s3() {
      return lazy(
        's3',
        () => new S3Client({ ...base, ...(opts.endpointUrl ? { forcePathStyle: true } : {}) }),
      );
    },
    get sqs() {
      return lazy('sqs', () => new SQSClient(base));
    },
    get kinesis() {
      return lazy(
        'kinesis',
        () =>
          new KinesisClient({
            ...base,
            ...(opts.endpointUrl ? { requestHandler: new NodeHttpHandler() } : {}),
          }),
      );
    },
    get lambda() {
      return lazy('lambda', () => new LambdaClient(base));
    },
  };
}
