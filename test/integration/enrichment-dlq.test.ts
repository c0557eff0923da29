/**
 * The enrichment DLQ path against a real SQS queue on the test bed's moto: the SQS sink (batches,
 * truncation of an entry over the SQS size limit) and the Lambda handler module itself, configured only
 * through its environment.
 */
import { createHash } from 'node:crypto';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it, onTestFinished } from 'vitest';
import { type AwsClients, awsClients } from '../../devkit/testbed/aws.js';
import { createSqsDlqSink, type DlqEntry, enrichBatch } from '../../enrichment/index.js';
import { apicEvent, defaultRules, pipeRecord } from '../unit/enrichment/support.js';

const bed = inject('testbed');
let clients: AwsClients;

async function createQueue(sqs: SQSClient, name: string): Promise<string> {
  const res = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-${Date.now()}` }));
  return res.QueueUrl as string;
}

async function drain(sqs: SQSClient, queueUrl: string, expected: number): Promise<DlqEntry[]> {
  const messages: Message[] = [];
  for (let attempt = 0; attempt < 20 && messages.length < expected; attempt++) {
    const res = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    messages.push(...(res.Messages ?? []));
  }
  return messages.map((m) => JSON.parse(m.Body as string) as DlqEntry);
}

beforeAll(() => {
  clients = awsClients(bed.moto.endpoint, bed.moto.region);
});

afterAll(() => {
  clients.destroy();
});

describe('enrichment DLQ on SQS (moto)', () => {
  it('stores every bad record of a batch, with coordinates, reason, rule version and raw value', async () => {
    // Arrange
    const queueUrl = await createQueue(clients.sqs, 'enrichment-dlq');
    const bad = Array.from({ length: 23 }, (_, i) =>
      pipeRecord(`not json ${i}`, { offset: String(100 + i), partition: 4 }),
    );
    const event = [pipeRecord(apicEvent(), { offset: '99', partition: 4 }), ...bad];
    const outcome = enrichBatch(event, {
      rules: defaultRules,
      sourceName: 'apic',
      partitionKey: { type: 'topic-partition' },
    });

    // Act
    await createSqsDlqSink(clients.sqs, queueUrl).send(outcome.dlq);

    // Assert
    const stored = await drain(clients.sqs, queueUrl, 23);
    expect(stored.map((e) => e.offset).sort()).toEqual(bad.map((r) => String(r.offset)).sort());
    const first = stored.find((e) => e.offset === '100');
    expect(first).toMatchObject({
      schema: 'enrichment-dlq/v1',
      source: 'apic',
      topic: 'apic-events',
      partition: 4,
      ruleVersion: defaultRules.ruleVersion,
      value: Buffer.from('not json 0').toString('base64'),
    });
    expect(first?.reason.startsWith('invalid-json: ')).toBe(true);
    await clients.sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
  });

  it('truncates an entry larger than an SQS message and keeps the hash of the full value', async () => {
    // Arrange
    const queueUrl = await createQueue(clients.sqs, 'enrichment-dlq-big');
    const value = Buffer.alloc(400_000, 0xff); // not UTF-8 → DLQ; 533 KB in base64, over the 256 KiB limit
    const outcome = enrichBatch([pipeRecord(value, { offset: '7' })], {
      rules: defaultRules,
      sourceName: 'apic',
      partitionKey: { type: 'record-key' },
    });

    // Act
    await createSqsDlqSink(clients.sqs, queueUrl).send(outcome.dlq);

    // Assert
    const [stored] = await drain(clients.sqs, queueUrl, 1);
    expect(stored).toMatchObject({
      offset: '7',
      reason: 'invalid-utf8: the value is not valid UTF-8',
      valueTruncated: true,
      valueBytes: 400_000,
      valueSha256: createHash('sha256').update(value).digest('hex'),
    });
    expect(value.toString('base64').startsWith(stored?.value as string)).toBe(true);
    await clients.sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
  });

  it('the Lambda handler module, configured by environment, returns records and fills the DLQ', async () => {
    // Arrange
    const queueUrl = await createQueue(clients.sqs, 'enrichment-dlq-handler');
    const env = {
      SOURCE_NAME: 'apic-onprem',
      DLQ_URL: queueUrl,
      PARTITION_KEY: 'field:api.app_name',
      AWS_REGION: bed.moto.region,
      AWS_ENDPOINT_URL_SQS: bed.moto.endpoint,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    };
    const previous = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    onTestFinished(() => {
      for (const [k, v] of Object.entries(previous)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    });
    const { handler } = await import('../../enrichment/handler.js');

    // Act
    const records = await handler([
      pipeRecord(apicEvent(), { offset: '1' }),
      pipeRecord(Buffer.from([0xc3, 0x28]), { offset: '2' }),
    ]);

    // Assert
    expect(records.map((r) => [r.kafka.offset, r.partitionKey])).toEqual([['1', 'APP1']]);
    const stored = await drain(clients.sqs, queueUrl, 1);
    expect(stored.map((e) => [e.offset, e.reason])).toEqual([
      ['2', 'invalid-utf8: the value is not valid UTF-8'],
    ]);
    await clients.sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
  });
});
