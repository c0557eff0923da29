/**
 * The FIRE_AND_FORGET sink against a real Kinesis API (the test bed's moto): delivery with the port,
 * the Lambda handler module configured only by its environment, and the failure that hands the batch
 * to Lambda's async retries and the DLQ.
 */
import {
  CreateStreamCommand,
  DeleteStreamCommand,
  DescribeStreamSummaryCommand,
} from '@aws-sdk/client-kinesis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { RetriableError } from '../../core/errors.js';
import { createKinesisSink } from '../../core/kinesis-delivery.js';
import { type AwsClients, awsClients } from '../../devkit/testbed/aws.js';
import { readAllRecords } from '../../devkit/testbed/kinesis.js';
import { deliverBatch } from '../../targets/deliver-batch.js';

const bed = inject('testbed');
let clients: AwsClients;

async function createStream(name: string, shards: number): Promise<string> {
  const streamName = `${name}-${Date.now()}`;
  await clients.kinesis.send(new CreateStreamCommand({ StreamName: streamName, ShardCount: shards }));
  for (let i = 0; i < 50; i++) {
    const d = await clients.kinesis.send(new DescribeStreamSummaryCommand({ StreamName: streamName }));
    if (d.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return streamName;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`stream ${streamName} did not become ACTIVE`);
}

const canonical = (i: number) => ({
  schemaVersion: 1,
  eventId: `onprem/ExampleTopic/0/${i}`,
  partitionKey: `APP${(i % 4) + 1}`,
  source: 'msk-serverless-iam',
  api: { app_name: `APP${(i % 4) + 1}`, transaction_id: `transaction${i}` },
});

beforeAll(() => {
  clients = awsClients(bed.moto.endpoint, bed.moto.region);
});

afterAll(() => {
  clients.destroy();
});

describe('sink → Kinesis (moto)', () => {
  it('writes a 1200-record batch (3 PutRecords calls) with the records’ partition keys and exact bytes', async () => {
    // Arrange
    const streamName = await createStream('sink', 2);
    const batch = Array.from({ length: 1200 }, (_, i) => canonical(i));
    // Act
    const result = await deliverBatch(batch, createKinesisSink(clients.kinesis, streamName));
    // Assert
    expect(result).toEqual({ delivered: 1200, calls: 3, resent: 0 });
    const read = await readAllRecords(clients.kinesis, streamName);
    expect(read).toHaveLength(1200);
    const byId = new Map(read.map((r) => [JSON.parse(r.data.toString()).eventId as string, r]));
    for (const record of batch) {
      const got = byId.get(record.eventId);
      expect(got?.partitionKey).toBe(record.partitionKey);
      expect(got?.data.toString()).toBe(JSON.stringify(record));
    }
    await clients.kinesis.send(new DeleteStreamCommand({ StreamName: streamName }));
  });

  it('the handler module, configured by environment, delivers and returns the count', async () => {
    // Arrange
    const streamName = await createStream('sink-handler', 1);
    Object.assign(process.env, {
      STREAM_NAME: streamName,
      AWS_REGION: bed.moto.region,
      AWS_ENDPOINT_URL_KINESIS: bed.moto.endpoint,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    });
    const { handler } = await import('../../targets/sink-handler.js');
    // Act
    const out = await handler([canonical(1), canonical(2)]);
    // Assert
    expect(out).toEqual({ delivered: 2 });
    const read = await readAllRecords(clients.kinesis, streamName);
    expect(read.map((r) => r.partitionKey)).toEqual(['APP2', 'APP3']);
    await clients.kinesis.send(new DeleteStreamCommand({ StreamName: streamName }));
  });

  it('throws a RetriableError when the stream cannot be written, so async retries and the DLQ take over', async () => {
    // Arrange
    const port = createKinesisSink(clients.kinesis, `missing-${Date.now()}`);
    // Act
    const act = deliverBatch([canonical(1)], port, { attempts: 2, baseDelayMs: 1 });
    // Assert
    await expect(act).rejects.toThrow(RetriableError);
    await expect(deliverBatch([canonical(1)], port, { attempts: 2, baseDelayMs: 1 })).rejects.toThrow(
      '1 of 1 records were not written to the stream after 2 attempts (ResourceNotFoundException)',
    );
  });
});
