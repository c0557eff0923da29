/**
 * AWS side of a local run: creates what the plan needs (Kinesis streams, Firehose streams, SQS queues, Secrets Manager
 * secrets, the truststore object in S3, the poller lock table) idempotently, reads secrets back the way
 * a Pipe does, and drains the DLQs for the reconciliation. Works against moto or real AWS.
 */
import { CreateTableCommand, type DynamoDBClient, ResourceInUseException } from '@aws-sdk/client-dynamodb';
import type { FirehoseClient } from '@aws-sdk/client-firehose';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
  ResourceInUseException as KinesisInUse,
} from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  CreateQueueCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { ensureDeliveryStream } from './lake.js';
import type { LocalRunPlan, SecretRef } from './plan.js';

/** Clients a local run uses. */
export interface LocalAwsClients {
  readonly kinesis: KinesisClient;
  readonly firehose: FirehoseClient;
  readonly sqs: SQSClient;
  readonly s3: S3Client;
  readonly secretsManager: SecretsManagerClient;
  readonly dynamodb: DynamoDBClient;
}

/** Lock table of the local poller (partition key `lockKey`, string). */
export const LOCAL_LOCK_TABLE = 'kafka-pipes-poller-locks-local';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Creates a stream unless it exists and waits until it is ACTIVE. */
export async function ensureStream(kinesis: KinesisClient, name: string, shards: number): Promise<void> {
  try {
    await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  } catch (error) {
    if (!(error instanceof KinesisInUse)) throw error;
  }
  for (let i = 0; i < 100; i++) {
    const d = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (d.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await sleep(200);
  }
  throw new Error(`stream ${name} did not become ACTIVE`);
}

/** Creates a queue (idempotent) and returns its URL. */
export async function ensureQueue(sqs: SQSClient, name: string): Promise<string> {
  const r = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  if (r.QueueUrl) return r.QueueUrl;
  const u = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
  return u.QueueUrl as string;
}

/** Creates or overwrites a secret's value. */
export async function putSecret(sm: SecretsManagerClient, name: string, value: string): Promise<void> {
  try {
    await sm.send(new CreateSecretCommand({ Name: name, SecretString: value }));
  } catch (error) {
    if (!(error instanceof ResourceExistsException)) throw error;
    await sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: value }));
  }
}

/** Reads the plan's secrets (by name), as a Pipe / the poller would at start. */
export async function readSecrets(
  sm: SecretsManagerClient,
  refs: readonly SecretRef[],
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const ref of refs) {
    const v = await sm.send(new GetSecretValueCommand({ SecretId: ref.name }));
    if (typeof v.SecretString !== 'string') throw new Error(`secret ${ref.name} has no SecretString`);
    out.set(ref.name, v.SecretString);
  }
  return out;
}

/** Creates the bucket (if missing) and writes the object. */
export async function putObject(s3: S3Client, bucket: string, key: string, body: string): Promise<void> {
  try {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (error) {
    const name = (error as Error).name;
    if (name !== 'BucketAlreadyOwnedByYou' && name !== 'BucketAlreadyExists') throw error;
  }
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

/** Creates the poller lock table (on-demand) unless it exists. */
export async function ensureLockTable(
  dynamodb: DynamoDBClient,
  table: string,
  keyAttribute: string,
): Promise<void> {
  try {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: keyAttribute, AttributeType: 'S' }],
        KeySchema: [{ AttributeName: keyAttribute, KeyType: 'HASH' }],
      }),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
}

/** Queue URLs by queue name. */
export type QueueUrls = ReadonlyMap<string, string>;

/** Creates the streams (Kinesis, Firehose with its bucket) and queues of a plan; returns the queue URLs. */
export async function provisionTargets(
  clients: LocalAwsClients,
  plan: LocalRunPlan,
): Promise<Map<string, string>> {
  await Promise.all([...plan.streams].map(([name, shards]) => ensureStream(clients.kinesis, name, shards)));
  for (const ds of plan.deliveryStreams) await ensureDeliveryStream(clients, ds);
  const urls = new Map<string, string>();
  for (const q of plan.queues) urls.set(q, await ensureQueue(clients.sqs, q));
  return urls;
}

/**
 * Receives every message currently in a queue (each once: a long visibility timeout keeps received
 * messages hidden) and returns the bodies. Stops after `emptyPolls` empty receives in a row.
 */
export async function drainQueue(sqs: SQSClient, queueUrl: string, emptyPolls = 2): Promise<string[]> {
  const bodies: string[] = [];
  let empty = 0;
  while (empty < emptyPolls) {
    const r = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 900,
        WaitTimeSeconds: 0,
      }),
    );
    const msgs = r.Messages ?? [];
    if (msgs.length === 0) {
      empty++;
      continue;
    }
    empty = 0;
    for (const m of msgs) bodies.push(m.Body ?? '');
  }
  return bodies;
}
