/**
 * AWS SDK v3 clients for the CLI, created lazily. `--endpoint-url` points every client at a local emulator.
 * Without it the SDK itself reads AWS_ENDPOINT_URL_<SERVICE> and then AWS_ENDPOINT_URL, in that order, so
 * one service can go to one emulator and the rest to another. With an emulator endpoint (either way), S3
 * uses path-style addressing. Every client speaks HTTP/1.1 through a handler whose timeouts end a hung
 * request (core/aws-http.ts): a dead or silent endpoint fails the command instead of hanging it.
 */
import { FirehoseClient } from '@aws-sdk/client-firehose';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { type HttpTimeouts, timedHttpHandler } from '../../core/aws-http.js';
import { awsBootstrapLookup, type BootstrapLookup } from '../../core/msk-bootstrap.js';

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
  readonly firehose: FirehoseClient;
  readonly lambda: LambdaClient;
  /**
   * MSK GetBootstrapBrokers in the cluster's Region (the bootstrap brokers of `kind: msk | msk-serverless`
   * sources); absent: the SDK's, from the environment.
   */
  readonly mskBootstrap?: BootstrapLookup;
  /**
   * Settings to build another client the same way (Region, endpoint, timeouts): the schema registries'
   * Glue client. Absent: the SDK's defaults.
   */
  readonly config?: Readonly<Record<string, unknown>>;
}

/**
 * HTTP timeouts of one attempt: 30 s for the small calls (secrets, objects, queue messages, PutRecords);
 * a synchronous Lambda invoke (DLQ replay) may run for the function's whole timeout, at most 900 s.
 */
export const CLI_HTTP_TIMEOUTS: { readonly default: HttpTimeouts; readonly lambda: HttpTimeouts } = {
  default: { connectionTimeoutMs: 5_000, requestTimeoutMs: 30_000 },
  lambda: { connectionTimeoutMs: 5_000, requestTimeoutMs: 910_000 },
};

/** Creates the clients on first use, so commands that need none never resolve credentials. */
export function cliAwsClients(
  opts: AwsOptions = {},
  env: NodeJS.ProcessEnv = process.env,
  timeouts: typeof CLI_HTTP_TIMEOUTS = CLI_HTTP_TIMEOUTS,
): CliAwsClients {
  const base = {
    ...(opts.region ? { region: opts.region } : {}),
    ...(opts.endpointUrl ? { endpoint: opts.endpointUrl } : {}),
  };
  /** The base settings with a handler of its own (a client destroys its handler with itself). */
  const timed = () => ({ ...base, requestHandler: timedHttpHandler(timeouts.default) });
  /** Whether `service` (the SDK's env suffix, e.g. KINESIS) is sent to a custom (emulator) endpoint. */
  const emulated = (service: string) =>
    Boolean(opts.endpointUrl || env[`AWS_ENDPOINT_URL_${service}`] || env.AWS_ENDPOINT_URL);
  const cache = new Map<unknown, unknown>();
  let mskBootstrap: BootstrapLookup | undefined;
  /** One client per SDK client class, made on first use. */
  const lazy = <T>(key: abstract new (...args: never) => T, make: () => T): T => {
    if (!cache.has(key)) cache.set(key, make());
    return cache.get(key) as T;
  };
  return {
    get secretsManager() {
      return lazy(SecretsManagerClient, () => new SecretsManagerClient(timed()));
    },
    get s3() {
      return lazy(
        S3Client,
        () => new S3Client({ ...timed(), ...(emulated('S3') ? { forcePathStyle: true } : {}) }),
      );
    },
    get sqs() {
      return lazy(SQSClient, () => new SQSClient(timed()));
    },
    get kinesis() {
      return lazy(KinesisClient, () => new KinesisClient(timed()));
    },
    get firehose() {
      return lazy(FirehoseClient, () => new FirehoseClient(base));
    },
    get lambda() {
      return lazy(
        LambdaClient,
        () => new LambdaClient({ ...base, requestHandler: timedHttpHandler(timeouts.lambda) }),
      );
    },
    get mskBootstrap() {
      mskBootstrap ??= awsBootstrapLookup(opts.endpointUrl ? { endpoint: opts.endpointUrl } : {});
      return mskBootstrap;
    },
    get config() {
      return timed();
    },
  };
}
