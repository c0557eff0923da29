/**
 * Smoke tests of the test bed's moto server through the SDK v3 clients of devkit/testbed/aws.ts.
 */
import { CreateTableCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateStreamCommand, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CreateSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { awsClients } from '../../devkit/testbed/aws.js';
import { uniqueName } from '../../devkit/testbed/kafka.js';
import { readAllRecords } from '../../devkit/testbed/kinesis.js';

const bed = inject('testbed');
const aws = awsClients(bed.moto.endpoint, bed.moto.region);
afterAll(() => aws.destroy());

describe('moto through the SDK v3 clients', () => {
  it('Kinesis: PutRecords of 500 records, then GetRecords returns all of them', async () => {
    // Arrange
    const stream = uniqueName('smoke-stream');
    await aws.kinesis.send(new CreateStreamCommand({ StreamName: stream, ShardCount: 2 }));
    const entries = Array.from({ length: 500 }, (_, i) => ({
      PartitionKey: `pk-${i % 17}`,
      Data: Buffer.from(JSON.stringify({ i })),
    }));

    // Act
    const put = await aws.kinesis.send(new PutRecordsCommand({ StreamName: stream, Records: entries }));
    const read = await readAllRecords(aws.kinesis, stream);

    // Assert
    expect(put.FailedRecordCount).toBe(0);
    expect(read).toHaveLength(500);
    expect(read.map((r) => JSON.parse(r.data.toString('utf8')).i).sort((a, b) => a - b)).toEqual(
      entries.map((_, i) => i),
    );
    expect(new Set(read.map((r) => r.shardId)).size).toBe(2);
    const byKey = new Map(read.map((r) => [JSON.parse(r.data.toString('utf8')).i as number, r.partitionKey]));
    expect(byKey.get(18)).toBe('pk-1');
  });

  it('DynamoDB: a conditional put succeeds once, then fails with ConditionalCheckFailedException', async () => {
    // Arrange
    const table = uniqueName('smoke-lock');
    await aws.dynamodb.send(
      new CreateTableCommand({
        TableName: table,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      }),
    );
    const put = () =>
      aws.dynamodb.send(
        new PutItemCommand({
          TableName: table,
          Item: { pk: { S: 'topic#0' }, owner: { S: 'run-1' } },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );

    // Act
    const first = await put();
    const second = await put().then(
      () => undefined,
      (e: unknown) => e as Error,
    );

    // Assert
    expect(first.$metadata.httpStatusCode).toBe(200);
    expect(second?.name).toBe('ConditionalCheckFailedException');
  });

  it('Secrets Manager: a Pipes-format mTLS secret round-trips', async () => {
    // Arrange
    const name = uniqueName('smoke/secret');
    const secret = JSON.stringify({
      certificate: bed.pki.clientCert,
      privateKey: bed.pki.clientKeyEncrypted,
      privateKeyPassword: bed.pki.clientKeyPassword,
    });

    // Act
    await aws.secretsManager.send(new CreateSecretCommand({ Name: name, SecretString: secret }));
    const got = await aws.secretsManager.send(new GetSecretValueCommand({ SecretId: name }));

    // Assert
    expect(got.SecretString).toBe(secret);
    expect(got.Name).toBe(name);
  });

  it('S3: the long trust bundle (> 65,536 bytes) round-trips', async () => {
    // Arrange
    const bucket = uniqueName('smoke-bucket');
    await aws.s3.send(new CreateBucketCommand({ Bucket: bucket }));

    // Act
    await aws.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'truststore/long.pem', Body: bed.pki.longTrustBundle }),
    );
    const got = await aws.s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'truststore/long.pem' }));
    const body = await got.Body?.transformToString('utf8');

    // Assert
    expect(Buffer.byteLength(bed.pki.longTrustBundle)).toBeGreaterThan(65_536);
    expect(body).toBe(bed.pki.longTrustBundle);
  });

  it('SQS: send, receive and delete a message', async () => {
    // Arrange
    const { QueueUrl } = await aws.sqs.send(new CreateQueueCommand({ QueueName: uniqueName('smoke-dlq') }));
    const queueUrl = QueueUrl as string;

    // Act
    await aws.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{"reason":"smoke"}' }));
    const received = await aws.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    const message = received.Messages?.[0];
    await aws.sqs.send(
      new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message?.ReceiptHandle }),
    );
    const after = await aws.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 0,
      }),
    );

    // Assert
    expect(received.Messages).toHaveLength(1);
    expect(message?.Body).toBe('{"reason":"smoke"}');
    expect(after.Messages ?? []).toHaveLength(0);
  });

  it("STS: GetCallerIdentity answers with moto's default account", async () => {
    const id = await aws.sts.send(new GetCallerIdentityCommand({}));

    expect(id.Account).toBe('123456789012');
  });
});
